from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clinic_loyalty_program_id = fields.Many2one(
        related="company_id.clinic_loyalty_program_id",
        readonly=False,
    )
    clinic_household_desk_members = fields.Boolean(
        related="company_id.clinic_household_desk_members",
        readonly=False,
    )
