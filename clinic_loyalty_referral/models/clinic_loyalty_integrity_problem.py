from odoo import fields, models


class ClinicLoyaltyIntegrityProblem(models.Model):
    _inherit = "clinic.loyalty.integrity.problem"

    kind = fields.Selection(selection_add=[("referral", "Referral rewarded twice")], ondelete={"referral": "cascade"})
