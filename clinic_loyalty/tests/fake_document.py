"""A document of the order engine that is neither a sales nor a POS order (loaded by FakeModelLoader).

It proves that any model describing itself to ``clinic.loyalty.document`` gets earning,
spending limits and reversals from the engine, as packages and referrals will.
"""

from odoo import fields, models


class ClinicTestDocument(models.Model):
    _name = "clinic.test.document"
    _inherit = "clinic.loyalty.document"
    _description = "Clinic engine test document"
    _clinic_ledger_field = "clinic_test_document_id"
    _clinic_refund_ledger_field = "clinic_test_refund_id"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    day = fields.Date(default=fields.Date.context_today)
    categ_id = fields.Many2one("product.category")
    amount = fields.Float(help="What the treatments cost, taxes included.")
    points_used = fields.Float()
    paid_with_points = fields.Float()

    def _clinic_card(self):
        return self.partner_id._clinic_card_in(self.company_id.clinic_loyalty_program_id)

    def _clinic_origin(self):
        return self.name

    def _clinic_key(self, event):
        return f"clinic.test.document:{self.id}:{event}"

    def _clinic_day(self):
        return self.day

    def _clinic_earning_lines(self):
        return [(self.categ_id.id, self.amount)]

    def _clinic_discounts(self):
        return self.paid_with_points

    def _clinic_spending(self, card):
        return self.points_used, self.paid_with_points

    def _clinic_cap_base(self):
        return self.amount


class ClinicLoyaltyLedger(models.Model):
    _inherit = "clinic.loyalty.ledger"

    clinic_test_document_id = fields.Many2one("clinic.test.document", index=True)
    clinic_test_refund_id = fields.Many2one("clinic.test.document", index=True)
