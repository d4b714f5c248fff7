from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestBonusRules(ClinicBonusCommon):
    def _earn(self, lines, partner=None):
        order = self._order(lines, partner=partner)
        order.action_confirm()
        return order.clinic_points_earned

    def test_category_rates_and_exclusions_apply_to_subcategories(self):
        implant = self._service("Implant", 1000.0, self.categ_implants)
        cream = self._service("Cream", 1000.0, self.categ_cosmetics)
        self.program.clinic_category_rate_ids = [
            (0, 0, {"categ_id": self.categ_dental.id, "rate": 4}),
            (0, 0, {"categ_id": self.categ_cosmetics.id, "excluded": True}),
        ]
        # Consultation (Dental, 2200) 4%, implant (Dental/Implants) 4%, cream excluded.
        self.assertEqual(self._earn([(self.service, 1), (implant, 1), (cream, 1)]), 128)
        # A deeper rule wins over its parent's.
        self.program.clinic_category_rate_ids = [(0, 0, {"categ_id": self.categ_implants.id, "rate": 1})]
        self.assertEqual(self._earn([(self.service, 1), (implant, 1)]), 88 + 10)

    def test_a_changed_rate_or_a_new_subcategory_prices_the_next_order(self):
        """The rates are cached per programme: each change of a rate or of the category
        tree applies to the next order all the same."""
        rule = self.env["clinic.loyalty.category.rate"].create(
            {"program_id": self.program.id, "categ_id": self.categ_dental.id, "rate": 4}
        )
        self.assertEqual(self._earn([(self.service, 1)]), 88)
        rule.rate = 5
        self.assertEqual(self._earn([(self.service, 1)]), 110)
        rule.excluded = True
        self.assertEqual(self._earn([(self.service, 1)]), 0)
        rule.excluded = False
        # A subcategory created after the cache was filled inherits its parent's rate;
        # moved out of the tree, it takes the tier's rate (10%).
        orthodontics = self.env["product.category"].create({"name": "Orthodontics", "parent_id": self.categ_dental.id})
        braces = self._service("Braces", 1000.0, orthodontics)
        self.assertEqual(self._earn([(braces, 1)]), 50)
        orthodontics.parent_id = self.categ_cosmetics
        self.assertEqual(self._earn([(braces, 1)]), 100)
        rule.unlink()
        self.assertEqual(self._earn([(self.service, 1)]), 220)

    def test_rounding_is_down_to_whole_points_unless_configured(self):
        odd = self._service("Check-up", 1237.0, self.categ_dental)
        self.assertEqual(self._earn([(odd, 1)]), 123)
        self.program.clinic_rounding = "half"
        self.assertEqual(self._earn([(odd, 1)]), 124)
        self.program.clinic_rounding = "none"
        self.assertEqual(self._earn([(odd, 1)]), 123.7)

    def test_boost_multiplies_points_between_its_dates(self):
        self.program.write(
            {"clinic_boost_factor": 2, "clinic_boost_date_from": "2026-03-01", "clinic_boost_date_to": "2026-03-08"}
        )
        with freeze_time("2026-02-28"):
            self.assertEqual(self._earn([(self.service, 1)]), 220)
        with freeze_time("2026-03-08"):
            self.assertEqual(self._earn([(self.service, 1)]), 440)
        with freeze_time("2026-03-09"):
            self.assertEqual(self._earn([(self.service, 1)]), 220)
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self.program.clinic_boost_date_to = "2026-02-01"
        with self.assertRaisesRegex(ValidationError, r"are between 0 and 100%\.$"):
            self.program.clinic_earn_rate = 150

    def test_welcome_bonus_when_the_card_is_issued(self):
        self.program.clinic_welcome_points = 300
        patient = self._patient("Welcome Patient", "+7 912 300 0099")
        card = patient.clinic_card_ids
        self.assertEqual(card.points, 300)
        self.assertEqual(card.clinic_ledger_ids.reason, "Welcome bonus")
        patient.action_clinic_enrol()
        self.assertEqual(card.points, 300, "enrolling again gives nothing more")

    def test_birthday_bonus_once_a_year(self):
        self.program.clinic_birthday_points = 500
        with freeze_time("2026-01-10"):
            self.patient.clinic_birth_date = date(1990, 7, 14)
            other = self._patient("Other Patient", "+7 912 300 0098", clinic_birth_date=date(1985, 7, 15))
        Card = self.env["loyalty.card"]
        with freeze_time("2026-07-14"):
            self.assertEqual(Card._cron_clinic_birthday_bonus(), self.card)
            self.assertFalse(Card._cron_clinic_birthday_bonus(), "a second run the same day gives nothing")
        with freeze_time("2027-07-14"):
            self.assertEqual(Card._cron_clinic_birthday_bonus(), self.card)
        self.assertEqual(self.card.points, 1000)
        self.assertEqual(other.clinic_card_ids.points, 0)

    def test_birthday_bonus_runs_in_batches(self):
        self.program.clinic_birthday_points = 100
        with freeze_time("2026-01-10"):
            patients = self.env["res.partner"].create(
                [{"name": f"July {i}", "is_patient": True, "clinic_birth_date": date(1990, 7, 14)} for i in range(3)]
            )
        Card = self.env["loyalty.card"]
        with freeze_time("2026-07-14"):
            # Two a call: the scheduler calls again while patients remain.
            self.assertEqual(len(Card._cron_clinic_birthday_bonus(batch_size=2)), 2)
            self.assertEqual(len(Card._cron_clinic_birthday_bonus(batch_size=2)), 1)
            self.assertFalse(Card._cron_clinic_birthday_bonus(batch_size=2))
        self.assertEqual(patients.clinic_card_ids.mapped("points"), [100.0] * 3)

    def test_birthday_bonus_waits_after_a_date_typed_at_the_desk(self):
        # A cashier types today's date as the birthday: the bonus waits the programme's days
        # (30 by default), so the birthday must be a real one, a year later.
        self.program.clinic_birthday_points = 500
        self.assertEqual(self.program.clinic_birthday_wait_days, 30)
        Card = self.env["loyalty.card"]
        with freeze_time("2026-07-14"):
            self.patient.clinic_birth_date = date(1990, 7, 14)
            self.assertEqual(self.patient.clinic_birth_date_set_on, date(2026, 7, 14))
            self.assertFalse(Card._cron_clinic_birthday_bonus())
        with freeze_time("2026-08-13"):
            # Changed again 30 days later to that day: still nothing.
            self.patient.clinic_birth_date = date(1990, 8, 13)
            self.assertFalse(Card._cron_clinic_birthday_bonus())
        with freeze_time("2027-08-13"):
            self.assertEqual(Card._cron_clinic_birthday_bonus(), self.card)
        self.assertEqual(self.card.points, 500)

    def test_birthday_bonus_once_a_year_per_patient_not_per_card(self):
        self.program.clinic_birthday_points = 500
        with freeze_time("2026-01-10"):
            self.patient.clinic_birth_date = date(1990, 7, 14)
        Card = self.env["loyalty.card"]
        with freeze_time("2026-07-14"):
            self.assertEqual(Card._cron_clinic_birthday_bonus(), self.card)
            # The card archived by a manager and the patient enrolled again: a new card,
            # and no second birthday bonus that year.
            self.card.action_archive()
            self.patient.action_clinic_enrol()
            new_card = self.patient.clinic_card_ids.filtered("active")
            self.assertTrue(new_card and new_card != self.card)
            self.assertFalse(Card._cron_clinic_birthday_bonus())
        self.assertEqual(
            new_card.clinic_ledger_ids.filtered(lambda line: "birthday" in (line.source_key or "")),
            self.env["clinic.loyalty.ledger"],
        )

    def test_fixed_card_discount_limited_to_categories(self):
        self.program.write(
            {
                "clinic_discount_mode": "fixed",
                "clinic_discount_percent": 10,
                "clinic_discount_categ_ids": self.categ_dental.ids,
            }
        )
        implant = self._service("Implant", 1000.0, self.categ_implants)
        cream = self._service("Cream", 1000.0, self.categ_cosmetics)
        order = self._order([(implant, 1), (cream, 1)])
        self.assertEqual(order.order_line.mapped("discount"), [10, 0])
        # Points are earned on what is paid after the discount.
        order.action_confirm()
        self.assertEqual(order.clinic_points_earned, 190)

    def test_discount_scale_rises_with_cumulative_spend_from_the_next_visit(self):
        self.program.write(
            {
                "clinic_discount_mode": "scale",
                "clinic_discount_step_ids": [
                    (0, 0, {"threshold": 3000, "percent": 3}),
                    (0, 0, {"threshold": 6000, "percent": 5}),
                ],
            }
        )
        first = self._order([(self.service, 2)])
        self.assertEqual(first.order_line.discount, 0, "4400 spent only once the order is paid")
        first.action_confirm()
        self.assertEqual(self.card.clinic_total_spend, 4400)
        second = self._order([(self.service, 1)])
        self.assertEqual(second.order_line.discount, 3)
        second.action_confirm()
        self.assertEqual(self.card.clinic_total_spend, 4400 + 2134)
        self.assertEqual(self._order([(self.service, 1)]).order_line.discount, 5)

    def test_a_patient_without_card_earns_nothing_and_is_not_refused(self):
        stranger = self.env["res.partner"].create({"name": "Walk-in"})
        order = self._order([(self.service, 1)], partner=stranger)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.clinic_ledger_ids)
