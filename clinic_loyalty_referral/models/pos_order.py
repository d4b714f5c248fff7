from odoo import models

from odoo.addons.clinic_loyalty.models.pos_order import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"
    _clinic_referral_order_field = "pos_order_id"

    def _clinic_post_loyalty(self):
        result = super()._clinic_post_loyalty()
        for order in self.filtered(lambda o: o.state in PAID_STATES):
            self.env["clinic.referral"]._clinic_visit_paid(order)
        return result
