from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    clinic_loyalty_program_id = fields.Many2one(
        comodel_name="loyalty.program",
        string="Patient Loyalty Programme",
        domain="[('program_type', '=', 'loyalty'), ('company_id', 'in', [id, False])]",
        help="Programme in which enrolled patients receive their loyalty card.",
    )
    clinic_household_desk_members = fields.Boolean(
        string="Front Desk Manages Household Members",
        default=True,
        help="The front desk adds and removes household members when the holder's card is presented "
        "(scanned or typed). Without it, only loyalty managers change households.",
    )
