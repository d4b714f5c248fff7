from odoo import api, fields, models
from odoo.exceptions import AccessError

# Who referred whom is a patient's personal data: the front desk's, not every employee's or portal user's.
FRONT_DESK = "clinic_loyalty.group_clinic_loyalty_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    clinic_referrer_id = fields.Many2one(
        "clinic.referrer", compute="_compute_clinic_referrer_id", string="As Referrer", groups=FRONT_DESK
    )
    referral_code = fields.Char(
        compute="_compute_clinic_referrer_id",
        search="_search_referral_code",
        inverse="_inverse_referral_code",
        groups=FRONT_DESK,
        help="Code this patient gives to the people they refer to the clinic.",
    )
    referral_count = fields.Integer(
        compute="_compute_clinic_referrer_id", string="Patients Referred", groups=FRONT_DESK
    )
    clinic_referral_id = fields.Many2one(
        "clinic.referral",
        compute="_compute_clinic_referral_id",
        string="Referral",
        help="How this patient came to the clinic, in the current company.",
        groups=FRONT_DESK,
    )
    clinic_referred_by_id = fields.Many2one(
        "clinic.referrer",
        compute="_compute_clinic_referral_id",
        search="_search_clinic_referred_by_id",
        string="Referred By",
        groups=FRONT_DESK,
    )
    clinic_referral_code_entry = fields.Char(
        string="Came With Code",
        compute="_compute_clinic_referral_id",
        inverse="_inverse_clinic_referral_code_entry",
        help="The referral code the patient gave; checked and recorded when saved.",
        groups=FRONT_DESK,
    )

    def _compute_clinic_referrer_id(self):
        referrers = (
            self.env["clinic.referrer"].sudo().search([("kind", "=", "patient"), ("partner_id", "in", self.ids)])
        )
        by_partner = {referrer.partner_id.id: referrer for referrer in referrers}
        for partner in self:
            referrer = by_partner.get(partner.id, self.env["clinic.referrer"])
            partner.clinic_referrer_id = referrer
            partner.referral_code = referrer.code
            partner.referral_count = referrer.referral_count

    def _search_referral_code(self, operator, value):
        # As the user: whoever may not read referrers does not find patients by their code either.
        referrers = self.env["clinic.referrer"].search([("kind", "=", "patient"), ("code", operator, value)])
        return [("id", "in", referrers.partner_id.ids)]

    def _inverse_referral_code(self):
        if all((partner.referral_code or False) == (partner.clinic_referrer_id.code or False) for partner in self):
            return  # a form saving the code it shows
        raise AccessError(
            self.env._(
                "Referral codes are given by the clinic and never typed: a loyalty manager gives a referrer a new "
                "code from the referrer's form, and the old one keeps working."
            )
        )

    def _compute_clinic_referral_id(self):
        referrals = (
            self.env["clinic.referral"]
            .sudo()
            .search([("newcomer_id", "in", self.ids), ("company_id", "=", self.env.company.id)])
        )
        by_partner = {referral.newcomer_id.id: referral for referral in referrals}
        for partner in self:
            referral = by_partner.get(partner.id, self.env["clinic.referral"])
            partner.clinic_referral_id = referral
            partner.clinic_referred_by_id = referral.referrer_id
            partner.clinic_referral_code_entry = referral.code_used

    def _search_clinic_referred_by_id(self, operator, value):
        referrers = self.env["clinic.referrer"]._search(
            [("id", operator, value)] if isinstance(value, int | list) else [("name", operator, value)]
        )
        referrals = self.env["clinic.referral"].search([("referrer_id", "in", referrers)])
        return [("id", "in", referrals.newcomer_id.ids)]

    def _inverse_clinic_referral_code_entry(self):
        for partner in self:
            code = partner.clinic_referral_code_entry
            if code and code != partner.clinic_referral_id.code_used:
                partner._clinic_record_referral(code, "desk")

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners.filtered(lambda partner: partner.sudo().is_patient)._clinic_ensure_referrer()
        return partners

    def write(self, vals):
        result = super().write(vals)
        if vals.get("is_patient"):
            self._clinic_ensure_referrer()
        return result

    def action_assign_referral_code(self):
        """Give the selected patients their referral code (those enrolled before the module)."""
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk (Loyalty User) gives referral codes."))
        self.check_access("write")
        self.filtered("is_patient")._clinic_ensure_referrer()
        return True

    def action_clinic_record_referral(self, code, source="desk"):
        """The front desk (the partner form, the POS referral button) records the code this
        patient came with. Returns the patient's referral figures as the POS shows them;
        refuses with the reason, writing nothing."""
        self.ensure_one()
        self._clinic_record_referral(code, "pos" if source == "pos" else "desk")
        return self.clinic_referral_info()

    def _clinic_record_referral(self, code, source):
        self.ensure_one()
        Referral = self.env["clinic.referral"]
        Referral._clinic_check_front_desk()
        self.check_access("write")
        return Referral._clinic_record(self, code, source)

    @api.readonly
    def clinic_referral_info(self):
        """What the POS panel shows of the patient's referrals: their code, how many patients
        they brought, who referred them, and why rewards are off where they are."""
        self.ensure_one()
        # The front desk's view: it names the referrer in full (personal data).
        self.env["clinic.referral"]._clinic_check_front_desk()
        self.check_access("read")
        self = self.sudo()
        referrer = self.clinic_referrer_id
        referral = self.clinic_referral_id
        program = self.env["clinic.referral.program"]._clinic_for(self.env.company)
        states = dict(referral._fields["state"]._description_selection(self.env))
        return {
            "code": referrer.code or "",
            "referred": referrer.referral_count,
            "qualified": referrer.qualified_count,
            "referred_by": referral.referrer_id.name or "",
            "referral_state": states.get(referral.state, ""),
            "can_enter_code": bool(
                not referral
                and self.is_patient
                and not self.env["clinic.referral"]._clinic_has_paid_orders(self, self.env.company)
            ),
            "rewards_off": program._clinic_rewards_off_reason() or "",
        }

    def _clinic_ensure_referrer(self):
        """Each patient refers under their own code, from the day they are enrolled."""
        Referrer = self.env["clinic.referrer"].sudo()
        have = Referrer.with_context(active_test=False).search(
            [("kind", "=", "patient"), ("partner_id", "in", self.ids)]
        )
        missing = self - have.partner_id
        return Referrer.create(
            [
                {"kind": "patient", "partner_id": p.id, "name": p.name or "", "company_id": p.company_id.id}
                for p in missing
            ]
        )
