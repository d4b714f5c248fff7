import secrets

from werkzeug.urls import url_quote

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.clinic_loyalty.tools.guard import is_server_write

# Unambiguous characters only: a receptionist types the code a patient reads aloud.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

REFERRER_KINDS = [("patient", "Patient"), ("staff", "Staff Member"), ("channel", "Partner Channel")]


def normalise_code(code):
    """A code as typed or read aloud: any case, stray spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


class ClinicReferrer(models.Model):
    """Whoever brings newcomers: a patient (rewarded in points on their card), a staff member
    or a partner channel (a partner clinic, a campaign, a poster: rewarded by commissions).

    Each has one current code and keeps its former codes as aliases, so printed posters
    and shared links keep working after a manager regenerates a code.
    """

    _name = "clinic.referrer"
    _description = "Referrer"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, index="trigram")
    kind = fields.Selection(REFERRER_KINDS, required=True, default="channel")
    # A contact deleted takes its referrer along, unless the referrer brought someone (the
    # referrals keep the referrer).
    partner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="cascade",
        help="The patient, or the partner (a partner clinic) behind a channel; commissions are paid to it.",
    )
    user_id = fields.Many2one("res.users", string="Staff Member", index="btree_not_null", ondelete="restrict")
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="A referrer of one company is refused in the others; a patient shared by every company refers in all.",
    )
    active = fields.Boolean(default=True)
    date_end = fields.Date(string="Valid Until", help="A campaign's or poster's last day: later its code is refused.")
    code = fields.Char(compute="_compute_code", search="_search_code", string="Referral Code")
    code_ids = fields.One2many("clinic.referral.code", "referrer_id", string="Codes")
    referral_ids = fields.One2many("clinic.referral", "referrer_id", string="Referrals")
    reward_ids = fields.One2many("clinic.referral.reward", "referrer_id", string="Rewards")
    referral_count = fields.Integer(compute="_compute_counts", string="Referred")
    qualified_count = fields.Integer(compute="_compute_counts", string="Qualified")
    share_url = fields.Char(compute="_compute_share_url", string="Share Link")
    qr_image = fields.Binary(compute="_compute_qr_image", string="QR Code")

    _sql_constraints = [
        (
            "patient_unique",
            "EXCLUDE (partner_id WITH =) WHERE (kind = 'patient')",
            "A patient has one referrer record.",
        ),
        ("staff_unique", "EXCLUDE (user_id WITH =) WHERE (kind = 'staff')", "A staff member has one referrer record."),
    ]

    @api.depends("code_ids.current")
    def _compute_code(self):
        for referrer in self:
            referrer.code = referrer.sudo().code_ids.filtered("current")[:1].code

    def _search_code(self, operator, value):
        if operator in ("=", "in") and value:
            values = [value] if isinstance(value, str) else value
            value = [normalise_code(v) for v in values]
            operator = "in"
        return [("code_ids", "any", [("code", operator, value)])]

    def _compute_counts(self):
        Referral = self.env["clinic.referral"].sudo()
        counts = dict(Referral._read_group([("referrer_id", "in", self.ids)], ["referrer_id"], ["__count"]))
        qualified = dict(
            Referral._read_group(
                [("referrer_id", "in", self.ids), ("state", "in", ("qualified", "rewarded"))],
                ["referrer_id"],
                ["__count"],
            )
        )
        for referrer in self:
            referrer.referral_count = counts.get(referrer, 0)
            referrer.qualified_count = qualified.get(referrer, 0)

    @api.depends("code")
    def _compute_share_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for referrer in self:
            referrer.share_url = f"{base}/r/{url_quote(referrer.code)}" if referrer.code else False

    @api.depends("share_url")
    def _compute_qr_image(self):
        png = self.env["loyalty.card"]._qr_png
        for referrer in self:
            referrer.qr_image = png(referrer.share_url) if referrer.share_url else False

    @api.constrains("kind", "partner_id", "user_id")
    def _check_kind(self):
        for referrer in self:
            if referrer.kind == "patient" and not referrer.partner_id:
                raise ValidationError(self.env._("A patient referrer is a patient: choose the contact."))
            if referrer.kind == "staff" and not referrer.user_id:
                raise ValidationError(self.env._("A staff referrer is a user of this database: choose the user."))

    @api.model_create_multi
    def create(self, vals_list):
        self._clinic_check_manager()
        referrers = super().create(vals_list)
        if not self.env.context.get("clinic_referral_no_code"):
            referrers._clinic_new_code()
        return referrers

    def write(self, vals):
        self._clinic_check_manager()
        if {"kind", "partner_id", "user_id"} & set(vals) and not is_server_write(self.env):
            raise UserError(
                self.env._(
                    "A referrer's kind and person cannot change: their referrals and rewards follow them. "
                    "Archive this referrer and create another."
                )
            )
        if "company_id" in vals and not is_server_write(self.env) and self.sudo().referral_ids:
            raise UserError(
                self.env._(
                    "A referrer who brought patients keeps their company: their referrals and rewards belong to it."
                )
            )
        return super().write(vals)

    def _clinic_check_manager(self):
        if self.env.su or is_server_write(self.env):
            return
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager creates or changes referrers and their codes."))

    def action_regenerate_code(self):
        """A new code for each referrer; the former code stays valid as an alias."""
        self._clinic_check_manager()
        self.check_access("write")
        self.sudo().code_ids.filtered("current").write({"current": False})
        self._clinic_new_code()
        return True

    def action_print_invitation(self):
        self.check_access("read")
        # The invitation has its own layout, not the company's document layout: never open
        # Odoo's layout dialog before the first print.
        return self.env.ref("clinic_loyalty_referral.clinic_referrer_report_invitation").report_action(
            self, config=False
        )

    def _clinic_new_code(self):
        Code = self.env["clinic.referral.code"].sudo()
        for referrer in self:
            Code.create({"referrer_id": referrer.id, "code": Code._clinic_unused_code(), "current": True})

    def _clinic_expired(self, day):
        self.ensure_one()
        return bool(self.date_end and self.date_end < day)

    def _clinic_recipient_partner(self):
        """Who receives this referrer's rewards: the patient, the staff member, the channel's partner."""
        self.ensure_one()
        return self.partner_id or self.user_id.partner_id

    @api.model
    def _clinic_find(self, code):
        """(referrer, code typed) for ``code`` in any case and with stray spaces: current codes and
        aliases alike, archived referrers too (the caller says why they are refused)."""
        normalised = normalise_code(code)
        if not normalised:
            return self.browse(), normalised
        row = self.env["clinic.referral.code"].sudo().search([("code", "=", normalised)], limit=1)
        return row.referrer_id.with_env(self.env), normalised


class ClinicReferralCode(models.Model):
    """A referrer's code, current or kept as an alias. Codes are never edited."""

    _name = "clinic.referral.code"
    _description = "Referral Code"
    _order = "current desc, id desc"
    _rec_name = "code"

    code = fields.Char(required=True, readonly=True)
    referrer_id = fields.Many2one(
        "clinic.referrer", required=True, index=True, ondelete="cascade", readonly=True, auto_join=True
    )
    company_id = fields.Many2one(related="referrer_id.company_id", store=True)
    current = fields.Boolean(readonly=True, help="The code shown and printed now; the others are aliases.")

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A referral code must be unique.")]

    @api.model
    def _clinic_unused_code(self):
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
            if not self.sudo().search_count([("code", "=", code)]):
                return code
