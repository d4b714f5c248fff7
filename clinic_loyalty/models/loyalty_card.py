import base64
import io
import secrets

import qrcode
from babel import Locale
from qrcode.image.pure import PyPNGImage
from reportlab.graphics.barcode import createBarcodeDrawing

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, get_lang

from ..tools.guard import is_server_write

# Cards of loyalty programmes carry a 13-digit EAN-13 number: it prints as a barcode, reads
# aloud at the front desk, and keeps the "044" prefix that Odoo's barcode nomenclature
# already routes to loyalty cards in the Point of Sale.
CLINIC_CODE_PREFIX = "044"
CLINIC_CODE_LENGTH = 13
# Besides every clinic_* field: what a client could change to move money between cards.
CLINIC_GUARDED_FIELDS = frozenset({"points", "partner_id", "program_id", "code"})
# What a loyalty manager may still change on a clinic card: archiving or reactivating it
# (its balance leaves or returns to the desk), its expiry and its Odoo history lines.
CLINIC_MANAGER_FIELDS = frozenset({"active", "expiration_date", "history_ids"})
MANAGER_GROUP = "clinic_loyalty.group_clinic_loyalty_manager"


def ean13_check_digit(digits12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


class LoyaltyCard(models.Model):
    _name = "loyalty.card"
    # Managers get a to-do on the card when a paid POS order used more points than allowed.
    _inherit = ["loyalty.card", "mail.activity.mixin"]

    clinic_barcode = fields.Binary(
        string="Barcode",
        compute="_compute_clinic_barcode",
        help="The card number as an EAN-13 barcode, for the desk's scanner.",
    )
    qr_code = fields.Binary(
        string="QR Code",
        compute="_compute_qr_code",
        help="QR code of the card number, printed on the card and shown on the portal.",
    )

    clinic_ledger_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="card_id",
        string="Ledger",
        readonly=True,
    )
    clinic_lot_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="card_id",
        string="Open Lots",
        domain=[("remaining_points", ">", 0)],
        readonly=True,
    )
    # Whether points wait on the card: read with the card's other columns, so a paid visit
    # looks for pending points only on cards that have some (earning keeps its query budget).
    clinic_pending_open = fields.Boolean(readonly=True, copy=False)
    clinic_pending_points = fields.Float(
        string="Pending Welcome Points",
        compute="_compute_clinic_pending_points",
        groups="clinic_loyalty.group_clinic_loyalty_user",
        help="Welcome points and newcomer's gifts given on a public page or at a portal sign-up: credited "
        "at the patient's first paid visit, not spendable before.",
    )
    clinic_tier_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier",
        string="Tier",
        index="btree_not_null",
        readonly=True,
        tracking=True,
    )
    clinic_tier_history_ids = fields.One2many(
        comodel_name="clinic.loyalty.tier.history",
        inverse_name="card_id",
        string="Tier History",
        readonly=True,
    )
    clinic_qualifying_spend = fields.Float(
        string="Qualifying Spend",
        readonly=True,
        help="Amount paid over the programme's qualifying period, as of the last order or recomputation.",
    )
    clinic_total_spend = fields.Float(
        string="Total Spend",
        readonly=True,
        help="Everything the patient paid with this card, net of refunds; drives the discount scale.",
    )
    clinic_tier_checked_on = fields.Date(readonly=True, copy=False)
    clinic_next_tier_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier",
        string="Next Tier",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    clinic_amount_to_next_tier = fields.Float(
        string="Spend to Next Tier",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    # Clinic cards expire by lots (Next Expiry), never as a whole: the form hides Odoo's
    # expiration date for them.
    clinic_bonus = fields.Boolean(related="program_id.clinic_bonus", string="Clinic Card")
    clinic_tier_progress = fields.Float(
        string="Progress to Next Tier (%)",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    clinic_discount_percent = fields.Float(
        string="Card Discount (%)",
        compute="_compute_clinic_discount_percent",
        compute_sudo=True,
        help="Discount the patient gets on the next visit, from the discount scale or the tier.",
    )
    clinic_next_expiry_date = fields.Date(
        string="Next Expiry",
        compute="_compute_clinic_expiry",
        compute_sudo=True,
    )
    clinic_expiring_points = fields.Float(
        string="Points Expiring Next",
        compute="_compute_clinic_expiry",
        compute_sudo=True,
    )

    @api.depends("code")
    def _compute_qr_code(self):
        for card in self:
            card.qr_code = card._qr_png(card._get_qr_payload()) if card.code else False

    @api.depends("code")
    def _compute_clinic_barcode(self):
        # Drawn here rather than by Odoo's report barcode, which turns an EAN-13 starting
        # with 0 (ours: 044...) into a Code 128 the desk's scanners may not be set to read.
        for card in self:
            code = card.code or ""
            if len(code) != CLINIC_CODE_LENGTH or not code.isdigit() or ean13_check_digit(code[:12]) != code[12]:
                card.clinic_barcode = False
                continue
            drawing = createBarcodeDrawing("EAN13", value=code, width=600, height=120, humanReadable=False)
            card.clinic_barcode = base64.b64encode(drawing.asString("png"))

    @api.depends("clinic_tier_id", "clinic_qualifying_spend", "program_id.clinic_tier_ids.threshold")
    def _compute_clinic_tier_progress(self):
        for card in self:
            tiers = card.program_id.clinic_tier_ids
            tier = card._clinic_current_tier() if card.program_id else card.clinic_tier_id
            current = tier.threshold if tier else -1
            following = tiers.filtered(lambda tier, current=current: tier.threshold > current)[:1]
            card.clinic_next_tier_id = following
            if following:
                spend = card.clinic_qualifying_spend
                card.clinic_amount_to_next_tier = max(following.threshold - spend, 0.0)
                card.clinic_tier_progress = (
                    min(100.0, 100.0 * spend / following.threshold) if following.threshold else 100.0
                )
            else:
                card.clinic_amount_to_next_tier = 0.0
                card.clinic_tier_progress = 100.0 if tier else 0.0

    @api.depends(
        "clinic_total_spend",
        "clinic_qualifying_spend",
        "clinic_tier_id",
        "program_id.clinic_discount_mode",
        "program_id.clinic_tier_ids.discount_percent",
    )
    def _compute_clinic_discount_percent(self):
        for card in self:
            program = card.program_id
            card.clinic_discount_percent = (
                program._clinic_discount_for_spend(card.clinic_total_spend, card._clinic_current_tier())
                if program
                else 0.0
            )

    def _compute_clinic_pending_points(self):
        # Read as the system: the rows are the server's, the figure is the card's.
        Pending = self.env["clinic.loyalty.pending"].sudo()
        groups = Pending._read_group(
            [("card_id", "in", self.ids), ("state", "=", "pending")], ["card_id"], ["points:sum"]
        )
        points = {card.id: total for card, total in groups}
        for card in self:
            card.clinic_pending_points = points.get(card.id, 0.0)

    @api.depends("clinic_lot_ids.expiry_date", "clinic_lot_ids.remaining_points")
    def _compute_clinic_expiry(self):
        for card in self:
            dated = card.clinic_lot_ids.filtered("expiry_date")
            first = min(dated.mapped("expiry_date"), default=False)
            card.clinic_next_expiry_date = first
            card.clinic_expiring_points = sum(
                dated.filtered(lambda lot, first=first: lot.expiry_date == first).mapped("remaining_points")
            )

    @api.depends_context("uid")
    def _compute_display_name(self):
        # Odoo shows a card's name (programme and number) wherever it is linked, read as the
        # system: on an order's points, a reward line, a wizard. Outside the clinic's staff a
        # clinic card is named without its number (which would tell who is a patient).
        super()._compute_display_name()
        if self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            return
        for card in self.sudo().filtered("program_id.clinic_bonus"):
            self.browse(card.id).display_name = self.env._("Clinic card")

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.program"].browse(
            {vals["program_id"] for vals in vals_list if vals.get("program_id")}
        )
        loyalty_program_ids = set(programs.filtered(lambda p: p.program_type == "loyalty").ids)
        if not is_server_write(self.env) and programs.sudo().filtered("clinic_bonus"):
            self._clinic_refuse_create(programs.sudo().filtered("clinic_bonus")[:1])
        for vals in vals_list:
            if not vals.get("code") and vals.get("program_id") in loyalty_program_ids:
                vals["code"] = self._generate_clinic_code()
        cards = super().create(vals_list)
        clinic_cards = cards._clinic_cards()
        if clinic_cards and not is_server_write(self.env):
            # The programme came from a default (context): refused all the same.
            self._clinic_refuse_create(clinic_cards[:1].sudo().program_id)
        if any(not float_is_zero(card.points, precision_digits=2) for card in clinic_cards):
            raise UserError(self.env._("A clinic card starts empty: its points come from the ledger."))
        clinic_cards._clinic_give_welcome_bonus()
        return cards

    def write(self, vals):
        if not is_server_write(self.env):
            # Access first: a refusal by the guard below names the card, which only a
            # user who may read and write it is told.
            self.check_access("write")
            self._clinic_check_guarded_write(vals)
        return super().write(vals)

    def _clinic_plural_points(self):
        """Whether the card's points are named by the plural messages (the programme keeps
        Odoo's default name, "points"): a name the manager typed is shown as typed."""
        self.ensure_one()
        program = self.program_id
        return bool(
            program.clinic_bonus and (program.with_context(lang="en_US").portal_point_name or "").lower() == "points"
        )

    def _format_points(self, points):
        """Points with the plural form the reader's language needs (1 бонус, 2 бонуса,
        5 бонусов): the CLDR category of the number picks one message per category."""
        if not self._clinic_plural_points():
            return super()._format_points(points)
        number = int(points) if points == int(points) else round(points, 2)
        # In the reader's number format: "1,500", "1 500", "0,50".
        lang = self.env["res.lang"].browse(get_lang(self.env).id)
        text = lang.format("%d" if isinstance(number, int) else "%.2f", number, grouping=True)
        category = Locale.parse(self.env.lang or "en_US").plural_form(abs(number))
        # One message per CLDR plural category; English uses "one" and "other" only.
        messages = {
            "zero": self.env._("%(points)s points (plural form: zero)", points=text),
            "one": self.env._("%(points)s point", points=text),
            "two": self.env._("%(points)s points (plural form: two)", points=text),
            "few": self.env._("%(points)s points (plural form: few)", points=text),
            "many": self.env._("%(points)s points (plural form: many)", points=text),
            "other": self.env._("%(points)s points", points=text),
        }
        message = messages.get(category, messages["other"])
        if " (plural form: " in message:
            # Not translated for this language: its general plural form.
            return messages["other"]
        return message

    def _clinic_refuse_create(self, program):
        # A clinic card is issued by enrolling the patient (one card, opened through the
        # ledger); copies, imports and stock flows would bring points from nowhere.
        raise AccessError(
            self.env._(
                "Cards of %(program)s are issued by enrolling the patient (Enrol button on the patient), "
                "not created directly.",
                program=program.name,
            )
        )

    def _clinic_cards(self):
        """The clinic cards among these: cards of a programme with the clinic bonus rules.

        Their balance, holder, programme, number and clinic figures change only through the
        ledger; cards of other programmes keep Odoo's own behaviour.
        """
        return self.browse(self.sudo().filtered(lambda card: card.program_id.clinic_bonus).ids)

    def _clinic_check_guarded_write(self, vals):
        """Refuse a write that changes a guarded field of a clinic card (values left as they are pass)."""
        guarded = [name for name in vals if name in CLINIC_GUARDED_FIELDS or name.startswith("clinic_")]
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            guarded += [name for name in vals if name in CLINIC_MANAGER_FIELDS]
        if not guarded:
            return
        for card in self._clinic_cards().sudo():
            changed = [name for name in guarded if card._clinic_value_differs(name, vals[name])]
            if not changed:
                continue
            if set(changed) <= CLINIC_MANAGER_FIELDS:
                raise AccessError(
                    self.env._(
                        "Only a loyalty manager archives, reactivates or changes the expiry or history of "
                        "clinic card %(card)s.",
                        card=card.code,
                    )
                )
            if "points" in changed:
                raise AccessError(
                    self.env._(
                        "The balance of card %(card)s changes only through its points ledger: orders, refunds, "
                        "or a loyalty manager's adjustment with a reason.",
                        card=card.code,
                    )
                )
            raise AccessError(
                self.env._(
                    "The clinic programme sets %(fields)s of card %(card)s: they cannot be changed by hand.",
                    fields=", ".join(card._fields[name].get_description(self.env)["string"] for name in changed),
                    card=card.code,
                )
            )

    def _clinic_value_differs(self, name, value):
        self.ensure_one()
        field = self._fields[name]
        if field.type in ("one2many", "many2many"):
            return bool(value)
        new = field.convert_to_record(field.convert_to_cache(value, self), self)
        if field.type in ("float", "monetary"):
            return float_compare(new or 0.0, self[name] or 0.0, precision_digits=2) != 0
        return new != self[name]

    @api.model
    def _generate_clinic_code(self):
        """A new EAN-13 card number that no card uses yet."""
        random_length = CLINIC_CODE_LENGTH - len(CLINIC_CODE_PREFIX) - 1
        for _attempt in range(10):
            body = CLINIC_CODE_PREFIX + "".join(str(secrets.randbelow(10)) for _i in range(random_length))
            code = body + ean13_check_digit(body)
            if not self.sudo().with_context(active_test=False).search_count([("code", "=", code)]):
                return code
        # A billion numbers make ten collisions in a row practically impossible; the
        # UNIQUE(code) constraint still guards the database.
        return code

    def _get_qr_payload(self):
        """What the QR code says: the card number, as the scanners at the desk type it."""
        self.ensure_one()
        return self.code

    @staticmethod
    def _qr_png(payload):
        image = qrcode.make(payload, image_factory=PyPNGImage, box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer)
        return base64.b64encode(buffer.getvalue())

    def action_print_clinic_card(self):
        self.check_access("read")
        return self.env.ref("clinic_loyalty.loyalty_card_report_clinic").report_action(self, config=False)
