import base64
import io
import secrets

import qrcode
from dateutil.relativedelta import relativedelta
from qrcode.image.pure import PyPNGImage

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero

# Cards of loyalty programmes carry a 13-digit EAN-13 number: it prints as a barcode, reads
# aloud at the front desk, and keeps the "044" prefix that Odoo's barcode nomenclature
# already routes to loyalty cards in the Point of Sale.
CLINIC_CODE_PREFIX = "044"
CLINIC_CODE_LENGTH = 13


def ean13_check_digit(digits12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

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

    @api.depends("code")
    def _compute_qr_code(self):
        for card in self:
            card.qr_code = card._qr_png(card._get_qr_payload()) if card.code else False

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.program"].browse(
            {vals["program_id"] for vals in vals_list if vals.get("program_id")}
        )
        loyalty_program_ids = set(programs.filtered(lambda p: p.program_type == "loyalty").ids)
        for vals in vals_list:
            if not vals.get("code") and vals.get("program_id") in loyalty_program_ids:
                vals["code"] = self._generate_clinic_code()
        return super().create(vals_list)

    def write(self, vals):
        if "points" in vals and not self.env.context.get("clinic_ledger_internal"):
            # Stock flows (sale_loyalty, pos_loyalty, the balance wizard) set points
            # directly: record each change as a ledger line so the balance stays the sum of
            # the ledger.
            for card in self:
                delta = vals["points"] - card.points
                if not float_is_zero(delta, precision_digits=2):
                    card._clinic_post(
                        "adjust",
                        delta,
                        self.env.context.get("clinic_ledger_reason") or self.env._("Balance changed by Odoo"),
                        origin=self.env.context.get("clinic_ledger_origin"),
                    )
            vals = {k: v for k, v in vals.items() if k != "points"}
            if not vals:
                return True
        return super().write(vals)

    def _clinic_post(self, kind, points, reason, source_key=None, origin=None, expiry_date=None, lots=None):
        """Post one ledger line on this card and update its balance; return the line.

        Idempotent per ``source_key``: posting the same event twice returns the first line.
        The card row is locked for the whole operation, so concurrent postings on one card
        (two terminals, two workers) run one after the other and the balance never goes
        below zero. Points taken from the card consume ``lots``, by default the lots that
        expire first.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        self.env.cr.execute("SELECT points FROM loyalty_card WHERE id = %s FOR UPDATE", [self.id])
        balance = self.env.cr.fetchone()[0] or 0.0
        if source_key:
            existing = Ledger.search([("card_id", "=", self.id), ("source_key", "=", source_key)], limit=1)
            if existing:
                return existing
        if float_compare(balance + points, 0, precision_digits=2) < 0:
            raise UserError(
                self.env._(
                    "Card %(card)s has %(balance)s; %(points)s cannot be taken from it. Use at most the balance.",
                    card=self.code,
                    balance=self._format_points(balance),
                    points=self._format_points(-points),
                )
            )
        if points > 0 and expiry_date is None:
            months = self.program_id.clinic_points_validity_months
            expiry_date = fields.Date.context_today(self) + relativedelta(months=months) if months else False
        line = Ledger.create(
            {
                "card_id": self.id,
                "kind": kind,
                "points": points,
                "reason": reason,
                "origin": origin,
                "source_key": source_key,
                "expiry_date": expiry_date if points > 0 else False,
                "remaining_points": points if points > 0 else 0.0,
                "user_id": self.env.uid,
            }
        )
        if points < 0:
            line._clinic_consume_lots(-points, lots=lots)
        self.env.cr.execute("UPDATE loyalty_card SET points = %s WHERE id = %s", [balance + points, self.id])
        self.invalidate_recordset(["points"])
        return line

    def _clinic_check_can_adjust(self):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager can adjust a card's balance, with a reason."))

    def action_clinic_adjust(self, points, reason):
        """A manager's correction of the balance, kept as an adjustment line."""
        self.ensure_one()
        self._clinic_check_can_adjust()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the balance of card %(card)s is adjusted.", card=self.code))
        if float_is_zero(points, precision_digits=2):
            raise UserError(self.env._("An adjustment must add or remove points."))
        return self._clinic_post("adjust", points, reason.strip())

    @api.model
    def _cron_clinic_expire_lots(self, batch_size=1000):
        """Burn what is left of the lots whose expiry date has passed, one batch per call.

        Each lot expires through its own ledger line (source ``expire:<lot id>``), so a run
        that is interrupted or repeated never burns a lot twice. Progress is reported to the
        scheduler, which calls again while lots remain.
        """
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        domain = [("remaining_points", ">", 0), ("expiry_date", "<", fields.Date.context_today(self))]
        lots = Ledger.search(domain, order="card_id, expiry_date, id", limit=batch_size)
        for lot in lots:
            lot.card_id.sudo()._clinic_post(
                "expire",
                -lot.remaining_points,
                self.env._("Points earned on %(date)s expired", date=fields.Date.to_string(lot.date.date())),
                source_key=f"expire:{lot.id}",
                origin=lot.origin,
                lots=lot,
            )
        remaining = Ledger.search_count(domain) if len(lots) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(lots), remaining=remaining)
        return len(lots)

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
        return self.env.ref("clinic_loyalty.loyalty_card_report_clinic").report_action(self, config=False)
