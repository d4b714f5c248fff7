from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    clinic_loyalty_program_id = fields.Many2one(
        comodel_name="loyalty.program",
        string="Patient Loyalty Programme",
        domain="[('program_type', '=', 'loyalty'), ('company_id', 'in', [id, False])]",
        help="Programme in which enrolled patients receive their loyalty card.",
    )
