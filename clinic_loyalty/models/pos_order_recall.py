from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _clinic_effects(self):
        # After the order's points: a paid POS order closes the patient's recalls of its
        # services and may earn their reward (once: the recall is then closed).
        return [*super()._clinic_effects(), (50, "_clinic_close_paid_recalls")]

    def _clinic_close_paid_recalls(self):
        self.ensure_one()
        if self.partner_id:
            self.env["clinic.loyalty.recall"]._clinic_close_recalls(
                self.company_id,
                self.partner_id,
                self.lines.filtered(lambda line: line.qty > 0).product_id,
                document=self,
                paid=True,
                day=self._clinic_day(),
            )
