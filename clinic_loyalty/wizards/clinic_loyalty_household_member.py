from odoo import api, fields, models


class ClinicLoyaltyHouseholdMember(models.TransientModel):
    """The front desk changes a household with the holder's consent.

    The desk sends a one-time code to the holder and types the code the holder reads out,
    or asks a loyalty manager to approve; a loyalty manager applies the change directly.
    The wizard holds no rights of its own: each button calls the household's checked methods.
    """

    _name = "clinic.loyalty.household.member"
    _description = "Change Household Members"

    household_id = fields.Many2one(comodel_name="clinic.loyalty.household", required=True, readonly=True)
    operation = fields.Selection(
        selection=[("add", "Add members"), ("remove", "Remove members"), ("holder", "Make holder")],
        default="add",
        required=True,
    )
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Patients",
        domain="[('is_patient', '=', True)]",
    )
    is_manager = fields.Boolean(compute="_compute_is_manager")
    code_sent_to = fields.Char(string="Code Sent To", readonly=True)
    consent_code = fields.Char(
        string="Holder's Code",
        help="The code the holder received by SMS or email and reads out.",
    )
    feedback = fields.Char(readonly=True)

    @api.depends_context("uid")
    def _compute_is_manager(self):
        is_manager = self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager")
        for wizard in self:
            wizard.is_manager = is_manager

    def action_apply(self):
        """A loyalty manager's direct change."""
        self.ensure_one()
        household = self.household_id
        if self.operation == "add":
            household.action_clinic_add_members(self.partner_ids.ids)
        elif self.operation == "holder":
            household.action_clinic_set_holder(self.partner_ids[:1].id)
        else:
            for partner in self.partner_ids:
                household.action_clinic_remove_member(partner.id)
        return {"type": "ir.actions.act_window_close"}

    def action_send_code(self):
        self.ensure_one()
        sent = self.household_id.action_clinic_send_consent_code(self.operation, self.partner_ids.ids)
        self.write({"code_sent_to": sent["destination"], "consent_code": False, "feedback": False})
        return self._reopen()

    def action_confirm_code(self):
        self.ensure_one()
        result = self.household_id.action_clinic_confirm_consent_code(self.consent_code or "")
        if result["done"]:
            return {"type": "ir.actions.act_window_close"}
        self.write(
            {
                "consent_code": False,
                "feedback": self.env._("Wrong code: %(count)s attempts left.", count=result["attempts_left"])
                if result["attempts_left"]
                else self.env._("Wrong code again: this code no longer works. Send a new one."),
            }
        )
        return self._reopen()

    def action_ask_manager(self):
        self.ensure_one()
        self.household_id.action_clinic_ask_manager(self.operation, self.partner_ids.ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("A loyalty manager will approve the change in Household Requests."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": self.env._("Household Members"),
        }
