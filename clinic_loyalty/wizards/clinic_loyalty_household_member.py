from odoo import fields, models


class ClinicLoyaltyHouseholdMember(models.TransientModel):
    """The front desk adds or removes household members while the holder shows their card."""

    _name = "clinic.loyalty.household.member"
    _description = "Change Household Members"

    household_id = fields.Many2one(comodel_name="clinic.loyalty.household", required=True, readonly=True)
    operation = fields.Selection(
        selection=[("add", "Add members"), ("remove", "Remove members")],
        default="add",
        required=True,
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Patients",
        domain="[('is_patient', '=', True)]",
    )
    holder_card_code = fields.Char(
        string="Holder's Card",
        help="Scan or type the card of the household's holder. A loyalty manager can leave it empty.",
    )

    def action_apply(self):
        self.ensure_one()
        household = self.household_id
        if self.operation == "add":
            household.action_clinic_add_members(self.partner_ids.ids, self.holder_card_code)
        else:
            for partner in self.partner_ids:
                household.action_clinic_remove_member(partner.id, self.holder_card_code)
        return {"type": "ir.actions.act_window_close"}
