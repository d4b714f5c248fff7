"""The integrity check of referrals: a referral rewarded twice (a second gift, a second
reward for one order, a reward's points posted twice) is reported; the shares of several
orders and the reversals of a refund are no problem."""

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.clinic_loyalty.tests.common import IntegrityCheckCase

from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralIntegrity(IntegrityCheckCase, ReferralCommon):
    def _duplicate(self, table, row_id, **values):
        """A copy of the row ``row_id`` of ``table`` with ``values`` changed, inserted by SQL."""
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
            [table],
        )
        columns = [row[0] for row in self.env.cr.fetchall()]
        self._corrupt(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s WHERE id = %s",
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(", ").join(
                    SQL("%s", values[column]) if column in values else SQL.identifier(column) for column in columns
                ),
                SQL.identifier(table),
                row_id,
            )
        )

    def _problems(self, check):
        return sorted((problem.kind, problem.res_id, problem.detail) for problem in check.problem_ids)

    def test_shares_of_several_orders_and_a_refund_are_no_problem(self):
        self.referral_program.write({"referrer_reward": "percent", "reward_percent": 5, "reward_months": 6})
        referral = self._refer()
        order = self._visit(1100, qty=2)
        self._visit(3000)
        self.assertEqual(len(referral.reward_ids.filtered(lambda reward: reward.kind == "points")), 2)
        invoice = order._create_invoices()
        invoice.action_post()
        refund = invoice._reverse_moves()
        refund.invoice_line_ids.quantity = 1
        refund.action_post()
        self.assertEqual(self._balances()[0], 55 + 150, "half of the first share taken back")
        check = self._run_check()
        self.assertEqual(check.problem_count, 0, check.problem_ids.mapped("detail"))
        self.assertFalse(check.activity_ids)

    def test_an_order_cancelled_and_confirmed_again_is_rewarded_once(self):
        """Review of issue 27: a share taken back by a cancellation and given again when the
        order is confirmed again is one reward, not two."""
        self.referral_program.write({"referrer_reward": "percent", "reward_percent": 5, "reward_months": 6})
        referral = self._refer()
        self._visit(2800)
        order = self._visit(2800)
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        shares = referral.reward_ids.filtered(lambda r: r.kind == "points" and r.sale_order_id == order)
        self.assertEqual(sum(shares.mapped("net_amount")), 140, "one share of the order, net")
        check = self._run_check()
        self.assertEqual(check.problem_count, 0, check.problem_ids.mapped("detail"))

    def test_a_referral_rewarded_twice_is_reported_in_the_todo(self):
        referral = self._refer()
        self._visit(2200)
        self.assertEqual(self._balances(), (500, 420))
        self.assertEqual(self._run_check().problem_count, 0)
        gift = referral.reward_ids.filtered(lambda reward: reward.kind == "gift")
        points = referral.reward_ids.filtered(lambda reward: reward.kind == "points")
        # The gift given again, the referrer rewarded again for the same visit, and the
        # referrer's points posted twice on the card (its balance with them).
        self._duplicate("clinic_referral_reward", gift.id, source_key="gift:again")
        self._duplicate("clinic_referral_reward", points.id, source_key=f"{points.source_key}:again")
        line = self.env["clinic.loyalty.ledger"].search([("referral_reward_id", "=", points.id)])
        self._duplicate("clinic_loyalty_ledger", line.id, source_key=f"{line.source_key}:again")
        self._corrupt("UPDATE loyalty_card SET points = points + 500 WHERE id = %s", self.referrer_card.id)
        check = self._run_check()
        self.assertEqual(
            self._problems(check),
            [
                ("referral", referral.id, "A reward's points posted 2 times on the card"),
                ("referral", referral.id, "The newcomer's gift given 2 times"),
                ("referral", referral.id, "The referrer rewarded 2 times for one order"),
            ],
        )
        self.assertEqual(check.problem_ids.mapped("name"), [referral.display_name] * 3)
        todo = self._todo(check)
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.summary, "Loyalty integrity: 3 problem(s)")
        self.assertIn("Referral rewarded twice", todo.note)
        self.assertIn("The newcomer's gift given 2 times", todo.note)
