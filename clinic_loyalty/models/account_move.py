from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools import reasons
from ..tools.guard import is_server_write, server_write


class AccountMove(models.Model):
    _inherit = "account.move"
    # Reversal lines of the ledger point to the credit note that caused them.
    _clinic_refund_ledger_field = "refund_move_id"

    clinic_loyalty_round = fields.Integer(
        copy=False,
        default=0,
        readonly=True,
        help="Incremented when a posted credit note is reset to draft, so posting it again reverses once more.",
    )

    def write(self, vals):
        if "clinic_loyalty_round" in vals and not is_server_write(self.env):
            raise AccessError(self.env._("The clinic programme counts a credit note's postings: it cannot be set."))
        return super().write(vals)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(lambda move: move.move_type == "out_refund")._clinic_reverse_refunded_orders()
        return posted

    def button_draft(self):
        # A credit note reset to draft no longer refunds: what its posting reversed is
        # undone, and posting it again reverses once more, once.
        posted = self.filtered(lambda move: move.move_type == "out_refund" and move.state == "posted")
        result = super().button_draft()
        posted._clinic_undo_reversals()
        return result

    def _clinic_undo_reversals(self):
        """Undo what these credit notes' postings reversed on the cards, line by line.

        Each reversal line gets its opposite (keyed once per reversal line), with the opposite
        of its line records, so the order's lines have again what they had before the credit
        note. Points the reversal gave back that the patient has spent since cannot be taken
        again: the reset is then refused, with the card's balance, and nothing is written.
        """
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        Record = self.env["clinic.loyalty.line.record"].sudo()
        for move in self:
            lines = Ledger.search([("refund_move_id", "=", move.id), ("kind", "=", "reversal")], order="id")
            undone = Ledger.search([("reversed_line_id", "in", lines.ids)]).reversed_line_id
            for line in lines.filtered(lambda rev: rev.reversed_line_id.kind in ("earn", "spend")) - undone:
                records = Record.search([("ledger_id", "=", line.id)])
                line.card_id._clinic_post(
                    "reversal",
                    -line.points,
                    reasons.reason("refund_reset", refund=move.name, order=line.origin),
                    source_key=f"{line.source_key}:reset",
                    origin=line.origin,
                    amount=-line.amount,
                    expiry_date=line.reversed_line_id.expiry_date if line.points < 0 else None,
                    document=line.sale_order_id or None,
                    refund=move,
                    reversed_line=line,
                    line_records=[
                        {
                            "kind": record.kind,
                            "sale_line_id": record.sale_line_id.id or None,
                            "pos_line_id": record.pos_line_id.id or None,
                            "reversed_record_id": record.reversed_record_id.id,
                            "qty": -record.qty,
                            "points": -record.points,
                            "amount": -record.amount,
                            "rate": record.rate,
                        }
                        for record in records
                    ],
                )
                line.card_id._clinic_refresh_spend_and_tier(origin=line.origin)
            # The membership periods this posting cancelled count again.
            self.env["clinic.loyalty.household"]._clinic_restore_periods(
                move._clinic_posting_event(), self.env._("%(refund)s reset to draft", refund=move.name)
            )
            server_write(move).clinic_loyalty_round += 1

    def _clinic_posting_event(self):
        """The current posting of this credit note, as the key of what it reverses (once)."""
        self.ensure_one()
        round_ = self.clinic_loyalty_round
        return f"account.move:{self.id}" + (f":{round_}" if round_ else "")

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        invoices.invoice_line_ids.sale_line_ids.order_id._clinic_earn_when_paid()
        return result

    def _clinic_reverse_refunded_orders(self):
        """A credit note reverses what each sales order line it credits did, in proportion.

        Each credited line gives back its own record: crediting the consultation of an
        order takes back the consultation's points, not a share of the order's; crediting a
        line that earned nothing takes back nothing. The credit note's share of a clinic
        points line gives those points back.
        """
        for refund in self:
            event = refund._clinic_posting_event()
            refunded, points_lines = {}, {}
            for line in refund.invoice_line_ids:
                for sale_line in line.sale_line_ids:
                    order = sale_line.order_id
                    if sale_line.reward_id:
                        if sale_line.reward_id.program_id.clinic_bonus and sale_line.price_subtotal:
                            part = line.price_subtotal / sale_line.price_subtotal
                            points_lines.setdefault(order, []).append((sale_line, part))
                        continue
                    fraction = line._clinic_refunded_fraction(sale_line)
                    shares = refunded.setdefault(order, {})
                    shares[sale_line.id] = shares.get(sale_line.id, 0.0) + fraction
                    # A membership sold by the order loses the whole periods the credit note
                    # refunds (a credit of part of a period's price cancels none), once.
                    self.env["clinic.loyalty.household"]._clinic_revoke_periods(
                        order._clinic_membership_key(sale_line),
                        sale_line.product_uom_qty,
                        int(fraction * sale_line.product_uom_qty + 1e-6),
                        refund.name,
                        cancel_key=event,
                    )
            for order, shares in refunded.items():
                order._clinic_reverse(
                    shares,
                    event,
                    reasons.reason("order_refund", refund=refund.name, order=order.name),
                    refund=refund,
                    given_back=order._clinic_points_given_back(points_lines.get(order, [])),
                )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _clinic_refunded_fraction(self, sale_line):
        """The share of ``sale_line`` this credit note line refunds (0 to 1): the money it
        credits over what the line cost (a credit of part of the price refunds that part;
        an addon may count otherwise)."""
        self.ensure_one()
        if not sale_line.price_total:
            return 0.0
        return min(max(self.price_total / sale_line.price_total, 0.0), 1.0)
