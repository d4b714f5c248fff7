from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestSaleOrderLoyalty(ClinicBonusCommon):
    def _confirm(self, order):
        order.action_confirm()
        self.card.invalidate_recordset()
        return order

    def _ledger(self, order, kind):
        return order.clinic_ledger_ids.filtered(lambda line: line.kind == kind)

    def test_ten_percent_of_2200_paid_earns_220_and_tells_the_patient(self):
        self._give(535)
        order = self._order([(self.service, 1)])
        self.assertEqual(order.amount_total, 2200)

        self._confirm(order)

        earn = self._ledger(order, "earn")
        self.assertEqual((earn.points, earn.amount, earn.balance_after), (220, 2200, 755))
        # Today in the user's time zone, as the clinic's day (not the server's UTC date).
        today = fields.Date.context_today(self.card)
        self.assertEqual(earn.expiry_date, today.replace(year=today.year + 1))
        self.assertEqual(self.card.points, 755)
        self.assertEqual(order.clinic_points_earned, 220)
        sms = self.env["sms.sms"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "outgoing", "SMS go through Odoo's queue")
        self.assertEqual(sms.number, "+79123456789")
        self.assertRegex(sms.body, r"^Paid \$\s?2,200\.00; 220 points earned; balance 755 points$")
        mail = self.env["mail.mail"].search([("model", "=", "clinic.loyalty.ledger"), ("res_id", "=", earn.id)])
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("220 points", mail.body_html)
        self.assertIn("balance 755 points", mail.body_html)
        self.assertEqual(mail.recipient_ids, self.patient)

    def test_no_message_without_consent(self):
        self.patient.clinic_consent_reminders = False
        self._confirm(self._order([(self.service, 1)]))
        self.assertEqual(self.card.points, 220)
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", self.patient.id)]))
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "clinic.loyalty.ledger"), ("res_id", "in", self.card.clinic_ledger_ids.ids)]
            )
        )

    def test_points_spent_on_an_order_earn_nothing(self):
        self._give(500)
        order = self._order([(self.service, 1)])
        reward_line = self._use_points(order, 200)
        self.assertEqual((reward_line.price_total, reward_line.points_cost), (-200, 200))
        self.assertEqual(order.amount_total, 2000)

        self._confirm(order)

        self.assertEqual(self._ledger(order, "spend").points, -200)
        earn = self._ledger(order, "earn")
        self.assertEqual((earn.points, earn.amount), (200, 2000), "10% of the 2000 paid, not of 2200")
        self.assertEqual(self.card.points, 500)
        self.assertEqual(sum(self.card.clinic_ledger_ids.mapped("points")), 500)

    def test_points_shown_before_confirmation_are_the_servers(self):
        order = self._order([(self.service, 1)])
        order._update_programs_and_rewards()
        self.assertEqual(order.coupon_point_ids.filtered(lambda p: p.coupon_id == self.card).points, 220)
        self.assertEqual(self.card.points, 0, "nothing moves before confirmation")

    def test_spending_more_than_the_balance_is_refused(self):
        self._give(300)
        order = self._order([(self.service, 1)])
        self._use_points(order, 300)
        # Meanwhile the patient spends 200 points at another desk.
        self.card._clinic_post("spend", -200, "Other desk")
        with self.assertRaisesRegex(UserError, r"uses 300 points but card \d+ has 100 points"):
            self._confirm(order)
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.card.points, 100)
        self.assertFalse(order.clinic_ledger_ids)

    def test_spending_more_than_the_allowed_share_is_refused(self):
        self.program.clinic_max_redeem_percent = 30
        self._give(2000)
        order = self._order([(self.service, 1)])
        reward_line = self._use_points(order)
        self.assertEqual(reward_line.price_total, -660, "capped at 30% of 2200 when applied")
        # A hand-edited line beyond the share is refused at confirmation.
        reward_line.write({"price_unit": -1000, "points_cost": 1000})
        with self.assertRaisesRegex(
            UserError, r"pays \$\s?1,000\.00 with points, more than the 30% .* \(\$\s?660\.00\)"
        ):
            self._confirm(order)
        self.assertEqual(self.card.points, 2000)
        self.assertEqual(order.state, "draft")

    def test_confirming_twice_changes_the_balance_once(self):
        order = self._confirm(self._order([(self.service, 1)]))
        with self.assertRaises(UserError):
            order.action_confirm()
        order._clinic_post_loyalty()
        self.assertEqual(self.card.points, 220)
        self.assertEqual(len(order.clinic_ledger_ids), 1)

    def test_cancel_reverses_earning_and_restores_spending(self):
        with freeze_time("2026-03-01"):
            self._give(500)
        order = self._order([(self.service, 1)])
        self._use_points(order, 200)
        self._confirm(order)
        self.assertEqual(self.card.points, 500)

        order._action_cancel()

        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500)
        reversals = self._ledger(order, "reversal").sorted("id")
        self.assertEqual(reversals.mapped("points"), [200, -200])
        self.assertEqual(reversals[0].expiry_date, date(2027, 3, 1), "restored points keep their lot's expiry")
        self.assertEqual(self.card.clinic_total_spend, 0)

        # Confirmed again, the order earns and spends again, once.
        order.action_draft()
        self._use_points(order, 200)
        self._confirm(order)
        self.assertEqual(self.card.points, 500)
        self.assertEqual(len(self._ledger(order, "earn")), 2)

    def test_cancel_after_the_points_were_spent_takes_back_what_is_left(self):
        order = self._confirm(self._order([(self.service, 1)]))
        self.card._clinic_post("spend", -150, "Spent elsewhere")
        order._action_cancel()
        self.card.invalidate_recordset()
        reversal = self._ledger(order, "reversal")
        self.assertEqual(reversal.points, -70)
        self.assertIn("150 points already spent, not taken back", reversal.reason)
        self.assertEqual(self.card.points, 0)

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def _refund(self, invoice, keep_product=None, points_part=1.0):
        """Credit note of ``invoice``: only ``keep_product``'s lines if given, with
        ``points_part`` of the points line (the share of the discount the items had)."""
        refund = invoice._reverse_moves()
        if keep_product:
            points_lines = refund.invoice_line_ids.filtered(lambda line: line.sale_line_ids.reward_id)
            refund.write(
                {
                    "invoice_line_ids": [
                        Command.delete(line.id)
                        for line in refund.invoice_line_ids - points_lines
                        if line.product_id != keep_product
                    ]
                    + [Command.update(line.id, {"price_unit": line.price_unit * points_part}) for line in points_lines]
                }
            )
        refund.action_post()
        self.card.invalidate_recordset()
        return refund

    def test_partial_refund_reverses_in_proportion(self):
        self._give(500)
        implant = self._service("Implant", 2200.0, self.categ_implants)
        order = self._order([(self.service, 1), (implant, 1)])
        self._use_points(order, 400)
        self._confirm(order)
        # 4400 - 400 paid with points = 4000 paid: 400 points earned, 400 spent.
        self.assertEqual(self._ledger(order, "earn").points, 400)
        self.assertEqual(self.card.points, 500)

        invoice = self._invoice(order)
        # The implant with its half of the points discount: 2000 money and 200 points back.
        credit_note = self._refund(invoice, keep_product=implant, points_part=0.5)
        self.assertEqual(credit_note.amount_total, 2000)

        # Half of the services refunded: half the earning taken back, half the spending given back.
        reversals = self._ledger(order, "reversal").sorted("id")
        self.assertEqual(reversals.mapped("points"), [200, -200])
        self.assertEqual(reversals[1].amount, -2000)
        self.assertEqual(self.card.points, 500)
        self.assertEqual(self.card.clinic_total_spend, 2000)

        # Refunding the rest reverses the rest, never more than the order.
        self._refund(invoice)
        reversals = self._ledger(order, "reversal").sorted("id")
        self.assertEqual(reversals.mapped("points"), [200, -200, 200, -200])
        self.assertEqual(self.card.points, 500)
        self.assertEqual(self.card.clinic_total_spend, 0)
        self.assertAlmostEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_credit_note_returning_the_whole_price_gives_no_points_back(self):
        """Two 1100 massages paid with 2000 money and 200 points: a credit note of one massage
        at its full 1100 has returned more money than was paid for it; no points come back."""
        self._give(300)
        massage = self._service("Massage", 1100.0, self.categ_implants)
        order = self._order([(massage, 2)])
        self._use_points(order, 200)
        self._confirm(order)
        self.assertEqual(self.card.points, 300)
        credit_note = self._invoice(order)._reverse_moves()
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"quantity": 1}) if line.product_id == massage else Command.delete(line.id)
                    for line in credit_note.invoice_line_ids
                ]
            }
        )
        credit_note.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(credit_note.amount_total, 1100)
        reversals = self._ledger(order, "reversal")
        self.assertEqual(reversals.mapped("points"), [-100], "only the earned points of the massage are taken back")
        self.assertEqual(self.card.points, 200)

    def test_a_credit_note_after_the_earned_points_were_spent_tells_the_manager(self):
        order = self._confirm(self._order([(self.service, 1)]))
        invoice = self._invoice(order)
        self.card._clinic_post("spend", -150, "Spent elsewhere")
        credit_note = self._refund(invoice)
        reversal = self._ledger(order, "reversal")
        self.assertEqual((reversal.points, reversal.refund_move_id), (-70, credit_note))
        self.assertIn("150 points already spent, not taken back", reversal.reason)
        self.assertEqual(self.card.points, 0)
        self.assertRegex(self.card.activity_ids.note, r"should take back 150 points that the order earned")

    def test_points_earned_when_the_invoice_is_paid(self):
        self.program.clinic_earn_trigger = "paid"
        order = self._confirm(self._order([(self.service, 1)]))
        self.assertEqual(self.card.points, 0)
        invoice = self._invoice(order)
        self.assertEqual(self.card.points, 0)
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.card.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.card.points, 220)

    def test_accruing_points_costs_the_same_queries_for_1_and_50_lines(self):
        def confirmed(size):
            order = self._order([(self.service, 1)] * size)
            order._update_programs_and_rewards()
            order.write({"state": "sale"})
            self.env.flush_all()
            self.env.invalidate_all()
            return order

        confirmed(1)._clinic_post_loyalty()  # caches of templates and rules, as on a running server
        for size in (1, 50):
            order = confirmed(size)
            with self.assertExactQueryCount(29):
                order._clinic_post_loyalty()
            self.assertEqual(order.clinic_points_earned, 220 * size)
        self.assertEqual(self.card.points, 220 * 52)

    def test_cashier_sells_redeems_and_confirms_with_their_own_rights(self):
        self._give(500)
        order = (
            self.env["sale.order"]
            .with_user(self.cashier)
            .create({"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.service.id})]})
        )
        order.clinic_points_to_use = 100
        order._update_programs_and_rewards()
        order._apply_program_reward(self.points_reward, self.card.with_user(self.cashier))
        order.action_confirm()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500 - 100 + 210)
        self.assertEqual(order.clinic_ledger_ids.mapped("user_id"), self.cashier)

    def test_reward_lines_of_a_confirmed_order_are_not_edited_behind_the_ledger(self):
        self._give(500)
        order = self._order([(self.service, 1)])
        reward_line = self._use_points(order, 200)
        self._confirm(order)
        self.card.invalidate_recordset()
        balance = self.card.points
        # sale_loyalty would move the card's balance when a confirmed reward line changes.
        with self.assertRaisesRegex(UserError, "cancel the order, change it and confirm it again"):
            reward_line.points_cost = 150
        with self.assertRaisesRegex(UserError, "cancel the order, change it and confirm it again"):
            reward_line.unlink()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, balance)
        self.assertFalse(self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "adjust"))
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_merging_patients_moves_points_lot_by_lot(self):
        self._give(300, expiry_date=date(2027, 1, 31))
        duplicate = self._patient("Anna Petrova (duplicate)", "+7 912 300 0055")
        old_card = duplicate.clinic_card_ids
        old_card._clinic_post("earn", 70, "Opening", expiry_date=date(2027, 5, 31))

        self.env["base.partner.merge.automatic.wizard"]._merge((self.patient | duplicate).ids, self.patient)

        self.env.invalidate_all()
        self.assertEqual(self.patient.clinic_card_ids, self.card)
        self.assertEqual(self.card.points, 370)
        self.assertEqual(
            sorted(self.card.clinic_lot_ids.mapped(lambda lot: (lot.expiry_date, lot.remaining_points))),
            [(date(2027, 1, 31), 300), (date(2027, 5, 31), 70)],
        )
        self.assertFalse(old_card.active)
        for card in self.card | old_card:
            self.assertEqual(card.points, sum(card.clinic_ledger_ids.mapped("points")))
