from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import ClinicBonusCommon


@tagged("post_install", "-at_install")
class TestRecall(ClinicBonusCommon):
    """Recall cycles: a cleaning every 180 days, called 14 days ahead, 30 days of grace,
    50 points for coming back in time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cleaning = cls._service("Hygiene Cleaning", 3000.0, cls.categ_dental)
        cls.cleaning.product_tmpl_id.write({"clinic_recall_days": 180, "clinic_recall_points": 50})
        cls.company.write({"clinic_recall_lead_days": 14, "clinic_recall_grace_days": 30})
        cls.refusing = cls._patient(
            "Boris Refusing", "+7 912 000 0001", email="boris@example.com", clinic_consent_reminders=False
        )
        cls.Recall = cls.env["clinic.loyalty.recall"]
        cls.recall_type = cls.env.ref("clinic_loyalty.mail_activity_type_clinic_recall")

    def _paid(self, partner, product=None, user=None):
        order = self._order([(product or self.cleaning, 1)], partner=partner)
        order.user_id = user or self.cashier
        order.action_confirm()
        return order

    def _recalls(self, partner=None):
        return self.Recall.search([("partner_id", "=", (partner or self.patient).id)])

    def test_recall_created_once_assigned_and_closed_by_the_visit(self):
        self.company.write({"clinic_recall_email": True, "clinic_recall_sms": True})
        with freeze_time("2026-01-10"):
            self._paid(self.patient)
            self._paid(self.refusing)
        with freeze_time("2026-06-24"):
            # Due 2026-07-09 (10 January + 180 days): 14 days ahead is 25 June, not yet.
            self.assertFalse(self.Recall._cron_clinic_create_recalls())
        sms_before = self.env["sms.sms"].search_count([])
        with freeze_time("2026-06-25"):
            recalls = self.Recall._cron_clinic_create_recalls()
            self.assertEqual(len(recalls), 2)
            # Twice: nothing new.
            self.assertFalse(self.Recall._cron_clinic_create_recalls())
        recall = self._recalls()
        self.assertEqual(len(recall), 1)
        self.assertEqual((recall.last_visit_date, recall.due_date), (date(2026, 1, 10), date(2026, 7, 9)))
        # The patient's usual staff: the salesperson of their last paid order.
        self.assertEqual(recall.user_id, self.cashier)
        self.assertEqual(len(recall.activity_ids), 1)
        self.assertEqual(recall.activity_ids.activity_type_id, self.recall_type)
        self.assertEqual(recall.activity_ids.user_id, self.cashier)
        self.assertTrue(recall.sent_email and recall.sent_sms)
        sms = self.env["sms.sms"].search([], order="id desc", limit=1)
        self.assertEqual(self.env["sms.sms"].search_count([]), sms_before + 1, "the refusing patient gets none")
        self.assertNotIn("Cleaning", sms.body, "messages do not name the treatment by default")
        # The patient refusing care reminders is listed, but nobody calls or writes to them.
        refused = self._recalls(self.refusing)
        self.assertEqual(len(refused), 1)
        self.assertFalse(refused.activity_ids)
        self.assertFalse(refused.sent_email or refused.sent_sms)

        with freeze_time("2026-07-20"):
            order = self._paid(self.patient)
            self.assertFalse(self.Recall._cron_clinic_create_recalls(), "the next cleaning is due in 2027")
        self.assertEqual((recall.state, recall.closed_by), ("done", "paid"))
        self.assertFalse(recall.activity_ids, "the call activity is closed")
        self.assertTrue(any("The patient came back." in (body or "") for body in recall.message_ids.mapped("body")))
        # 20 July is within 9 July + 30 days of grace: the reward, once.
        self.assertEqual(recall.reward_line_id.points, 50)
        self.assertEqual(recall.reward_line_id.sale_order_id, order)
        self.assertEqual(recall.reward_line_id.source_key, f"recall:{recall.id}")
        order._clinic_post_loyalty()
        self.assertEqual(
            self.card.clinic_ledger_ids.filtered(lambda line: line.source_key == f"recall:{recall.id}").points, 50
        )

        # Cancelling the order takes the reward back with the order's points.
        order._action_cancel()
        reversal = self.env["clinic.loyalty.ledger"].search([("reversed_line_id", "=", recall.reward_line_id.id)])
        self.assertEqual(reversal.points, -50)

    def test_booking_closes_the_recall_and_paying_late_earns_nothing(self):
        with freeze_time("2026-01-10"):
            self._paid(self.patient)
        with freeze_time("2026-07-01"):
            recall = self.Recall._cron_clinic_create_recalls()
            activity = recall.activity_ids
            self.assertTrue(activity)
            quotation = self._order([(self.cleaning, 1)])
        self.assertEqual((recall.state, recall.closed_by), ("done", "booked"))
        self.assertFalse(activity.exists())
        # Paid on 9 August: 9 July + 30 days is 8 August, the grace is over.
        with freeze_time("2026-08-09"):
            quotation.action_confirm()
        self.assertEqual(recall.closed_by, "paid")
        self.assertFalse(recall.reward_line_id)

    def test_recall_team_in_turn_and_category_delay(self):
        caller_a = new_test_user(
            self.env, login="recall_a", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user"
        )
        caller_b = new_test_user(
            self.env, login="recall_b", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user"
        )
        self.company.write(
            {"clinic_recall_assignment": "team", "clinic_recall_user_ids": [(6, 0, [caller_a.id, caller_b.id])]}
        )
        self.categ_cosmetics.clinic_recall_days = 30
        peel = self._service("Peel", 1000.0, self.categ_cosmetics)
        patients = [self._patient(f"Team Patient {n}", f"+7 912 000 01{n}0") for n in range(3)]
        with freeze_time("2026-03-01"):
            for patient in patients:
                self._paid(patient, peel)
        with freeze_time("2026-03-25"):
            recalls = self.Recall._cron_clinic_create_recalls()
        self.assertEqual(recalls.mapped("due_date"), [date(2026, 3, 31)] * 3)
        self.assertEqual([r.user_id for r in recalls.sorted(lambda r: r.partner_id.id)], [caller_a, caller_b, caller_a])

    def test_cashier_cannot_create_or_change_recalls(self):
        with freeze_time("2026-01-10"):
            self._paid(self.patient)
        with freeze_time("2026-07-01"):
            recall = self.Recall._cron_clinic_create_recalls()
        with self.assertRaises(AccessError):
            self.Recall.with_user(self.cashier).create(
                {
                    "partner_id": self.patient.id,
                    "company_id": self.company.id,
                    "product_id": self.cleaning.id,
                    "last_visit_date": "2026-01-01",
                    "due_date": "2026-02-01",
                }
            )
        with self.assertRaises(AccessError):
            recall.with_user(self.cashier).action_cancel()
        self.assertEqual(recall.state, "due")
        recall.with_user(self.manager).action_cancel()
        self.assertEqual(recall.state, "cancelled")
        self.assertFalse(recall.activity_ids)


@tagged("post_install", "-at_install")
class TestRecallPos(TestPoSCommon):
    """Recalls from and closed by POS orders synced as the browser sends them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(su=True)
        cls.config = cls.basic_config
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Clinic POS Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": cls.company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_earn_trigger": "confirm",
                "clinic_earn_rate": 10,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
            }
        )
        cls.company.write(
            {"clinic_loyalty_program_id": cls.program.id, "clinic_recall_lead_days": 14, "clinic_recall_grace_days": 30}
        )
        cls.cleaning = cls.create_product("Hygiene Cleaning", cls.categ_basic, 3000.0, tax_ids=[])
        cls.cleaning.product_tmpl_id.write({"clinic_recall_days": 10, "clinic_recall_points": 50})
        cls.patient = cls.env["res.partner"].create({"name": "POS Recall Patient", "is_patient": True})
        cls.card = cls.patient.clinic_card_ids

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sync(self, lines):
        result = self.env["pos.order"].sync_from_ui([self.create_ui_order_data(lines, customer=self.patient)])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def test_a_fully_refunded_visit_is_not_recalled(self):
        order = self._sync([(self.cleaning, 1)])
        line = order.lines.filtered(lambda line: line.product_id == self.cleaning)
        self._sync([{"product": self.cleaning, "quantity": -1, "refunded_orderline_id": line.id}])
        self.assertFalse(self.env["clinic.loyalty.recall"]._cron_clinic_create_recalls())

    def test_a_paid_pos_order_closes_the_recall_and_earns_the_reward(self):
        today = fields.Date.context_today(self.env["res.partner"])
        recall = (
            self.env["clinic.loyalty.recall"]
            .sudo()
            .create(
                {
                    "partner_id": self.patient.id,
                    "company_id": self.company.id,
                    "product_id": self.cleaning.id,
                    "last_visit_date": today - timedelta(days=175),
                    "due_date": today + timedelta(days=5),
                    "user_id": self.env.user.id,
                }
            )
        )
        recall._clinic_schedule_calls()
        self.assertTrue(recall.activity_ids)
        order = self._sync([(self.cleaning, 1)])
        self.assertEqual(order.state, "paid")
        self.assertEqual((recall.state, recall.closed_by), ("done", "paid"))
        self.assertFalse(recall.activity_ids)
        self.assertEqual(recall.reward_line_id.points, 50)
        self.assertEqual(recall.reward_line_id.pos_order_id, order)
        # 10% of 3000 earned by the order, plus the 50 of the recall.
        self.assertEqual(self.card.points, 350)
        # The visit just paid is due again in 10 days, within the 14 days ahead: recalled once.
        created = self.env["clinic.loyalty.recall"]._cron_clinic_create_recalls()
        self.assertEqual(created.due_date, today + timedelta(days=10))
        self.assertEqual(created.last_visit_date, today)
        self.assertFalse(self.env["clinic.loyalty.recall"]._cron_clinic_create_recalls())
