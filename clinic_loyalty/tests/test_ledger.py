from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..hooks import post_init_hook
from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPointsLedger(ClinicLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.clinic_points_validity_months = 12
        cls.card = cls._patient("Ledger Patient", "+7 912 300 0001").clinic_card_ids

    def assertBalanceIsLedgerSum(self, card):
        card.invalidate_recordset()
        self.assertAlmostEqual(card.points, sum(card.clinic_ledger_ids.mapped("points")), places=2)

    def test_earning_creates_a_lot_expiring_after_the_programme_validity(self):
        with freeze_time("2026-03-10"):
            line = self.card._clinic_post("earn", 220, "Order S001", source_key="sale:1", origin="S001")
        self.assertEqual(line.kind, "earn")
        self.assertEqual(line.expiry_date, date(2027, 3, 10))
        self.assertEqual(line.remaining_points, 220)
        self.assertEqual(line.user_id, self.env.user)
        self.assertEqual(self.card.points, 220)
        self.assertBalanceIsLedgerSum(self.card)

    def test_spending_consumes_the_lots_that_expire_first(self):
        late = self.card._clinic_post("earn", 100, "late", expiry_date=date(2027, 6, 1))
        early = self.card._clinic_post("earn", 50, "early", expiry_date=date(2027, 1, 1))
        forever = self.card._clinic_post("earn", 30, "forever", expiry_date=False)

        spend = self.card._clinic_post("spend", -120, "Order S002")

        self.assertEqual(early.remaining_points, 0)
        self.assertEqual(late.remaining_points, 30)
        self.assertEqual(forever.remaining_points, 30)
        uses = self.env["clinic.loyalty.lot.use"].search([("line_id", "=", spend.id)])
        self.assertEqual([(u.lot_id, u.points) for u in uses], [(early, 50), (late, 70)])
        self.assertEqual(self.card.points, 60)
        self.assertBalanceIsLedgerSum(self.card)

    def test_expiry_burns_only_what_is_left_of_a_lot_once(self):
        with freeze_time("2026-01-15"):
            lot = self.card._clinic_post("earn", 100, "Order S003")
            self.card._clinic_post("spend", -40, "Order S004")
            kept = self.card._clinic_post("earn", 25, "Order S005", expiry_date=date(2027, 6, 1))
        self.assertEqual(lot.expiry_date, date(2027, 1, 15))

        with freeze_time("2027-01-15"):
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_expire_lots(), 0, "not expired on its last day")
        with freeze_time("2027-01-16"):
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_expire_lots(), 1)
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_expire_lots(), 0, "a second run burns nothing")

        expired = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "expire")
        self.assertEqual(expired.points, -60)
        self.assertEqual(lot.remaining_points, 0)
        self.assertEqual(kept.remaining_points, 25)
        self.assertEqual(self.card.points, 25)
        self.assertBalanceIsLedgerSum(self.card)

    def test_a_year_end_expiry_burns_each_lot_exactly_with_one_line_per_card(self):
        with freeze_time("2026-03-01"):
            march = self.card._clinic_post("earn", 100, "Order S010", expiry_date=date(2026, 12, 31))
        with freeze_time("2026-09-01"):
            september = self.card._clinic_post("earn", 50, "Order S011", expiry_date=date(2026, 12, 31))
            self.card._clinic_post("spend", -30, "Order S012")
        with freeze_time("2027-01-01"):
            self.assertEqual(self.env["loyalty.card"]._cron_clinic_expire_lots(), 2)
        expired = self.card.clinic_ledger_ids.filtered(lambda line: line.kind == "expire")
        self.assertEqual((expired.points, expired.balance_after), (-120, 0))
        self.assertEqual(expired.reason, "Points earned from 2026-03-01 to 2026-09-01 expired")
        # Each lot records what it lost (March's lot had 30 spent first).
        self.assertRecordValues(
            march | september,
            [{"remaining_points": 0, "expired_points": 70}, {"remaining_points": 0, "expired_points": 50}],
        )
        self.assertBalanceIsLedgerSum(self.card)

    def test_expiry_runs_in_batches_and_reports_progress(self):
        cards = (
            self.env["res.partner"]
            .create([{"name": f"Batch {i}", "is_patient": True} for i in range(5)])
            .clinic_card_ids
        )
        for card in cards:
            card._clinic_post("earn", 10, "old", expiry_date=date(2020, 1, 1))
        Card = self.env["loyalty.card"]
        # Batches of 2 within a call, at most 3 lots a call: the scheduler calls again.
        self.assertEqual(Card._cron_clinic_expire_lots(batch_size=2, limit=3), 3)
        self.assertEqual(Card._cron_clinic_expire_lots(batch_size=2, limit=3), 2)
        self.assertEqual(Card._cron_clinic_expire_lots(batch_size=2, limit=3), 0)
        self.assertEqual(len(cards.clinic_ledger_ids.filtered(lambda line: line.kind == "expire")), 5)
        self.assertEqual(cards.mapped("points"), [0.0] * 5)

    def test_an_event_reaches_a_card_once(self):
        first = self.card._clinic_post("earn", 220, "Order S006", source_key="sale.order:6:earn")
        again = self.card._clinic_post("earn", 220, "Order S006", source_key="sale.order:6:earn")
        self.assertEqual(again, first)
        self.assertEqual(self.card.points, 220)
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)

    def test_spending_more_than_the_balance_is_refused_and_writes_nothing(self):
        self.card._clinic_post("earn", 100, "Order S007")
        with self.assertRaisesRegex(UserError, r"has 100 points; 150 points cannot be taken from it"):
            self.card._clinic_post("spend", -150, "Order S008")
        self.assertEqual(self.card.points, 100)
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)

    def test_ledger_lines_cannot_be_edited_or_deleted(self):
        line = self.card._clinic_post("earn", 100, "Order S009")
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.points = 1000
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            line.unlink()
        self.assertEqual(line.points, 100)

    def test_points_of_a_clinic_card_change_only_through_the_ledger(self):
        self.card._clinic_post("earn", 100, "Order S010")
        # Stock code (even as the system) and clients alike: the balance is the ledger's.
        with self.assertRaisesRegex(AccessError, "changes only through its points ledger"):
            self.card.sudo().points = 130
        with self.assertRaisesRegex(AccessError, "changes only through its points ledger"):
            self.card.sudo().with_context(clinic_ledger_internal=True, clinic_server_write=True).write({"points": 90})
        # Writing the value it already has (Odoo adds 0 points to a card) is no change.
        self.card.sudo().write({"points": 100})
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 100)
        self.assertBalanceIsLedgerSum(self.card)

    def test_manager_adjusts_with_a_reason_cashier_cannot(self):
        self.card._clinic_post("earn", 100, "Order S011")
        card_as_manager = self.card.with_user(self.manager)
        line = card_as_manager.action_clinic_adjust(-30, "Duplicate bonus for visit of 3 March")
        self.assertEqual((line.kind, line.points, line.user_id), ("adjust", -30, self.manager))
        self.assertEqual(self.card.points, 70)
        with self.assertRaisesRegex(UserError, "Say why the balance"):
            card_as_manager.action_clinic_adjust(10, "  ")

        with self.assertRaisesRegex(AccessError, "Only a loyalty manager can adjust"):
            self.card.with_user(self.cashier).action_clinic_adjust(500, "Friend of mine")
        # The stock "update balance" screen is the same adjustment, with the same rule.
        wizard = (
            self.env["loyalty.card.update.balance"]
            .with_user(self.cashier)
            .create({"card_id": self.card.id, "new_balance": 1000, "description": "Gift"})
        )
        with self.assertRaisesRegex(AccessError, "Only a loyalty manager can adjust"):
            wizard.action_update_card_point()
        self.assertEqual(self.card.points, 70)

        with Form(
            self.env["loyalty.card.update.balance"].with_user(self.manager).with_context(default_card_id=self.card.id)
        ) as form:
            form.new_balance = 100
            form.description = "Compensation for a cancelled appointment"
        form.record.action_update_card_point()
        adjustment = self.card.clinic_ledger_ids.sorted("id")[-1]
        self.assertEqual((adjustment.points, adjustment.reason), (30, "Compensation for a cancelled appointment"))
        self.assertBalanceIsLedgerSum(self.card)

    def test_existing_balances_open_the_ledger_on_install(self):
        # A card holding points before the module was installed, without any ledger line.
        card = self.card
        self.env.cr.execute("UPDATE loyalty_card SET points = 42 WHERE id = %s", [card.id])
        card.invalidate_recordset()
        post_init_hook(self.env)
        opening = card.clinic_ledger_ids
        self.assertEqual((opening.kind, opening.points, opening.remaining_points), ("adjust", 42, 42))
        post_init_hook(self.env)
        card.invalidate_recordset()
        self.assertEqual(len(card.clinic_ledger_ids), 1)
        self.assertBalanceIsLedgerSum(card)
