from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestTiers(ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write(
            {
                "clinic_tier_ids": [
                    (0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 3}),
                    (0, 0, {"name": "Silver", "threshold": 50000, "earn_rate": 5}),
                    (0, 0, {"name": "Gold", "threshold": 150000, "earn_rate": 7}),
                ]
            }
        )
        cls.bronze, cls.silver, cls.gold = cls.program.clinic_tier_ids
        cls.treatment = cls._service("Treatment", 10000.0, cls.categ_dental)

    def _buy(self, amount):
        order = self._order([(self.treatment, 1, amount)])
        order.action_confirm()
        self.card.invalidate_recordset()
        return order.clinic_points_earned

    def test_rates_before_and_after_crossing_from_the_next_order(self):
        self.assertEqual(self.program.clinic_tier_upgrade, "next_order")
        self.assertEqual(self._buy(40000), 1200, "3% in Bronze")
        self.assertEqual(self.card.clinic_tier_id, self.bronze)
        self.assertEqual(self.card.clinic_next_tier_id, self.silver)
        self.assertEqual(self.card.clinic_amount_to_next_tier, 10000)
        self.assertEqual(self.card.clinic_tier_progress, 80)

        self.assertEqual(self._buy(20000), 600, "the order crossing 50,000 still earns 3%")
        self.assertEqual(self.card.clinic_tier_id, self.silver)
        self.assertEqual(self._buy(10000), 500, "5% from the next order")
        self.assertEqual(self._buy(100000), 5000, "crossing 150,000: still 5%")
        self.assertEqual(self.card.clinic_tier_id, self.gold)
        self.assertEqual(self._buy(10000), 700, "7% in Gold")

        history = self.card.clinic_tier_history_ids.sorted("id")
        self.assertEqual(
            [(h.old_tier_id, h.new_tier_id, h.direction) for h in history],
            [
                (self.env["clinic.loyalty.tier"], self.bronze, "start"),
                (self.bronze, self.silver, "up"),
                (self.silver, self.gold, "up"),
            ],
        )
        self.assertEqual(history[1].spend, 60000)
        sms = self.env["sms.sms"].search([("partner_id", "=", self.patient.id), ("body", "like", "tier")])
        self.assertEqual(
            [body.split("; ", 3)[-1] for body in sms.mapped("body")],
            ["your tier is now Gold", "your tier is now Silver"],
            "one message per visit says the points and the new tier; a first tier is not news",
        )

    def test_rate_of_the_new_tier_applies_to_the_crossing_order_when_configured(self):
        self.program.clinic_tier_upgrade = "this_order"
        self.assertEqual(self._buy(40000), 1200)
        self.assertEqual(self._buy(20000), 1000, "the crossing order earns Silver's 5%")
        self.assertEqual(self.card.clinic_tier_id, self.silver)

    def test_tier_discount_applies_from_the_next_visit(self):
        self.silver.discount_percent = 2
        self._buy(60000)
        self.assertEqual(self.card.clinic_discount_percent, 2)
        order = self._order([(self.treatment, 1)])
        self.assertEqual(order.order_line.discount, 2)
        self.assertEqual(order.amount_total, 9800)

    def test_nightly_recomputation_downgrades_when_the_window_no_longer_qualifies(self):
        self.program.clinic_tier_window_months = 12
        with freeze_time("2025-01-10"):
            self._buy(60000)
        with freeze_time("2025-06-01"):
            self._buy(5000)
        self.assertEqual(self.card.clinic_tier_id, self.silver)
        Card = self.env["loyalty.card"]

        with freeze_time("2025-12-01"):
            Card._cron_clinic_recompute_tiers()
            self.assertEqual(self.card.clinic_tier_id, self.silver, "still 65,000 within 12 months")
        with freeze_time("2026-02-01"):
            Card._cron_clinic_recompute_tiers()
            self.card.invalidate_recordset()
            self.assertEqual(self.card.clinic_tier_id, self.bronze, "the 60,000 order left the window")
            self.assertEqual(self.card.clinic_qualifying_spend, 5000)
            self.assertEqual(self.card.clinic_total_spend, 65000)
            self.assertEqual(Card._cron_clinic_recompute_tiers(), 0, "re-running the same day does nothing")
        # The recomputation leaves the telling to its own job, once per change.
        downgrade_sms = [("partner_id", "=", self.patient.id), ("body", "=", "Your tier is now Bronze")]
        self.assertFalse(self.env["sms.sms"].search(downgrade_sms))
        History = self.env["clinic.loyalty.tier.history"]
        self.assertEqual(History._cron_clinic_notify_tier_changes().card_id, self.card)
        self.assertFalse(History._cron_clinic_notify_tier_changes())
        self.assertEqual(len(self.env["sms.sms"].search(downgrade_sms)), 1)
        downgrade = self.card.clinic_tier_history_ids.sorted("id")[-1]
        self.assertEqual(
            (downgrade.old_tier_id, downgrade.new_tier_id, downgrade.direction), (self.silver, self.bronze, "down")
        )
        self.assertEqual(len(self.card.clinic_tier_history_ids.filtered(lambda h: h.direction == "down")), 1)

    def test_recomputation_runs_in_batches(self):
        patients = self.env["res.partner"].create([{"name": f"Tier {i}", "is_patient": True} for i in range(5)])
        Card = self.env["loyalty.card"]
        with freeze_time("2026-05-01"):
            batches = [Card._cron_clinic_recompute_tiers(batch_size=4)]
            while batches[-1]:
                batches.append(Card._cron_clinic_recompute_tiers(batch_size=4))
        self.assertTrue(all(size <= 4 for size in batches), batches)
        self.assertGreaterEqual(sum(batches), 6, "the patient and the five new ones, at least")
        self.assertGreater(len(batches), 2)
        self.assertEqual(patients.clinic_card_ids.mapped("clinic_tier_id"), self.bronze)
        self.assertEqual(set(patients.clinic_card_ids.mapped("clinic_tier_checked_on")), {date(2026, 5, 1)})
