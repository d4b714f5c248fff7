from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import reasons
from ..tools.guard import is_server_write

LEDGER_KINDS = [
    ("earn", "Earned"),
    ("spend", "Spent"),
    ("expire", "Expired"),
    ("adjust", "Adjustment"),
    ("reversal", "Reversal"),
]


class ClinicLoyaltyLedger(models.Model):
    """One change of a card's points. Lines are never edited: a correction is a new line.

    Positive lines are lots: ``remaining_points`` is what is left of them after spending
    consumed them (first the lots that expire first, see ``clinic.loyalty.lot.use``) and
    expiry burnt the rest (``expired_points``).
    """

    _name = "clinic.loyalty.ledger"
    _inherit = ["clinic.loyalty.notification.mixin"]
    _description = "Loyalty Points Ledger Line"
    _clinic_mail_template = "clinic_loyalty.mail_template_points_earned"
    _clinic_sms_template = "clinic_loyalty.sms_template_points_earned"
    _order = "date desc, id desc"
    _rec_name = "reason"

    card_id = fields.Many2one(
        comodel_name="loyalty.card",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    # Precomputed so that posting a line is one INSERT, not an INSERT and an UPDATE.
    partner_id = fields.Many2one(related="card_id.partner_id", store=True, precompute=True, string="Card Holder")
    patient_id = fields.Many2one(
        comodel_name="res.partner",
        string="Patient",
        index="btree_not_null",
        readonly=True,
        help="Who earned or spent: a household member on the household's card, else the card holder.",
    )
    program_id = fields.Many2one(related="card_id.program_id", store=True, precompute=True)
    company_id = fields.Many2one(related="card_id.company_id", store=True, precompute=True)
    kind = fields.Selection(selection=LEDGER_KINDS, required=True, readonly=True)
    points = fields.Float(required=True, readonly=True, help="Positive when the card gains points.")
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True, index=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        required=True,
        default=lambda self: self.env.user,
        readonly=True,
    )
    reason = fields.Char(
        string="Reason (as posted)",
        required=True,
        readonly=True,
        help="The reason in English as it was posted, or as a manager typed it.",
    )
    reason_data = fields.Json(
        readonly=True,
        help="The reason as a message and its parameters, rendered in each reader's language.",
    )
    reason_display = fields.Char(string="Reason", compute="_compute_reason_display")
    origin = fields.Char(string="Source Document", readonly=True)
    tier_change_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier.history",
        string="Tier Change",
        readonly=True,
        ondelete="set null",
        help="The tier change this earning caused: the patient's notice of the earning says it too.",
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Sales Order",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
    )
    pos_order_id = fields.Many2one(
        comodel_name="pos.order",
        string="POS Order",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
    )
    refund_pos_order_id = fields.Many2one(
        comodel_name="pos.order",
        string="Refund",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
        help="The POS refund that reversed part of the order.",
    )
    refund_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Credit Note",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
    )
    reversed_line_id = fields.Many2one(
        comodel_name="clinic.loyalty.ledger",
        string="Reverses",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
        help="The spending or earning line this reversal gives back or takes back (in part).",
    )
    amount = fields.Float(
        string="Qualifying Amount",
        readonly=True,
        help="Amount the patient paid (negative when refunded) that counts towards tiers and the discount scale.",
    )
    currency_id = fields.Many2one(related="card_id.currency_id")
    balance_after = fields.Float(readonly=True, help="Balance of the card once this line was posted.")
    points_display = fields.Char(string="Points (text)", compute="_compute_points_display")
    balance_after_display = fields.Char(string="Balance After (text)", compute="_compute_points_display")
    source_key = fields.Char(
        readonly=True,
        copy=False,
        help="Identifies the business event (order, refund...) that posted the line; a card receives each event once.",
    )
    expiry_date = fields.Date(readonly=True, help="Date after which the rest of this lot expires.")
    remaining_points = fields.Float(
        readonly=True,
        help="Points of this lot not yet spent or expired.",
    )
    use_ids = fields.One2many("clinic.loyalty.lot.use", "lot_id", string="Consumed by", readonly=True)
    # Expiry burns what is left of a lot: recorded on the lot itself (a year-end expiry burns
    # a million lots in one night; a lot use per lot would double the rows it writes).
    expired_points = fields.Float(readonly=True, help="Points of this lot that expired unspent.")

    def init(self):
        # Exactly once: a business event (source_key) reaches a card once, even when two
        # workers post it at the same time; the index also serves the expiry scheduler.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS clinic_loyalty_ledger_card_source_key_uniq
                ON clinic_loyalty_ledger (card_id, source_key) WHERE source_key IS NOT NULL;
            -- A welcome bonus reaches a patient once per programme, whatever card they hold
            -- (its key names both); lines posted before the key did are not indexed.
            CREATE UNIQUE INDEX IF NOT EXISTS clinic_loyalty_ledger_welcome_uniq
                ON clinic_loyalty_ledger (source_key) WHERE source_key LIKE 'welcome:%';
            DROP INDEX IF EXISTS clinic_loyalty_ledger_open_lots_idx;
            CREATE INDEX IF NOT EXISTS clinic_loyalty_ledger_open_lots_key_idx
                ON clinic_loyalty_ledger (expiry_date, card_id, id) WHERE remaining_points > 0;
            """
        )

    @api.model
    def _clinic_document_vals(self, document, refund=None, reversed_line=None):
        """Links of a ledger line: the document it comes from, the refund that reverses it, the
        line it reverses. Relations, so reports and receipts never search by source key."""
        vals = {}
        if document:
            field = getattr(document, "_clinic_ledger_field", None)
            if field:
                vals[field] = document.id
            if document.partner_id:
                vals["patient_id"] = document.partner_id.id
        if refund:
            field = getattr(refund, "_clinic_refund_ledger_field", None)
            if field:
                vals[field] = refund.id
        if reversed_line:
            vals["reversed_line_id"] = reversed_line.id
        return vals

    @api.depends("reason", "reason_data")
    @api.depends_context("lang")
    def _compute_reason_display(self):
        for line in self:
            line.reason_display = line._clinic_reason_text()

    @api.depends("reason", "reason_data")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for line in self:
            line.display_name = line._clinic_reason_text()

    def _clinic_reason_text(self, lang=None):
        """The line's reason in ``lang`` (default: the reader's language); a reason a manager
        typed, as typed."""
        self.ensure_one()
        if not self.reason_data:
            return self.reason or ""
        return reasons.render(self.env, self.reason_data, self.card_id, lang)

    @api.depends("points", "balance_after", "card_id.point_name")
    def _compute_points_display(self):
        for line in self:
            card = line.card_id
            line.points_display = card._format_points(line.points) if card else ""
            line.balance_after_display = card._format_points(line.balance_after) if card else ""

    def _clinic_consume_lots(self, amount, lots=None):
        """Take ``amount`` points for this (negative) line from the card's open lots; return
        what no lot could give.

        ``lots`` go first (a refund takes back the points the order gave); then the lots
        that expire first, lots that never expire last. One statement, whatever the number
        of lots: each lot gives up to what it has left, in that order, and a lot use records
        what each gave. The caller holds the card's row lock.
        """
        self.ensure_one()
        self.flush_model(["remaining_points"])
        self.env.cr.execute(
            """
            WITH open AS (
                SELECT id, remaining_points,
                       SUM(remaining_points) OVER (
                           ORDER BY id = ANY(%(first)s) DESC, expiry_date ASC NULLS LAST, date ASC, id ASC
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto
                  FROM clinic_loyalty_ledger
                 WHERE card_id = %(card)s AND remaining_points > 0
            ), taken AS (
                SELECT id, LEAST(remaining_points, %(amount)s - (upto - remaining_points)) AS points
                  FROM open
                 WHERE upto - remaining_points < %(amount)s - 0.005
            ), consumed AS (
                UPDATE clinic_loyalty_ledger lot
                   SET remaining_points = lot.remaining_points - taken.points,
                       write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                  FROM taken
                 WHERE lot.id = taken.id
            )
            INSERT INTO clinic_loyalty_lot_use (line_id, lot_id, points, create_uid, create_date, write_uid, write_date)
            SELECT %(line)s, taken.id, taken.points,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM taken
         RETURNING points
            """,
            {
                "card": self.card_id.id,
                "first": lots.ids if lots else [],
                "amount": amount,
                "line": self.id,
                "uid": self.env.uid,
            },
        )
        given = sum(row[0] for row in self.env.cr.fetchall())
        self.invalidate_model(["remaining_points", "use_ids"])
        return max(amount - given, 0.0)

    def _clinic_restored_expiry(self):
        """Expiry of points given back for this spending: the latest of the lots it took from."""
        expiries = (
            self.env["clinic.loyalty.lot.use"].sudo().search([("line_id", "in", self.ids)]).lot_id.mapped("expiry_date")
        )
        if not expiries or not all(expiries):
            return False
        return max(expiries)

    def write(self, vals):
        if set(vals) - {"remaining_points", "tier_change_id"} or not is_server_write(self.env):
            raise UserError(
                self.env._(
                    "Loyalty ledger lines cannot be changed. To correct a balance, a loyalty "
                    "manager posts an adjustment with its reason."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Loyalty ledger lines cannot be deleted: they are the history of the card's "
                "balance. Post an adjustment instead."
            )
        )


class ClinicLoyaltyLotUse(models.Model):
    _name = "clinic.loyalty.lot.use"
    _description = "Points Taken from a Lot"
    _order = "id"

    line_id = fields.Many2one(
        comodel_name="clinic.loyalty.ledger",
        string="Spending Line",
        required=True,
        index=True,
        ondelete="restrict",
    )
    lot_id = fields.Many2one(
        comodel_name="clinic.loyalty.ledger",
        required=True,
        index=True,
        ondelete="restrict",
    )
    points = fields.Float(required=True)
