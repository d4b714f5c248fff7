from odoo import models

from ..tools.visits import PAID_POS_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _clinic_post_loyalty(self):
        # After the order's points: a paid POS order closes the patient's recalls of its
        # services and may earn their reward (once: the recall is then closed).
        result = super()._clinic_post_loyalty()
        for order in self.filtered(lambda o: o.state in PAID_POS_STATES and o.partner_id):
            self.env["clinic.loyalty.recall"]._clinic_close_recalls(
                order.company_id,
                order.partner_id,
                order.lines.filtered(lambda line: line.qty > 0).product_id,
                document=order,
                paid=True,
                day=order._clinic_day(),
            )
        return result
