from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"
    _clinic_referral_order_field = "pos_order_id"

    def _clinic_effects(self):
        return [*super()._clinic_effects(), (70, "_clinic_referral_visit_paid")]

    def _clinic_referral_visit_paid(self):
        self.ensure_one()
        self.env["clinic.referral"]._clinic_visit_paid(self)
