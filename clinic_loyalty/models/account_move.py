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
        """A credit note reverses the loyalty of the orders it refunds, in proportion.

        The share refunded of an order is the credit note's amount on the order's service
        and product lines over those lines' total: refunding one of two equal services
        takes back half of the points earned and gives back half of the points spent.
        """
        for refund in self:
            refunded, points_lines = {}, {}
            for line in refund.invoice_line_ids:
                for sale_line in line.sale_line_ids:
                    order = sale_line.order_id
                    if sale_line.reward_id:
                        # The credit note's share of a clinic points line gives those points back.
                        if sale_line.reward_id.program_id.clinic_bonus and sale_line.price_subtotal:
                            part = line.price_subtotal / sale_line.price_subtotal
                            points_lines.setdefault(order, []).append((sale_line, part))
                        continue
                    refunded[order] = refunded.get(order, 0.0) + line._clinic_refunded_value(sale_line)
                    # A membership sold by the order loses the period the credit note refunds.
                    self.env["clinic.loyalty.household"]._clinic_revoke_period(
                        order._clinic_membership_key(sale_line), refund.name
                    )
            for order, amount in refunded.items():
                gross = sum(order._clinic_product_lines().mapped("price_total"))
                if gross <= 0 or amount <= 0:
                    continue
                order._clinic_reverse(
                    min(amount / gross, 1.0),
                    f"account.move:{refund.id}",
                    reasons.reason("order_refund", refund=refund.name, order=order.name),
                    refund=refund,
                    given_back=order._clinic_points_given_back(points_lines.get(order, [])),
                )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _clinic_refunded_value(self, sale_line):
        """What this credit note line takes back of ``sale_line``'s sale, for the share of the
        order's points it reverses: the amount credited (an addon may count otherwise)."""
        self.ensure_one()
        return self.price_total
