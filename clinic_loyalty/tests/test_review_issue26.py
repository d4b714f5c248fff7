"""Issue 26 money review: whole points spent, refunded and credited exactly (reproductions
of the review's findings through public calls)."""

from odoo.tests import tagged

from .test_pos_loyalty import PosClinicCommon


@tagged("post_install", "-at_install")
class TestReviewIssue26Pos(PosClinicCommon):
    """The money review of issue 26's whole points, reproduced through public calls: a
    programme that counts whole points spends, refunds and credits whole points, exactly."""

    def _refund(self, line, qty, extra=()):
        data = self.create_ui_order_data(
            [{"product": line.product_id, "quantity": -qty, "refunded_orderline_id": line.id}],
            customer=self.patient,
        )
        data["lines"] += list(extra)
        total = sum(l[2]["price_subtotal_incl"] for l in data["lines"])
        data.update({"amount_total": total, "amount_paid": total})
        data["payment_ids"][0][2]["amount"] = total
        return self._sync(data)

    def _refund_with_points_share(self, order, item, qty=1):
        """Refund ``qty`` of ``item`` with the share of the points line the server quotes,
        as the refund screen does."""
        points_line = order.lines.filtered("reward_id")
        shares = self.env["pos.order"].clinic_refund_reward_shares(order.id, {str(item.id): qty})["shares"]
        extra = [
            (
                0,
                0,
                {
                    "product_id": points_line.product_id.id,
                    "qty": -share["qty"],
                    "price_unit": share["price_unit"],
                    "price_subtotal": -share["price_unit"],
                    "price_subtotal_incl": -share["price_unit"],
                    "tax_ids": [(6, 0, [])],
                    "refunded_orderline_id": points_line.id,
                },
            )
            for share in shares
        ]
        return self._refund(item, qty, extra)

    def test_r1_small_points_lines_cost_whole_points(self):
        """Ten browser reward lines of -0.49 each (4.90 off): priced together as one points
        discount, they cost 5 whole points, not nothing, and the spending goes through the
        rules."""
        self.card._clinic_post("earn", 500, "Opening")
        lines = [(self.service, 1)] + [self._reward_line(0.49) for _i in range(10)]
        order = self._sync(self._order_data(lines)).sudo()
        spend = order.clinic_ledger_ids.filtered(lambda l: l.kind == "spend")
        discount = -sum(order.lines.filtered("reward_id").mapped("price_subtotal_incl"))
        self.assertAlmostEqual(discount, 4.90)
        self.assertEqual(spend.points, -5, "a discount paid with points takes whole points from the card")

    def test_r2_refund_in_three_parts_takes_back_all_earned(self):
        """3 items at 35 earn 10 points (10%, whole points down); refunded one at a time
        they take back 3, 4 and 3: nothing earned is left on what was refunded."""
        cheap = self.create_product("Cheap", self.categ_basic, 35.0, tax_ids=[])
        order = self._sync(self._order_data([(cheap, 3)])).sudo()
        self.assertEqual(self.card.points, 10)
        line = order.lines
        for _i in range(3):
            self._refund(line, 1)
        self.assertEqual(self.card.points, 0, "everything refunded: nothing earned is left")

    def test_r2b_spend_refunded_in_three_parts_comes_back_whole(self):
        """Points spent on 3 items, refunded one at a time: every spent point comes back."""
        self.card._clinic_post("earn", 500, "Opening")
        cheap = self.create_product("Cheap2", self.categ_basic, 100.0, tax_ids=[])
        order = self._sync(self._order_data([(cheap, 3), self._reward_line(100)])).sudo()
        points_line = order.lines.filtered("reward_id")
        item = order.lines - points_line
        for _i in range(3):
            self._refund_with_points_share(order, item)
        self.assertEqual(self.card.points, 500, "all refunded: the 100 points spent are back, the earning gone")
        refunds = self.env["pos.order"].sudo().search([("lines.refunded_orderline_id", "in", order.lines.ids)])
        self.assertAlmostEqual(sum(refunds.mapped("amount_total")), -order.amount_total, 2, "money back = money paid")

    def test_r3_cap_takes_whole_points(self):
        """A points line over the cap by half a unit: a whole-point card is charged whole
        points, and a full refund gives back exactly what was taken."""
        self.card._clinic_post("earn", 2000, "Opening")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(1100.5)])).sudo()
        spend = order.clinic_ledger_ids.filtered(lambda l: l.kind == "spend")
        self.assertEqual(spend.points, int(spend.points), "whole points programme spends whole points")

    def test_r3b_cap_full_refund_gives_back_what_was_taken(self):
        self.card._clinic_post("earn", 2000, "Opening")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(1100.5)])).sudo()
        points_line = order.lines.filtered("reward_id")
        item = order.lines - points_line
        self._refund_with_points_share(order, item)
        self.assertEqual(self.card.points, 2000, "fully refunded: the card is as before")

    def test_r1b_a_fraction_of_a_point_costs_a_whole_point(self):
        """A 100.49 discount (a browser typing 100.49 points) costs 101 whole points."""
        self.card._clinic_post("earn", 500, "Opening")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(100.49)])).sudo()
        spend = order.clinic_ledger_ids.filtered(lambda l: l.kind == "spend")
        self.assertEqual(spend.points, -101, "whole points worth at least the discount given")


from odoo import Command

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestReviewIssue26Sale(ClinicBonusCommon):
    def _credit_one(self, invoice, product):
        refund = invoice._reverse_moves()
        refund.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"quantity": 1})
                    for line in refund.invoice_line_ids
                    if line.product_id == product
                ]
            }
        )
        refund.action_post()
        self.card.invalidate_recordset()
        return refund

    def test_r4_three_credit_notes_of_one_unit_leave_no_earned_point(self):
        """Three credit notes of one unit each take back all the order earned."""
        cheap = self._service("Cheap", 35.0, self.categ_dental)
        order = self._order([(cheap, 3)])
        order.action_confirm()
        self.card.invalidate_recordset()
        start = self.card.points
        earned = sum(order.clinic_ledger_ids.filtered(lambda l: l.kind == "earn").mapped("points"))
        invoice = order._create_invoices()
        invoice.action_post()
        for _i in range(3):
            self._credit_one(invoice, cheap)
        self.assertEqual(self.card.points, start - earned, "the whole order credited: its earning is gone")
