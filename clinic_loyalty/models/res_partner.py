from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

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
        help="Patients have their phone numbers stored in international (E.164) form "
        "and can be enrolled in the clinic's loyalty programme.",
    )
    clinic_card_ids = fields.One2many(
        comodel_name="loyalty.card",
        inverse_name="partner_id",
        string="Clinic Loyalty Cards",
        domain=[("program_type", "=", "loyalty")],
    )
    clinic_card_code = fields.Char(
        string="Card Number",
        compute="_compute_clinic_card_code",
        search="_search_clinic_card_code",
    )
    clinic_household_id = fields.Many2one(
        comodel_name="clinic.loyalty.household",
        string="Household",
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
    )
    clinic_duplicate_patient_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Patients with the Same Phone",
        compute="_compute_clinic_duplicate_patient_ids",
    )
    clinic_birth_date = fields.Date(string="Date of Birth")
    clinic_consent_reminders = fields.Boolean(
        string="Care Reminders and Loyalty Notices",
        default=True,
        help="The patient accepts messages about their own care and loyalty account: points "
        "earned, points about to expire, tier changes.",
    )
    clinic_consent_marketing = fields.Boolean(
        string="Marketing Messages",
        help="The patient accepts promotions and campaigns. Without it, no marketing message is sent.",
    )
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

    def _search_clinic_card_code(self, operator, value):
        return [("clinic_card_ids.code", operator, value)]

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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("is_patient"):
                self._clinic_normalise_phone_vals(vals, self._clinic_phone_region(vals))
        partners = super().create(vals_list)
        partners.filtered("is_patient")._clinic_issue_cards()
        return partners

    def write(self, vals):
        if vals.get("clinic_household_id"):
            household = self.env["clinic.loyalty.household"].browse(vals["clinic_household_id"])
            joining = self.filtered(lambda partner: partner.clinic_household_id != household)
            if joining:
                household.sudo()._clinic_check_can_join(joining.sudo())
        touches_phone = any(field in vals for field in PHONE_FIELDS)
        if touches_phone or vals.get("is_patient"):
            # Each patient's numbers are read in the country of that patient, so write
            # per partner only on this (rare, form-driven) path.
            for partner in self:
                partner_vals = dict(vals)
                if partner_vals.get("is_patient", partner.is_patient):
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

    def action_clinic_print_card(self):
        self.ensure_one()
        cards = self.clinic_card_ids.filtered("active")
        if not cards:
            raise UserError(
                self.env._(
                    "%(patient)s has no loyalty card yet: enrol the patient first.",
                    patient=self.display_name,
                )
            )
        return cards[:1].action_print_clinic_card()

    def _clinic_issue_cards(self):
        """Give each patient a card in the company's programme, unless they have one."""
        program = self.env.company.clinic_loyalty_program_id
        if not program:
            return self.env["loyalty.card"]
        # Receptionists enrol patients but do not manage cards: the card itself is made
        # with the programme's rights, for exactly these partners.
        Card = self.env["loyalty.card"].sudo()
        holders = Card.search([("program_id", "=", program.id), ("partner_id", "in", self.ids)])
        missing = self - holders.partner_id
        return Card.create([{"program_id": program.id, "partner_id": p.id, "points": 0} for p in missing])

    def _clinic_card_in(self, program):
        """The card this patient earns into and pays from in ``program``: their household's
        (the holder's) while an active membership shares points, else their own."""
        self.ensure_one()
        Card = self.env["loyalty.card"].sudo()
        household = self.sudo().clinic_household_id
        partner = self
        if household and household.plan_id.share_points and household._clinic_is_member_active():
            partner = household.holder_id
        return Card.search([("program_id", "=", program.id), ("partner_id", "=", partner.id)], limit=1)

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
        domains = [[("clinic_card_ids.code", "=", text)]]
        if looks_like_phone(text):
            e164 = to_e164(text, self.env.company.country_id.code)
            if e164:
                domains.append(["|", ("phone", "=", e164), ("mobile", "=", e164)])
        return expression.OR(domains)
