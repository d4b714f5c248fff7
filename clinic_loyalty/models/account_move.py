from odoo import models

from ..tools import reasons


class AccountMove(models.Model):
    _inherit = "account.move"
    # Reversal lines of the ledger point to the credit note that caused them.
    _clinic_refund_ledger_field = "refund_move_id"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(lambda move: move.move_type == "out_refund")._clinic_reverse_refunded_orders()
        return posted

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
            refunded, points_lines = {}, {}
            for line in refund.invoice_line_ids:
                for sale_line in line.sale_line_ids:
                    order = sale_line.order_id
                    if sale_line.reward_id:
                        if sale_line.reward_id.program_id.clinic_bonus and sale_line.price_subtotal:
                            part = line.price_subtotal / sale_line.price_subtotal
                            points_lines.setdefault(order, []).append((sale_line, part))
                        continue
                    shares = refunded.setdefault(order, {})
                    shares[sale_line.id] = shares.get(sale_line.id, 0.0) + line._clinic_refunded_fraction(sale_line)
                    # A membership sold by the order loses the period the credit note refunds.
                    self.env["clinic.loyalty.household"]._clinic_revoke_period(
                        order._clinic_membership_key(sale_line), refund.name
                    )
            for order, shares in refunded.items():
                order._clinic_reverse(
                    shares,
                    f"account.move:{refund.id}",
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
