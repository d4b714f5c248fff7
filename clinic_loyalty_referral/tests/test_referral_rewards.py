from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralRewards(ReferralCommon):
    def test_the_referrer_waits_for_the_newcomers_first_paid_visit(self):
        referral = self._refer()
        self.assertEqual(referral.state, "pending")
        self.assertEqual(referral.source, "desk")
        # The newcomer's gift is theirs at once, for the first visit; the referrer waits.
        self.assertEqual(self._balances(), (0, 200))
        quotation = self._order([(self.service, 1)], partner=self.newcomer)
        self.assertEqual(referral.state, "pending", "a quotation is no visit")
        self.assertEqual(self._balances(), (0, 200))
        quotation.action_confirm()
        self.assertEqual(referral.state, "rewarded")
        self.assertEqual(referral.sale_order_id, quotation)
        # 500 for the referrer; 200 + 10% of 2200 for the newcomer.
        self.assertEqual(self._balances(), (500, 420))
        self.assertEqual(referral.referrer_reward, 500)
        self.assertEqual(referral.newcomer_reward, 200)
        line = self.referrer_card.sudo().clinic_ledger_ids.filtered(lambda ledger: ledger.points == 500)
        self.assertEqual(line.reason, "Reward for a patient you referred", "the reason never names the newcomer")
        self.assertEqual(line.amount, 0, "a reward is no spend: it moves no tier")

        # Exactly once: the same visit again, and a second visit, give nothing more.
        self.env["clinic.referral"]._clinic_visit_paid(quotation)
        self._visit(1000)
        self.assertEqual(self._balances()[0], 500)
        self.assertEqual(len(referral.reward_ids), 2, "the gift and one reward")
        self.env.invalidate_all()
        self.assertEqual(self.referrer.referral_count, 1)

    def test_a_share_of_the_newcomers_orders_stops_at_the_cap(self):
        """5% of orders of 2000 and 3000 within 6 months, 200 at most per newcomer: 200, not 250."""
        self.referral_program.write(
            {"referrer_reward": "percent", "reward_percent": 5, "reward_months": 6, "cap_per_newcomer": 200}
        )
        referral = self._refer()
        self._visit(2000)
        self.assertEqual(self._balances()[0], 100)  # 5% of 2000
        self._visit(3000)
        self.assertEqual(self._balances()[0], 200)  # 100 + min(150, 200 - 100)
        self._visit(3000)
        self.assertEqual(self._balances()[0], 200)
        self.assertEqual(
            sorted(referral.reward_ids.filtered(lambda r: r.kind == "points").mapped("amount")), [100, 100]
        )
        self.assertEqual(referral.state, "rewarded")

    def test_the_share_counts_orders_within_the_months_only(self):
        self.referral_program.write({"referrer_reward": "percent", "reward_percent": 5, "reward_months": 6})
        self._refer()
        self._visit(2000)
        with freeze_time(fields.Datetime.now() + timedelta(days=200)):
            self._visit(3000)
        self.assertEqual(self._balances()[0], 100, "an order seven months later gives no share")

    def test_a_cap_per_referrer_and_month(self):
        self.referral_program.write({"referrer_reward": "percent", "reward_percent": 10, "cap_per_referrer_month": 300})
        other = self._patient("Gleb Newcomer", "+7 912 400 0003")
        self._refer()
        self._refer(other)
        self._visit(2000)  # 200
        self._visit(2000, partner=other)  # 200, of which 100 within the month's 300
        self.assertEqual(self._balances()[0], 300)

    def test_qualification_needs_the_minimum_within_the_days(self):
        self.referral_program.write({"qualify_min_amount": 1000, "qualify_days": 30})
        referral = self._refer()
        self.assertEqual(referral.deadline, fields.Date.context_today(referral) + timedelta(days=30))
        self._visit(500)
        self.assertEqual(referral.state, "pending", "a visit under the minimum does not qualify")
        self._visit(1500)
        self.assertEqual(referral.state, "rewarded")
        self.assertEqual(self._balances()[0], 500)

    def test_a_referral_not_qualified_in_time_is_refused_and_the_gift_taken_back(self):
        self.referral_program.qualify_days = 30
        referral = self._refer()
        late = self._patient("Late Newcomer", "+7 912 400 0004")
        late_referral = self._refer(late)
        self.assertEqual(self._balances(), (0, 200))
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self._visit(2200)
            self.assertEqual(referral.state, "refused")
            self.assertEqual(referral.no_reward_reason, "deadline")
            self.env["clinic.referral"]._cron_clinic_referral_deadlines()
        self.assertEqual(late_referral.state, "refused")
        # The late newcomer's unspent gift is taken back; nobody got a referrer's reward.
        self.assertEqual(late.clinic_card_ids.points, 0)
        self.assertEqual(self._balances()[0], 0)

    def test_the_monthly_limit_records_without_rewarding(self):
        self.referral_program.monthly_limit = 1
        other = self._patient("Gleb Newcomer", "+7 912 400 0003")
        first, second = self._refer(), self._refer(other)
        self._visit(2200)
        self._visit(2200, partner=other)
        self.assertEqual((first.state, second.state), ("rewarded", "qualified"))
        self.assertEqual(second.no_reward_reason, "limit")
        self.assertEqual(second.converted, 1)
        self.assertEqual(self._balances()[0], 500)

    def test_where_rewards_are_forbidden_codes_still_track(self):
        self.referral_program.write({"rewards_forbidden": True, "compliance_note": "Anti-kickback rules"})
        referral = self._refer()
        self._visit(2200)
        self.assertEqual(referral.state, "qualified")
        self.assertEqual(referral.no_reward_reason, "compliance")
        self.assertFalse(referral.reward_ids)
        self.assertEqual(self._balances(), (0, 220), "no gift, no reward: the newcomer earns as any patient")
        self.assertEqual(self.referrer.clinic_referral_info()["rewards_off"], "Anti-kickback rules")
        self.env.invalidate_all()
        self.assertEqual(self.referrer.referral_count, 1)

    def test_a_one_sided_programme_gives_the_newcomer_nothing(self):
        self.referral_program.sides = "one"
        self._refer()
        self._visit(2200)
        self.assertEqual(self._balances(), (500, 220))

    def test_a_coupon_for_the_newcomers_first_visit(self):
        coupons = self.env["loyalty.program"].create(
            {
                "name": "First visit 20%",
                "program_type": "coupons",
                "company_id": self.company.id,
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 20, "discount_mode": "percent"})],
            }
        )
        self.referral_program.write({"newcomer_gift": "coupon", "newcomer_coupon_program_id": coupons.id})
        referral = self._refer()
        coupon = referral.reward_ids.coupon_id
        self.assertEqual((coupon.program_id, coupon.partner_id, coupon.points), (coupons, self.newcomer, 1))
        self.assertEqual(coupon.expiration_date, referral.deadline)
        self.assertEqual(self._balances(), (0, 0))

    def test_a_paid_visit_of_a_patient_nobody_referred_costs_one_query(self):
        order = self._visit(2200, partner=self.referrer)
        Referral = self.env["clinic.referral"]
        with self.assertExactQueryCount(1):  # is this patient a referred newcomer? (the programme is cached)
            Referral._clinic_visit_paid(order)
        self.referral_program.active = False
        Referral._clinic_visit_paid(order)
        with self.assertExactQueryCount(0):  # no referral programme: nothing to ask
            Referral._clinic_visit_paid(order)

    # Refunds ---------------------------------------------------------------------------

    def test_a_credit_note_takes_back_its_share_and_a_full_one_reverses_the_referral(self):
        referral = self._refer()
        order = self._visit(1100, qty=2)
        self.assertEqual(self._balances()[0], 500)
        invoice = order._create_invoices()
        invoice.action_post()
        half = invoice._reverse_moves()
        half.invoice_line_ids.quantity = 1
        half.action_post()
        self.assertEqual(self._balances()[0], 250, "half the visit refunded: half the reward")
        self.assertEqual(referral.state, "rewarded")
        rest = invoice._reverse_moves()
        rest.invoice_line_ids.quantity = 1
        rest.action_post()
        self.assertEqual(self._balances()[0], 0)
        self.assertEqual(referral.state, "reversed")
        self.assertEqual(referral.referrer_reward, 0)

    def test_a_credit_note_that_took_back_a_reward_is_not_reset(self):
        self._refer()
        order = self._visit(1100, qty=2)
        invoice = order._create_invoices()
        invoice.action_post()
        half = invoice._reverse_moves()
        half.invoice_line_ids.quantity = 1
        half.action_post()
        self.assertEqual(self._balances()[0], 250)
        with self.assertRaisesRegex(UserError, "took back a referral reward"):
            half.button_draft()
        with self.assertRaisesRegex(UserError, "took back a referral reward"):
            half.button_cancel()
        self.assertEqual(self._balances()[0], 250)

    def test_cancelling_the_qualifying_visit_reverses_the_reward(self):
        referral = self._refer()
        order = self._visit(2200)
        order._action_cancel()
        self.assertEqual(self._balances()[0], 0)
        self.assertEqual(referral.state, "reversed")
        self.assertEqual(referral.reward_ids.filtered(lambda r: r.kind == "points").state, "reversed")

    def test_a_reward_already_spent_is_taken_back_as_far_as_the_card_allows(self):
        self._refer()
        order = self._visit(2200)
        self.referrer_card._clinic_post("spend", -400, "Spent elsewhere")
        order._action_cancel()
        self.assertEqual(self._balances()[0], 0, "the 100 left is taken; the managers are told of the 400 missing")

    # Staff and channels ----------------------------------------------------------------

    def test_staff_and_channels_earn_commissions_that_the_manager_pays_out(self):
        Referrer = self.env["clinic.referrer"].with_user(self.manager)
        doctor = Referrer.create({"name": "Dr Ivanova", "kind": "staff", "user_id": self.cashier.id})
        poster = Referrer.create({"name": "Spring poster", "kind": "channel"})
        self.assertNotEqual(doctor.code, poster.code)
        self.assertTrue(poster.share_url.endswith(f"/r/{poster.code}"))
        self.assertTrue(poster.qr_image)
        other = self._patient("Gleb Newcomer", "+7 912 400 0003")
        by_doctor = self._refer(code=doctor.code)
        by_poster = self._refer(other, code=poster.code.lower())
        self.assertEqual(by_poster.code_used, poster.code)
        self._visit(2200)
        self._visit(2200, partner=other)
        commissions = (by_doctor | by_poster).reward_ids.filtered(lambda r: r.kind == "commission")
        self.assertEqual(commissions.mapped("amount"), [300, 300])
        self.assertEqual(set(commissions.mapped("state")), {"pending"})
        self.assertEqual(commissions.filtered(lambda r: r.referrer_id == doctor).partner_id, self.cashier.partner_id)
        self.assertEqual(self._balances()[0], 0, "no points for a patient who referred nobody")

        commissions.with_user(self.manager).action_approve()
        self.assertEqual(set(commissions.mapped("state")), {"payable"})
        with self.assertRaisesRegex(UserError, "Only pending commissions can be approved"):
            commissions.with_user(self.manager).action_approve()
        commissions.with_user(self.manager).action_mark_paid()
        self.assertEqual(set(commissions.mapped("state")), {"paid"})
        self.assertEqual(commissions.mapped("paid_by_id"), self.manager)

    def test_a_commission_follows_the_refunds_of_its_order(self):
        self.referral_program.write({"referrer_reward": "percent", "reward_percent": 10})
        doctor = self.env["clinic.referrer"].create({"name": "Dr Ivanova", "kind": "staff", "user_id": self.cashier.id})
        referral = self._refer(code=doctor.code)
        first = self._visit(2000)
        second = self._visit(1000)
        self.assertEqual(referral.referrer_reward, 300)
        second._action_cancel()
        self.assertEqual(referral.referrer_reward, 200)
        reversal = referral.reward_ids.filtered("reversal_of_id")
        self.assertEqual((reversal.amount, reversal.state), (-100, "reversed"))
        self.assertEqual(reversal.reversal_of_id.state, "reversed")
        self.assertEqual(referral.state, "rewarded", "the qualifying visit stands")
        first._action_cancel()
        self.assertEqual(referral.state, "reversed")

    # Codes -----------------------------------------------------------------------------

    def test_every_patient_refers_under_a_unique_readable_code(self):
        patients = self.env["res.partner"].create([{"name": f"Patient {i}", "is_patient": True} for i in range(30)])
        codes = patients.mapped("referral_code")
        self.assertEqual(len(set(codes)), 30)
        self.assertTrue(all(len(code) == 8 and not set(code) & set("01IO") for code in codes))
        self.assertFalse(self.env["res.partner"].create({"name": "Supplier"}).referral_code)
        self.assertEqual(self.env["res.partner"].search([("referral_code", "=", codes[3].lower())]), patients[3])

    def test_a_new_code_keeps_the_old_one_as_an_alias(self):
        referrer = self.referrer.clinic_referrer_id
        old = referrer.code
        referrer.with_user(self.manager).action_regenerate_code()
        self.assertNotEqual(referrer.code, old)
        self.referrer.invalidate_recordset(["referral_code"])
        self.assertEqual(self.referrer.referral_code, referrer.code)
        referral = self._refer(code=f" {old[:4].lower()}-{old[4:]} ")
        self.assertEqual((referral.referrer_id, referral.code_used), (referrer, old))

    def test_a_patient_form_records_the_code_the_newcomer_gave(self):
        with Form(self.env["res.partner"].with_user(self.cashier)) as form:
            form.name = "Form Newcomer"
            form.phone = "+7 912 400 0009"
            form.is_patient = True
            form.clinic_referral_code_entry = self.referrer.referral_code
        newcomer = form.record
        self.assertEqual(newcomer.clinic_referred_by_id, self.referrer.clinic_referrer_id)
        self.assertEqual(newcomer.clinic_card_ids.points, 200)

    def test_a_sales_order_records_the_code(self):
        order = self._order([(self.service, 1)], partner=self.newcomer)
        order.clinic_referral_code = self.referrer.referral_code
        self.assertEqual(self.newcomer.clinic_referral_id.source, "sale")
        order.action_confirm()
        self.assertEqual(self._balances(), (500, 420))
