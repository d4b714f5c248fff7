from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

RECORD_KINDS = [
    ("earn", "Earned"),
    ("spend", "Spent"),
]


class ClinicLoyaltyLineRecord(models.Model):
    """What one order line did to a card: the money it counted as paid, the points it earned
    (at which rate) or its share of the points the order spent.

    Written by the order engine when it posts the order's earning or spending line, one
    record per order line, and never edited: a refund, a credit note or a cancellation
    reverses a line by writing a record of its own that points to the record it reverses
    (``reversed_record_id``), for the part of the line it refunds. What is left of a line is
    its record plus its reversals, so a line never gives back more than it did, whatever the
    number of refunds.
    """

    _name = "clinic.loyalty.line.record"
    _description = "What an Order Line Did to a Loyalty Card"
    _order = "id"

    ledger_id = fields.Many2one(
        comodel_name="clinic.loyalty.ledger",
        string="Ledger Line",
        required=True,
        index=True,
        # Ledger lines are never deleted by the ORM; a record goes with its line.
        ondelete="cascade",
        readonly=True,
    )
    kind = fields.Selection(selection=RECORD_KINDS, required=True, readonly=True)
    card_id = fields.Many2one(related="ledger_id.card_id", store=True, precompute=True)
    company_id = fields.Many2one(related="ledger_id.company_id", store=True, precompute=True)
    sale_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Sales Order Line",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
    )
    pos_line_id = fields.Many2one(
        comodel_name="pos.order.line",
        string="POS Order Line",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
    )
    reversed_record_id = fields.Many2one(
        comodel_name="clinic.loyalty.line.record",
        string="Reverses",
        index="btree_not_null",
        readonly=True,
        ondelete="cascade",
        help="The line's record this record takes back (in part).",
    )
    qty = fields.Float(string="Quantity", readonly=True, help="The line's quantity when it was posted.")
    amount = fields.Float(
        string="Money Paid",
        readonly=True,
        help="Money the line counted as paid (negative when refunded): what it earned on and counts for tiers.",
    )
    points = fields.Float(
        readonly=True,
        help="Points the line earned, or its share of the points the order spent (negative when reversed).",
    )
    rate = fields.Float(string="Rate (%)", readonly=True)

    def init(self):
        # Exactly once: a ledger line records each order line (and each reversal of it) once.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS clinic_loyalty_line_record_once_uniq
                ON clinic_loyalty_line_record (ledger_id, COALESCE(sale_line_id, 0), COALESCE(pos_line_id, 0),
                                               COALESCE(reversed_record_id, 0))
            """
        )

    def write(self, vals):
        raise UserError(self.env._("What an order line did to a card is history: it cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("What an order line did to a card is history: it cannot be deleted."))

    # Reading what is left ----------------------------------------------------------------

    def _clinic_left(self):
        """{record: (points, amount) not yet reversed} of these (original) records."""
        return {record: (points, amount) for record, (points, amount, _part) in self._clinic_left_parts().items()}

    def _clinic_left_parts(self):
        """{record: (points, amount, part)}: what is left of these (original) records, and
        the part of each (0 to 1) already reversed, from the quantities its reversals took
        (a reversal's ``qty``; an undone reversal counts with its undoing)."""
        reversals = self.sudo().search([("reversed_record_id", "in", self.ids)])
        left = {record: [record.points, record.amount, 0.0] for record in self}
        for reversal in reversals:
            original = reversal.reversed_record_id
            left[original][0] += reversal.points
            left[original][1] += reversal.amount
            if original.qty:
                left[original][2] += reversal.qty / original.qty
        return {record: tuple(values) for record, values in left.items()}

    @api.model
    def _clinic_split(self, total, weights, digits=2):
        """``total`` split over ``weights`` in proportion, rounded to ``digits``, adding up to
        ``total`` exactly (the largest weight takes the rounding)."""
        weight_sum = sum(weights)
        if not weights:
            return []
        if not weight_sum:
            return [0.0] * len(weights)
        shares = [float_round(total * weight / weight_sum, precision_digits=digits) for weight in weights]
        biggest = max(range(len(weights)), key=lambda index: abs(weights[index]))
        shares[biggest] = float_round(total - sum(shares) + shares[biggest], precision_digits=digits)
        return shares
