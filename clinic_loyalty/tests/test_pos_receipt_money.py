"""Issue 26, items 1-3: at the POS the receipt shows what was charged, a refund pays back the
server's figures (no card discount, the points share as one figure) and the register closes
without an amount to balance."""

from odoo.tests import tagged

# The module, not its class: a class imported here would run its tours here too.
from . import test_pos_tour


@tagged("post_install", "-at_install")
class TestPosReceiptMoney(test_pos_tour.TestPosLoyaltyTours):
    """Tours that read the printed receipt's figures and close the register."""

    def _assert_register_closed(self):
        # Closed, the POS opened the next session: the tour's orders name the one it closed.
        orders = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        session = orders.session_id
        self.assertEqual(len(session), 1)
        for order in orders:
            self.assertAlmostEqual(order.amount_total, order.amount_paid, places=2, msg=order.name)
        self.assertEqual(session.state, "closed", "the register closed without an amount to balance")
        return orders.sorted("id")

    def test_the_receipt_keeps_what_was_charged_when_the_payment_reaches_a_tier(self):
        """The sale makes the patient Silver (3 %): the paid order, its receipt and its refund
        keep the 2,200 charged; the refund gets no card discount."""
        self.program.clinic_tier_ids.sudo().write({"discount_percent": 0})
        self.program.sudo().clinic_tier_ids = [
            (0, 0, {"name": "Silver", "threshold": 2000, "earn_rate": 10, "discount_percent": 3})
        ]
        self.start_pos_tour("clinic_loyalty_pos_receipt_after_a_tier_up")
        sale, refund = self._assert_register_closed()
        self.assertEqual(sale.amount_total, 2200)
        self.assertEqual(refund.amount_total, -2200)
        self.assertEqual(refund.lines.mapped("discount"), [0])

    def test_a_refund_of_a_taxed_item_bought_with_points_balances_the_till(self):
        """6,500 + 2 x 450 (375 + 20 % tax) paid with 535 points; one toothpaste comes back:
        its share of the points is one refund line at a price in the currency, the refund is
        paid exactly its total, the points posted back are that share, the till balances."""
        tax = (
            self.env["account.tax"]
            .sudo()
            .create(
                {
                    "name": "Clinic VAT 20 on top",
                    "amount": 20,
                    "amount_type": "percent",
                    "price_include_override": "tax_excluded",
                    "company_id": self.main_pos_config.company_id.id,
                }
            )
        )
        self.env["product.product"].create(
            {"name": "Clinic Veneer", "type": "service", "list_price": 6500.0, "available_in_pos": True,
             "taxes_id": [(5, 0, 0)]}
        )  # fmt: skip
        self.env["product.product"].create(
            {"name": "Clinic Toothpaste", "type": "service", "list_price": 375.0, "available_in_pos": True,
             "taxes_id": [(6, 0, tax.ids)]}
        )  # fmt: skip
        self.card._clinic_post("earn", 35, "Top-up for the tour")
        self.start_pos_tour("clinic_loyalty_pos_refund_points_share_balances")
        sale, refund = self._assert_register_closed()
        spent = sale.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        # Odoo spreads the points discount over the taxes, rounded down to the currency.
        self.assertAlmostEqual(spent.points, -535, delta=0.02)
        self.assertAlmostEqual(sale.amount_total, 7400 - 535, delta=0.05)
        points_lines = refund.lines.filtered(lambda line: line.refunded_orderline_id.reward_id)
        self.assertTrue(points_lines, "the refund returns the toothpaste's share of the points")
        self.assertEqual(set(points_lines.mapped("qty")), {-1}, "one unit at the server's price")
        share = sum(points_lines.mapped("price_subtotal_incl"))
        self.assertGreater(share, 0)
        self.assertAlmostEqual(refund.amount_total, -450 + share, places=2)
        reversals = sale.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        # The programme moves whole points: the share given back is whole, worth the refund
        # line's price (1 point = 1; Odoo's spread of the discount over taxes can leave the
        # money a few cents under the points).
        given_back = sum(r.points for r in reversals if r.points > 0)
        self.assertEqual(given_back, round(given_back), "whole points")
        self.assertAlmostEqual(given_back, share, delta=0.05)
        self.card.invalidate_recordset()
        self.assertAlmostEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")), places=2)


# The tours of the class this one extends run in their own file.
for _name in dir(test_pos_tour.TestPosLoyaltyTours):
    if _name.startswith("test_") and _name not in TestPosReceiptMoney.__dict__:
        setattr(TestPosReceiptMoney, _name, None)
