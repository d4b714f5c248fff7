import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.clinic_loyalty.tools.guard import is_server_write, server_write

# Unambiguous characters only: a receptionist types the code a patient reads aloud.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class ResPartner(models.Model):
    _inherit = "res.partner"

    referral_code = fields.Char(
        copy=False,
        index="btree_not_null",
        help="Code this patient gives to the people they refer to the clinic.",
    )
    referred_by_id = fields.Many2one(
        comodel_name="res.partner",
        index="btree_not_null",
        tracking=True,
        help="Who referred this patient. A patient has one referrer, set once.",
    )
    referral_count = fields.Integer(compute="_compute_referral_count", string="Referrals")

    _sql_constraints = [
        ("referral_code_unique", "UNIQUE(referral_code)", "A referral code must be unique."),
    ]

    def _compute_referral_count(self):
        counts = dict(self._read_group([("referred_by_id", "in", self.ids)], ["referred_by_id"], ["__count"]))
        for partner in self:
            partner.referral_count = counts.get(partner, 0)

    @api.constrains("referred_by_id")
    def _check_referred_by_id(self):
        for partner in self.filtered("referred_by_id"):
            referrer = partner.referred_by_id
            reason = None
            if referrer == partner:
                reason = self.env._("a patient cannot refer themselves")
            elif partner.clinic_household_id and referrer.clinic_household_id == partner.clinic_household_id:
                reason = self.env._(
                    "both belong to the household %(household)s",
                    household=partner.clinic_household_id.name,
                )
            elif set(partner._clinic_phones()) & set(referrer._clinic_phones()):
                reason = self.env._("both have the same phone number")
            if reason:
                raise ValidationError(
                    self.env._(
                        "%(referrer)s cannot be recorded as the referrer of %(patient)s: %(reason)s.",
                        referrer=referrer.display_name,
                        patient=partner.display_name,
                        reason=reason,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._clinic_check_referral_vals(vals)
        partners = super().create(vals_list)
        partners.filtered(lambda p: p.is_patient and not p.referral_code)._assign_referral_code()
        return partners

    def write(self, vals):
        self._clinic_check_referral_vals(vals)
        if "referred_by_id" in vals:
            for partner in self:
                if partner.referred_by_id and partner.referred_by_id.id != vals["referred_by_id"]:
                    raise ValidationError(
                        self.env._(
                            "%(patient)s was already referred by %(referrer)s; a patient has one referrer.",
                            patient=partner.display_name,
                            referrer=partner.referred_by_id.display_name,
                        )
                    )
        result = super().write(vals)
        if vals.get("is_patient"):
            self.filtered(lambda p: not p.referral_code)._assign_referral_code()
        return result

    def action_assign_referral_code(self):
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk (Loyalty User) gives referral codes."))
        self.check_access("write")
        self.filtered(lambda p: not p.referral_code)._assign_referral_code()
        return True

    def _clinic_check_referral_vals(self, vals):
        """A referral code is given by the server and changed only by a loyalty manager; the
        front desk records who referred a patient."""
        if self.env.su or is_server_write(self.env):
            return
        user = self.env.user
        if "referral_code" in vals and not user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Referral codes are given by the clinic; only a loyalty manager changes one."))
        if vals.get("referred_by_id") and not user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk (Loyalty User) records who referred a patient."))

    def _assign_referral_code(self):
        for partner in self:
            server_write(partner).referral_code = self._new_referral_code()

    @api.model
    def _new_referral_code(self):
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
            if not self.with_context(active_test=False).sudo().search_count([("referral_code", "=", code)]):
                return code

    @api.model
    def _find_by_referral_code(self, code):
        """The partner owning ``code``, typed in any case and with stray spaces."""
        normalised = (code or "").strip().upper().replace(" ", "")
        if not normalised:
            return self.browse()
        return self.search([("referral_code", "=", normalised)], limit=1)
