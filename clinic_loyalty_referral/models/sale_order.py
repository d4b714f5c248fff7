from odoo import api, fields, models

from odoo.addons.clinic_loyalty.tools.guard import server_write


class SaleOrder(models.Model):
    _inherit = "sale.order"
    _clinic_referral_order_field = "sale_order_id"

    clinic_referral_code = fields.Char(
        string="Referral Code",
        copy=False,
        help="The code a new patient gave: recorded for the patient when the order is saved, refused with "
        "the reason when it cannot count.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        for order, vals in zip(orders, vals_list, strict=True):
            if vals.get("clinic_referral_code"):
                order._clinic_record_referral()
        return orders

    def write(self, vals):
        # The code is the front desk's to type (clinic_loyalty keeps the other clinic fields):
        # written once recorded, and only if it could be.
        code = vals.pop("clinic_referral_code", None)
        result = super().write(vals)
        if code:
            super(SaleOrder, server_write(self)).write({"clinic_referral_code": code})
            for order in self:
                order._clinic_record_referral()
        return result

    def _clinic_record_referral(self):
        self.ensure_one()
        Referral = self.env["clinic.referral"]
        Referral._clinic_check_front_desk()
        Referral._clinic_record(self.partner_id, self.clinic_referral_code, "sale", self.company_id)

    def _clinic_effects(self):
        return [*super()._clinic_effects(), (52, "_clinic_referral_visit_confirmed")]

    def _clinic_referral_visit_confirmed(self):
        self.ensure_one()
        if self._clinic_visit_trigger() == "confirm":
            self.env["clinic.referral"]._clinic_visit_paid(self)

    def _clinic_earn_when_paid(self):
        result = super()._clinic_earn_when_paid()
        for order in self:
            if order._clinic_visit_trigger() == "paid" and order._clinic_fully_paid():
                self.env["clinic.referral"]._clinic_visit_paid(order)
        return result

    def _clinic_visit_trigger(self):
        """When a sales order counts as a paid visit: at confirmation, or once its invoices are
        paid, as the clinic programme earns points."""
        self.ensure_one()
        return self.company_id.clinic_loyalty_program_id.clinic_earn_trigger or "confirm"
