from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestFamilyMembership(ClinicBonusCommon):
    """The dental clinic's family card: 199 a year, up to 8 members, a 200 voucher and 20% off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.membership_product = cls.env["product.product"].create(
            {"name": "Family Card", "type": "service", "list_price": 199.0, "taxes_id": [(5, 0, 0)]}
        )
        cls.plan = cls.env["clinic.loyalty.membership.plan"].create(
            {
                "name": "Family Dental Card",
                "product_id": cls.membership_product.id,
                "member_limit": 8,
                "validity_months": 12,
                "member_discount_percent": 20,
                "discount_categ_ids": cls.categ_dental.ids,
                "voucher_ids": [(0, 0, {"name": "Filling voucher", "amount": 200, "count": 1})],
            }
        )
        cls.categ_fillings = cls.env["product.category"].create({"name": "Fillings", "parent_id": cls.categ_dental.id})
        cls.plan.voucher_ids.categ_ids = cls.categ_fillings
        cls.filling = cls._service("Filling", 400.0, cls.categ_fillings)
        cls.holder = cls.patient
        cls.spouse = cls._patient("Pavel Petrov", "+7 912 345 0002", email="pavel@example.com")
        cls.child = cls._patient("Olga Petrova", "+7 912 345 0003")

    def _clinic_card_of(self, partner):
        return partner.clinic_card_ids.filtered(lambda card: card.program_id == self.program)

    def _confirm(self, order):
        order.action_confirm()
        self.card.invalidate_recordset()
        return order

    def _buy_membership(self, partner=None):
        self._confirm(self._order([(self.membership_product, 1)], partner=partner or self.holder))
        return (partner or self.holder).clinic_household_id

    def _family(self):
        with freeze_time("2026-03-01"):
            household = self._buy_membership()
        self.spouse.clinic_household_id = household
        self.child.clinic_household_id = household
        return household

    def test_a_new_household_is_named_in_every_language_of_the_clinic(self):
        """Sold to Anna in English, read by a Russian or Chinese receptionist in their language."""
        for lang in ("ru_RU", "zh_CN"):
            self.env["res.lang"]._activate_lang(lang)
        household = self._buy_membership()
        name = self.holder.name
        self.assertEqual(household.with_context(lang="en_US").name, f"{name} family")
        self.assertEqual(household.with_context(lang="ru_RU").name, f"Семья {name}")
        self.assertEqual(household.with_context(lang="zh_CN").name, f"{name} 的家庭")

    @freeze_time("2026-03-01")
    def test_selling_the_plan_starts_the_membership_and_selling_it_again_renews_it(self):
        household = self._buy_membership()
        self.assertEqual((household.holder_id, household.plan_id, household.state), (self.holder, self.plan, "active"))
        self.assertEqual((household.date_start, household.date_end), (date(2026, 3, 1), date(2027, 2, 28)))
        self.assertEqual(household.period_ids.amount, 199)
        self.assertEqual(household.card_id, self.card)

        self.assertEqual(self._buy_membership(), household)
        self.assertEqual(household.date_end, date(2028, 2, 29), "renewed from the end of the current period")
        self.assertEqual(len(household.period_ids), 2)

    def test_voucher_then_discount_costs_160(self):
        household = self._family()
        with freeze_time("2026-04-01"):
            order = self._order([(self.filling, 1)], partner=self.spouse)
            self.assertEqual(order.amount_total, 160, "(400 - 200) x 0.8")
            self._confirm(order)
            use = household.voucher_use_ids
            self.assertEqual((use.voucher_amount, use.discount_amount, use.saved), (200, 40, 240))
            self.assertEqual(use.partner_id, self.spouse)
            self.assertEqual(household.savings, 240)
            self.assertAlmostEqual(household.payback_percent, 100 * 240 / 199)
            # The period's only voucher is used: the next filling gets the 20% only.
            self.assertEqual(self._order([(self.filling, 1)], partner=self.child).amount_total, 320)
            # Cancelling the order gives the voucher back.
            order._action_cancel()
            self.assertFalse(household.voucher_use_ids)
            self.assertEqual(self._order([(self.filling, 1)], partner=self.child).amount_total, 160)

    def test_discount_then_voucher_costs_120_when_configured(self):
        self._family()
        self.plan.benefit_order = "discount_first"
        with freeze_time("2026-04-01"):
            self.assertEqual(self._order([(self.filling, 1)], partner=self.spouse).amount_total, 120, "400 x 0.8 - 200")

    def test_the_ninth_member_is_refused(self):
        household = self._family()
        others = self.env["res.partner"].create([{"name": f"Relative {i}", "is_patient": True} for i in range(6)])
        others[:5].write({"clinic_household_id": household.id})
        self.assertEqual(household.member_count, 8)
        with self.assertRaisesRegex(
            ValidationError, "already has 8 members, the most its plan Family Dental Card allows"
        ):
            others[5].clinic_household_id = household
        self.assertFalse(others[5].clinic_household_id)

    def test_a_member_of_another_active_household_is_refused(self):
        household = self._family()
        neighbour = self._patient("Neighbour Holder", "+7 912 345 0009")
        with freeze_time("2026-03-01"):
            other = self._buy_membership(neighbour)
        with self.assertRaisesRegex(ValidationError, "Pavel Petrov is a member of the active household"):
            self.spouse.clinic_household_id = other
        self.assertEqual(self.spouse.clinic_household_id, household)

    def test_members_earn_into_and_spend_from_the_household_card(self):
        household = self._family()
        with freeze_time("2026-04-01"):
            consultation = self._confirm(self._order([(self.service, 1)], partner=self.spouse))
        earn = consultation.clinic_ledger_ids
        self.assertEqual((earn.card_id, earn.patient_id, earn.points), (self.card, self.spouse, 176))
        self.assertEqual(self.card.points, 176, "10% of 2200 less the member discount (1760)")
        self.assertFalse(self._clinic_card_of(self.spouse).clinic_ledger_ids, "nothing on the member's own card")

        with freeze_time("2026-04-02"):
            order = self._order([(self.service, 1)], partner=self.child)
            order.clinic_points_to_use = 100
            order._update_programs_and_rewards()
            order._apply_program_reward(self.points_reward, self.card)
            self._confirm(order)
        spend = order.clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        self.assertEqual((spend.card_id, spend.patient_id, spend.points), (self.card, self.child, -100))
        self.assertEqual(household.balance, self.card.points)
        usage = {
            p.name: sum(lines.mapped("points"))
            for p, lines in self.card.clinic_ledger_ids.grouped("patient_id").items()
        }
        self.assertEqual(usage, {"Pavel Petrov": 176, "Olga Petrova": -100 + 166})

    def test_per_member_monthly_spending_limit(self):
        self._family()
        self.plan.member_spend_limit = 150
        self.card._clinic_post("earn", 1000, "Opening")
        with freeze_time("2026-04-10"):
            first = self._order([(self.service, 1)], partner=self.spouse)
            first.clinic_points_to_use = 100
            first._update_programs_and_rewards()
            first._apply_program_reward(self.points_reward, self.card)
            self._confirm(first)
            second = self._order([(self.service, 1)], partner=self.spouse)
            second.clinic_points_to_use = 100
            second._update_programs_and_rewards()
            second._apply_program_reward(self.points_reward, self.card)
            with self.assertRaisesRegex(
                UserError, r"Pavel Petrov may spend 150 points of the household's points a month and has spent 100"
            ):
                second.action_confirm()
        with freeze_time("2026-05-01"):
            second.action_confirm()
        self.assertEqual(second.state, "sale", "a new month, a new allowance")

    def test_expiry_stops_the_benefits_and_the_sharing(self):
        household = self._family()
        Household = self.env["clinic.loyalty.household"]
        with freeze_time("2027-02-28"):
            self.assertFalse(Household._cron_clinic_expire_memberships(), "valid on its last day")
        with freeze_time("2027-03-01"):
            self.assertEqual(Household._cron_clinic_expire_memberships(), household)
            self.assertEqual(household.state, "expired")
            order = self._confirm(self._order([(self.filling, 1)], partner=self.spouse))
            self.assertEqual(order.amount_total, 400, "no voucher, no member discount")
            self.assertEqual(
                order.clinic_ledger_ids.card_id, self._clinic_card_of(self.spouse), "earns on the own card"
            )
            newcomer = self._patient("Late Relative", "+7 912 345 0010")
            with self.assertRaisesRegex(ValidationError, "expired on 2027-02-28: renew it before adding members"):
                newcomer.clinic_household_id = household
            # Renewing after the end starts a new period today.
            self._buy_membership()
            self.assertEqual((household.state, household.date_end), ("active", date(2028, 2, 29)))

    def test_a_member_who_leaves_keeps_their_history(self):
        household = self._family()
        with freeze_time("2026-04-01"):
            self._confirm(self._order([(self.service, 1)], partner=self.spouse))
        self.spouse.clinic_household_id = False
        self.assertEqual(household.member_ids, self.holder | self.child)
        lines = self.env["clinic.loyalty.ledger"].search(
            [("patient_id", "=", self.spouse.id), ("program_id", "=", self.program.id)]
        )
        self.assertEqual(lines.mapped("points"), [176], "their part of the household's history stays theirs")
        with freeze_time("2026-04-02"):
            order = self._confirm(self._order([(self.service, 1)], partner=self.spouse))
        self.assertEqual(order.clinic_ledger_ids.card_id, self._clinic_card_of(self.spouse))

    def test_renewal_reminder_once_with_the_unused_vouchers(self):
        household = self._family()
        Household = self.env["clinic.loyalty.household"]
        with freeze_time("2027-02-13"):
            self.assertFalse(Household._cron_clinic_membership_reminders(), "15 days before: not yet")
        with freeze_time("2027-02-14"):
            self.assertEqual(Household._cron_clinic_membership_reminders(), household)
            self.assertFalse(Household._cron_clinic_membership_reminders(), "once per period")
        sms = self.env["sms.sms"].search([("partner_id", "=", self.holder.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("vouchers not used: Filling voucher x1", sms.body)

    def test_renewal_reminders_run_in_batches(self):
        first = self._family()
        Household = self.env["clinic.loyalty.household"]
        neighbour = self._patient("Neighbour", "+7 912 300 0077")
        with freeze_time("2026-03-01"):
            second = Household._clinic_sell_membership(neighbour, self.plan, 199, "test:second", "Test")
        with freeze_time("2027-02-14"):
            self.assertEqual(len(Household._cron_clinic_membership_reminders(batch_size=1)), 1)
            self.assertEqual(len(Household._cron_clinic_membership_reminders(batch_size=1)), 1)
            self.assertFalse(Household._cron_clinic_membership_reminders(batch_size=1))
        self.assertEqual((first | second).mapped("renewal_reminded_until"), (first | second).mapped("date_end"))

    def test_a_cancelled_and_reconfirmed_sale_pays_one_period(self):
        with freeze_time("2026-03-10"):
            order = self._order([(self.membership_product, 1)], partner=self.holder)
            self._confirm(order)
            household = self.holder.clinic_household_id
            self.assertEqual(household.date_end, date(2027, 3, 9))
            # Cancelled: the membership loses the period it paid, and has none left.
            order._action_cancel()
            self.assertEqual(household.state, "expired")
            self.assertTrue(household.period_ids.cancelled)
            self.assertEqual(household.membership_paid, 0)
            # Confirmed again: one payment, one period (not 24 months).
            order.action_draft()
            self._confirm(order)
            self.assertEqual((household.state, household.date_end), ("active", date(2027, 3, 9)))
            self.assertEqual(len(household.period_ids.filtered(lambda p: not p.cancelled)), 1)
            self.assertEqual(household.membership_paid, 199)

    def test_a_renewal_refunded_by_credit_note_shortens_the_membership(self):
        with freeze_time("2026-03-10"):
            self._buy_membership()
            renewal = self._confirm(self._order([(self.membership_product, 1)], partner=self.holder))
            household = self.holder.clinic_household_id
            self.assertEqual(household.date_end, date(2028, 3, 9))
            invoice = renewal._create_invoices()
            invoice.action_post()
            credit_note = invoice._reverse_moves()
            credit_note.action_post()
            self.assertEqual((household.state, household.date_end), ("active", date(2027, 3, 9)))
            self.assertEqual(household.membership_paid, 199)

    def test_a_partial_refund_after_the_member_left_reverses_on_the_household_card(self):
        self._family()
        with freeze_time("2026-04-01"):
            order = self._confirm(self._order([(self.service, 2)], partner=self.spouse))
            self.assertEqual(self.card.points, 352, "10% of 2 x 2200 less the member discount")
            self.spouse.clinic_household_id = False
            invoice = order._create_invoices()
            invoice.action_post()
            credit_note = invoice._reverse_moves()
            credit_note.invoice_line_ids.quantity = 1
            credit_note.action_post()
        self.card.invalidate_recordset()
        reversal = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual((reversal.points, reversal.refund_move_id), (-176, credit_note))
        self.assertEqual(self.card.points, 176)
        self.assertFalse(self._clinic_card_of(self.spouse).clinic_ledger_ids, "the member's own card is untouched")
