from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from ..tools.guard import is_server_write, server_write
from ..tools.phone import looks_like_phone, to_e164

PHONE_FIELDS = ("phone", "mobile")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Patients' numbers are stored in E.164, so a lookup is an indexed equality.
    phone = fields.Char(index="btree_not_null")
    mobile = fields.Char(index="btree_not_null")

    is_patient = fields.Boolean(
        string="Patient",
        index=True,
        # Being a clinic's patient is health data: only the clinic's staff reads the flag.
        groups="clinic_loyalty.group_clinic_loyalty_user",
        help="Patients have their phone numbers stored in international (E.164) form "
        "and can be enrolled in the clinic's loyalty programme.",
    )
    clinic_card_ids = fields.One2many(
        comodel_name="loyalty.card",
        inverse_name="partner_id",
        string="Clinic Loyalty Cards",
        domain=[("program_type", "=", "loyalty")],
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_card_code = fields.Char(
        string="Card Number",
        compute="_compute_clinic_card_code",
        search="_search_clinic_card_code",
        compute_sudo=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    # What the Patients list shows of the card the patient earns into and pays from (their
    # own, or their household's) in the company's clinic programme.
    clinic_points = fields.Float(
        string="Balance",
        compute="_compute_clinic_card_figures",
        compute_sudo=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_tier_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier",
        string="Tier",
        compute="_compute_clinic_card_figures",
        compute_sudo=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    # Joining and leaving go through checked server paths (see write and the household's
    # actions): a member earns into and pays from the holder's card.
    clinic_household_id = fields.Many2one(
        comodel_name="clinic.loyalty.household",
        string="Household",
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        copy=False,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_duplicate_patient_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Patients with the Same Phone",
        compute="_compute_clinic_duplicate_patient_ids",
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_birth_date = fields.Date(string="Date of Birth", groups="clinic_loyalty.group_clinic_loyalty_user")
    # When the date of birth was last entered or changed: the birthday bonus waits the
    # programme's days after it (set by the server, see create and write).
    clinic_birth_date_set_on = fields.Date(
        string="Date of Birth Entered On",
        readonly=True,
        copy=False,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_consent_reminders = fields.Boolean(
        string="Care Reminders and Loyalty Notices",
        default=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
        help="The patient accepts messages about their own care and loyalty account: points "
        "earned, points about to expire, tier changes.",
    )
    clinic_consent_marketing = fields.Boolean(
        string="Marketing Messages",
        groups="clinic_loyalty.group_clinic_loyalty_user",
        help="The patient accepts promotions and campaigns. Without it, no marketing message is sent.",
    )
    # When a phone or email was last changed: a household's one-time code is not sent to
    # a contact changed in the last days (set by the server, see write).
    clinic_contact_changed_on = fields.Datetime(
        string="Phone or Email Changed On",
        readonly=True,
        copy=False,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    # The form's Card button replaces Odoo's list of a patient's cards for the clinic's
    # staff; for everyone else this is False (it must not tell who is a patient).
    clinic_hide_card_list = fields.Boolean(compute="_compute_clinic_hide_card_list")
    clinic_lookup = fields.Char(
        string="Card or Phone",
        compute="_compute_clinic_lookup",
        search="_search_clinic_lookup",
        help="Finds patients by card number or by phone typed in any common format.",
    )

    @api.depends("clinic_card_ids.code")
    def _compute_clinic_card_code(self):
        for partner in self:
            cards = partner.clinic_card_ids.filtered("active").sorted("id")
            partner.clinic_card_code = cards[:1].code

    @api.depends_context("company")
    def _compute_clinic_card_figures(self):
        program = self.env.company.clinic_loyalty_program_id
        for partner in self:
            card = partner._clinic_card_in(program) if program.clinic_bonus else self.env["loyalty.card"]
            partner.clinic_points = card.points
            partner.clinic_tier_id = card._clinic_current_tier() if card else False

    def _compute_count_active_cards(self):
        # Odoo counts every card as the system: outside the clinic's staff, the count leaves
        # the clinic's cards out (it would tell who is a patient).
        super()._compute_count_active_cards()
        if self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            return
        clinic_cards = (
            self.env["loyalty.card"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "child_of", self.ids),
                    ("points", ">", 0),
                    ("program_id.clinic_bonus", "=", True),
                    ("program_id.active", "=", True),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner, count in clinic_cards:
            while partner:
                if partner in self:
                    partner.loyalty_card_count = max(partner.loyalty_card_count - count, 0)
                partner = partner.parent_id

    def _search_clinic_card_code(self, operator, value):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's staff searches patients by card number."))
        return [("id", "in", self._clinic_card_holders([("code", operator, value)]))]

    @api.model
    def _clinic_card_holders(self, card_domain):
        """Ids of the partners holding a card of the user's companies that matches ``card_domain``.

        Read as the system, limited to the card number; the clinic's cards are found by the
        clinic's staff only (a card number says who is a patient).
        """
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            card_domain = expression.AND([card_domain, [("program_id.clinic_bonus", "=", False)]])
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .search_fetch(
                expression.AND([card_domain, [("company_id", "in", [*self.env.companies.ids, False])]]),
                ["partner_id"],
            )
        )
        return cards.partner_id.ids

    @api.depends_context("uid")
    @api.depends("is_patient")
    def _compute_clinic_hide_card_list(self):
        staff = self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user")
        for partner in self:
            partner.clinic_hide_card_list = staff and partner.sudo().is_patient

    def _compute_clinic_lookup(self):
        self.clinic_lookup = False

    def _search_clinic_lookup(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str):
            return NotImplemented
        return self._clinic_lookup_domain(value)

    @api.depends("phone", "mobile", "is_patient")
    def _compute_clinic_duplicate_patient_ids(self):
        numbers = {n for partner in self if partner.is_patient for n in partner._clinic_phones()}
        by_number = {}
        if numbers:
            others = self.search(
                [
                    ("is_patient", "=", True),
                    "|",
                    ("phone", "in", list(numbers)),
                    ("mobile", "in", list(numbers)),
                ]
            )
            for other in others:
                for number in other._clinic_phones():
                    by_number.setdefault(number, self.browse())
                    by_number[number] |= other
        for partner in self:
            same = self.browse()
            if partner.is_patient:
                for number in partner._clinic_phones():
                    same |= by_number.get(number, self.browse())
            partner.clinic_duplicate_patient_ids = same - partner._origin - partner

    @api.constrains("clinic_household_id")
    def _check_clinic_household_holder(self):
        holders = self.env["clinic.loyalty.household"].sudo().search([("holder_id", "in", self.ids)])
        for household in holders:
            if household.holder_id.clinic_household_id != household:
                raise ValidationError(
                    self.env._(
                        "%(patient)s holds the household %(household)s and cannot leave it. "
                        "Make another member the holder first.",
                        patient=household.holder_id.display_name,
                        household=household.name,
                    )
                )

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        # Only numbers are worth the extra lookup: names keep the stock search untouched.
        if operator in ("ilike", "=", "=ilike") and isinstance(value, str) and looks_like_phone(value):
            lookup = self._clinic_lookup_domain(value)
            if lookup != expression.FALSE_DOMAIN:
                domain = expression.OR([domain, lookup])
        return domain

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        # A customer created at a clinic's point of sale (its partner form names the POS) is
        # a patient by default, as the POS's setting says; the cashier may untick it.
        config_id = self.env.context.get("clinic_pos_config_id")
        if "is_patient" in fields_list and isinstance(config_id, int) and not isinstance(config_id, bool):
            config = self.env["pos.config"].browse(config_id).exists()
            if config and config.has_access("read") and config._clinic_new_customer_is_patient():
                defaults["is_patient"] = True
        return defaults

    @api.model
    def _load_pos_data_domain(self, data):
        # The POS lists its own company's contacts and shared ones, not another company's.
        company = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"]).company_id
        return expression.AND(
            [super()._load_pos_data_domain(data), ["|", ("company_id", "=", False), ("company_id", "=", company.id)]]
        )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return fields_list + ["company_id"] if fields_list else fields_list

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._clinic_check_guarded_vals(vals)
            if vals.get("clinic_household_id"):
                household = self.env["clinic.loyalty.household"].browse(vals["clinic_household_id"])
                household.check_access("read")
                household.sudo()._clinic_check_can_join(self.browse(), company=vals.get("company_id"))
            if vals.get("is_patient"):
                self._clinic_normalise_phone_vals(vals, self._clinic_phone_region(vals))
            self._clinic_stamp_birth_date(vals)
        partners = super().create(vals_list)
        partners.filtered(lambda partner: partner.sudo().is_patient)._clinic_issue_cards()
        return partners

    def write(self, vals):
        self._clinic_check_guarded_vals(vals)
        if "clinic_birth_date" in vals:
            vals = dict(vals)
            self._clinic_stamp_birth_date(vals)
        if any(field in vals for field in (*PHONE_FIELDS, "email")) and "clinic_contact_changed_on" not in vals:
            changed = self.sudo().filtered(
                lambda partner: any(
                    (vals[field] or False) != (partner[field] or False)
                    for field in (*PHONE_FIELDS, "email")
                    if field in vals
                )
            )
            if changed:
                super(ResPartner, self.browse(changed.ids).sudo()).write(
                    {"clinic_contact_changed_on": fields.Datetime.now()}
                )
        if vals.get("clinic_household_id"):
            household = self.env["clinic.loyalty.household"].browse(vals["clinic_household_id"])
            household.check_access("read")
            joining = self.sudo().filtered(lambda partner: partner.clinic_household_id != household)
            if joining:
                household.sudo()._clinic_check_can_join(joining)
        touches_phone = any(field in vals for field in PHONE_FIELDS)
        if touches_phone or vals.get("is_patient"):
            # Each patient's numbers are read in the country of that patient, so write
            # per partner only on this (rare, form-driven) path.
            for partner in self:
                partner_vals = dict(vals)
                if partner_vals.get("is_patient", partner.sudo().is_patient):
                    if not touches_phone:
                        partner_vals.update({f: partner[f] for f in PHONE_FIELDS})
                    region = partner._clinic_phone_region(partner_vals)
                    self._clinic_normalise_phone_vals(partner_vals, region, partner)
                super(ResPartner, partner).write(partner_vals)
            result = True
        else:
            result = super().write(vals)
        if vals.get("is_patient"):
            self._clinic_issue_cards()
        return result

    def _clinic_check_guarded_vals(self, vals):
        """Who may enrol patients and place them in households, whatever the client sends.

        Enrolling issues a card (and its welcome bonus): the front desk's job. A household
        member earns into and pays from the holder's card: a loyalty manager places
        patients directly; the front desk uses the household's Add Member, which needs the
        holder's one-time code or a manager's approval; the server's own paths (membership
        sales) hold the server key.
        """
        if self.env.su or is_server_write(self.env):
            return
        if "clinic_birth_date_set_on" in vals or "clinic_contact_changed_on" in vals:
            raise AccessError(
                self.env._("The dates a date of birth or a phone was entered are recorded by the server.")
            )
        user = self.env.user
        if vals.get("is_patient") and not user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk (Loyalty User) enrols patients."))
        if "clinic_household_id" in vals and not user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(
                self.env._(
                    "Patients join or leave a household through its Add or Remove Members button (with the "
                    "holder's code or a manager's approval), or a loyalty manager places them."
                )
            )

    def _clinic_stamp_birth_date(self, vals):
        """Record when a date of birth is entered or changed (the birthday bonus waits)."""
        if vals.get("clinic_birth_date") and "clinic_birth_date_set_on" not in vals:
            vals["clinic_birth_date_set_on"] = fields.Date.context_today(self)

    def action_clinic_enrol(self):
        """Make the partners patients and issue their loyalty card."""
        if not self.env.company.clinic_loyalty_program_id:
            raise UserError(
                self.env._(
                    "No patient loyalty programme is set for %(company)s. A loyalty manager "
                    "chooses it in Clinic Loyalty > Configuration > Settings.",
                    company=self.env.company.name,
                )
            )
        self.filtered(lambda p: not p.is_patient).write({"is_patient": True})
        self._clinic_issue_cards()
        return True

    def action_clinic_open_card(self):
        """The patient's clinic card (balance, ledger, tiers; printing is among its buttons)."""
        self.ensure_one()
        card = self._clinic_active_card()
        return {
            "type": "ir.actions.act_window",
            "res_model": "loyalty.card",
            "res_id": card.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _clinic_active_card(self):
        cards = self.clinic_card_ids.filtered("active")
        if not cards:
            raise UserError(
                self.env._(
                    "%(patient)s has no loyalty card yet: enrol the patient first.",
                    patient=self.display_name,
                )
            )
        return cards.sorted("id")[:1]

    def action_clinic_print_card(self):
        self.ensure_one()
        return self._clinic_active_card().action_print_clinic_card()

    def _clinic_issue_cards(self):
        """Give each patient a card in the company's programme, unless they have one."""
        program = self.env.company.clinic_loyalty_program_id
        if not program:
            return self.env["loyalty.card"]
        # Receptionists enrol patients but do not manage cards: the card itself is made
        # with the programme's rights, for exactly these partners.
        Card = server_write(self.env["loyalty.card"].sudo())
        holders = Card.search([("program_id", "=", program.id), ("partner_id", "in", self.ids)])
        missing = self - holders.partner_id
        return Card.create([{"program_id": program.id, "partner_id": p.id, "points": 0} for p in missing])

    def _clinic_card_in(self, program):
        """The card this patient earns into and pays from in ``program``: their household's
        (the holder's) while an active membership shares points, else their own."""
        self.ensure_one()
        household = self._clinic_household(program.company_id)
        partner = self
        if household and household.plan_id.share_points and household._clinic_is_member_active():
            partner = household.holder_id
        # Read through the partner's cards (kept in the record cache for the transaction,
        # and updated by Odoo when a card is created): an order asks several times.
        return partner.sudo().clinic_card_ids.filtered(lambda card: card.active and card.program_id == program)[:1]

    def _clinic_household(self, company):
        """The patient's household, read as the system, if it belongs to ``company`` (empty if not).

        A membership bought in one company gives nothing in another. No partner (an
        anonymous POS order) has no household.
        """
        household = self.sudo().clinic_household_id  # a singleton's, or none for no partner
        if household and company and household.company_id != company:
            return household.browse()
        return household

    def _clinic_sms_number(self):
        self.ensure_one()
        return self.mobile or self.phone

    def _clinic_phones(self):
        """The partner's numbers in E.164; a form being edited may still show them as typed."""
        self.ensure_one()
        numbers = [self[field] for field in PHONE_FIELDS if self[field]]
        if not numbers or all(n.startswith("+") and n[1:].isdigit() for n in numbers):
            return numbers
        region = self._clinic_phone_region({})
        return [to_e164(number, region) or number for number in numbers]

    def _clinic_phone_region(self, vals):
        """Country whose national format a typed number is read in: the partner's, else the company's."""
        country = self.env["res.country"]
        if vals.get("country_id"):
            country = country.browse(vals["country_id"])
        elif self:
            country = self.country_id
        if not country:
            company = self.env["res.company"].browse(vals.get("company_id")) if vals.get("company_id") else None
            company = company or (self.company_id if self else None) or self.env.company
            country = company.country_id
        return country.code

    def _clinic_normalise_phone_vals(self, vals, region, partner=None):
        for field in PHONE_FIELDS:
            number = vals.get(field)
            if not number:
                continue
            e164 = to_e164(number, region)
            if not e164:
                raise ValidationError(
                    self.env._(
                        "%(number)s is not a valid phone number for %(patient)s. Type it with "
                        "its country code (for example +7 912 345 67 89) or set the patient's "
                        "country.",
                        number=number,
                        patient=(partner and partner.display_name) or vals.get("name") or "",
                    )
                )
            vals[field] = e164

    @api.model
    def _clinic_lookup_domain(self, value):
        """Domain finding patients by card number or by a phone in any common format."""
        text = (value or "").strip()
        if not text:
            return expression.FALSE_DOMAIN
        domains = [[("id", "in", self._clinic_card_holders([("code", "=", text)]))]]
        if looks_like_phone(text):
            e164 = to_e164(text, self.env.company.country_id.code)
            if e164:
                domains.append(["|", ("phone", "=", e164), ("mobile", "=", e164)])
        return expression.OR(domains)
