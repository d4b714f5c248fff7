from odoo import api, fields, models


class ClinicLoyaltyHousehold(models.Model):
    _name = "clinic.loyalty.household"
    _description = "Patient Household"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    holder_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('is_patient', '=', True)]",
        help="Patient who owns the household's membership.",
    )
    member_ids = fields.One2many(
        comodel_name="res.partner",
        inverse_name="clinic_household_id",
        string="Members",
    )
    member_count = fields.Integer(compute="_compute_member_count")

    @api.depends("member_ids")
    def _compute_member_count(self):
        for household in self:
            household.member_count = len(household.member_ids)

    @api.model_create_multi
    def create(self, vals_list):
        households = super().create(vals_list)
        households._add_holders_as_members()
        return households

    def write(self, vals):
        result = super().write(vals)
        if "holder_id" in vals:
            self._add_holders_as_members()
        return result

    def _add_holders_as_members(self):
        for household in self:
            if household.holder_id.clinic_household_id != household:
                household.holder_id.clinic_household_id = household
