"""Scheduled actions of packages: expiry, and the patient reminded once before it and once
when one session is left, only when they accept care reminders."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageScheduledActions(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.env.user.sudo().groups_id = [(4, cls.env.ref("clinic_loyalty.group_clinic_loyalty_user").id)]
        cls._setup_package(cls.company)
        cls.package_product.write({"clinic_package_remind_days": 14, "clinic_package_remind_last": True})
        cls._setup_clinic_program(cls.company, clinic_notify_email=True)
        cls.patient.sudo().write({"email": "package@example.com", "clinic_consent_reminders": True})
        sale = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )
        sale.action_confirm()
        cls.package = cls.env["clinic.package"].sudo().search([("partner_id", "=", cls.patient.id)])
        cls.today = fields.Date.context_today(cls.package)

    def _mails(self):
        reminders = self.env["clinic.package.reminder"].sudo().search([("package_id", "=", self.package.id)])
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "clinic.package.reminder"), ("res_id", "in", reminders.ids)])
        )

    def test_a_package_past_its_last_day_expires_once(self):
        Package = self.env["clinic.package"]
        self.package.date_end = self.today
        self.assertFalse(Package._cron_clinic_expire_packages() & self.package, "valid on its last day")
        self.package.date_end = self.today - relativedelta(days=1)
        self.assertEqual(Package._cron_clinic_expire_packages() & self.package, self.package)
        self.assertEqual(self.package.state, "expired")
        self.assertFalse(Package._cron_clinic_expire_packages() & self.package)

    def test_the_patient_is_reminded_once_before_expiry(self):
        Package = self.env["clinic.package"]
        self.package.date_end = self.today + relativedelta(days=15)
        self.assertFalse(Package._cron_clinic_package_reminders(), "15 days before: not yet")
        self.package.date_end = self.today + relativedelta(days=14)
        reminders = Package._cron_clinic_package_reminders()
        self.assertEqual(reminders.mapped("kind"), ["expiry"])
        self.assertEqual(reminders.sessions_left, 13)
        self.assertIn("13 sessions left, valid until", reminders.text)
        mail = self._mails()
        self.assertEqual((len(mail), mail.state), (1, "outgoing"))
        self.assertIn(self.package.code, mail.subject)
        self.assertIn("13 sessions left", mail.body_html)
        self.assertFalse(Package._cron_clinic_package_reminders(), "reminded once")
        self.assertEqual(len(self._mails()), 1)
        # A new last day (a package valid from its first visit, extended) is a new reminder.
        self.package.date_end = self.today + relativedelta(days=10)
        self.assertEqual(Package._cron_clinic_package_reminders().mapped("kind"), ["expiry"])

    def test_the_patient_is_reminded_once_when_one_session_is_left(self):
        Package = self.env["clinic.package"]
        visit = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.massage.id, "product_uom_qty": 10, "clinic_package_id": self.package.id},
                    ),
                    (
                        0,
                        0,
                        {"product_id": self.acupuncture.id, "product_uom_qty": 1, "clinic_package_id": self.package.id},
                    ),
                ],
            }
        )
        visit.action_confirm()
        self.assertEqual(self.package.sessions_left, 2)
        self.assertFalse(Package._cron_clinic_package_reminders())
        last = self.env["sale.order"].create(
            {
                "partner_id": self.patient.id,
                "order_line": [(0, 0, {"product_id": self.acupuncture.id, "clinic_package_id": self.package.id})],
            }
        )
        last.action_confirm()
        reminders = Package._cron_clinic_package_reminders()
        self.assertEqual(reminders.mapped("kind"), ["last_session"])
        self.assertIn("one session left", reminders.text)
        self.assertEqual(len(self._mails()), 1)
        self.assertFalse(Package._cron_clinic_package_reminders(), "reminded once")

    def test_a_patient_who_refuses_care_reminders_gets_none(self):
        self.patient.sudo().clinic_consent_reminders = False
        self.package.date_end = self.today + relativedelta(days=3)
        reminders = self.env["clinic.package"]._cron_clinic_package_reminders()
        self.assertEqual(len(reminders), 1, "recorded, so the next run does not choose it again")
        self.assertFalse(self._mails())
        self.assertFalse(reminders.sent_email)
