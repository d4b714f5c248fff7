from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestExpiryReminders(ClinicBonusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.clinic_expiry_reminder_days = 5

    def _remind(self):
        return self.env["loyalty.card"]._cron_clinic_send_expiry_reminders()

    def _sms(self):
        return self.env["sms.sms"].search([("partner_id", "=", self.patient.id)], order="id")

    def test_reminder_sent_once_five_days_before_with_the_amount(self):
        self._give(600, expiry_date=date(2026, 6, 15))
        self._give(400, expiry_date=date(2026, 6, 15))
        self._give(100, expiry_date=date(2026, 9, 1))
        self.card._clinic_post("spend", -100, "Visit")  # taken from the first lot

        with freeze_time("2026-06-09"):
            self.assertFalse(self._remind(), "6 days before: not yet")
        with freeze_time("2026-06-10"):
            reminder = self._remind()
            self.assertEqual((reminder.points, reminder.days, reminder.expiry_date), (900, 5, date(2026, 6, 15)))
            self.assertFalse(self._remind(), "sent once")
        with freeze_time("2026-06-11"):
            self.assertFalse(self._remind(), "not again the next day")

        self.assertEqual(self._sms().mapped("body"), ["900 points expire in 5 days"])
        mail = self.env["mail.mail"].search([("model", "=", "clinic.loyalty.reminder"), ("res_id", "=", reminder.id)])
        self.assertIn("900 points expire in 5 days", mail.subject)
        self.assertTrue(reminder.sent_email and reminder.sent_sms)

    def test_a_late_run_still_reminds_with_the_days_left(self):
        self._give(300, expiry_date=date(2026, 6, 15))
        with freeze_time("2026-06-13"):
            self.assertEqual(self._remind().points, 300)
        self.assertEqual(self._sms().body, "300 points expire in 2 days")

    def test_no_reminder_for_spent_points_or_without_consent(self):
        self._give(300, expiry_date=date(2026, 6, 15))
        self.card._clinic_post("spend", -300, "Visit")
        other = self._patient("Quiet Patient", "+7 912 300 0097", clinic_consent_reminders=False)
        other.clinic_card_ids._clinic_post("earn", 50, "Opening", expiry_date=date(2026, 6, 15))
        with freeze_time("2026-06-10"):
            reminders = self._remind()
        self.assertEqual(reminders.card_id, other.clinic_card_ids, "recorded, so not retried")
        self.assertFalse(reminders.sent_sms or reminders.sent_email)
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "in", (self.patient | other).ids)]))
