from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import RpcCallMixin

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


class MetricsCase(TestPoSCommon):
    """Programme metrics on a hand-made month (March 2026), from sales and POS orders.

    Patients (active window 12 months; March's "start" window is 2025-03-01..2026-02-28,
    its "end" window 2025-04-01..2026-03-31):

    - P1 (pilot): sale 1000 on 2025-06-10; on 2026-03-05 a sale of 300 and a POS order of 200
      (one visit of 500); on 2026-03-20 a POS order of 400 of which 100 is refunded (300).
    - P2: sale 600 on 2025-03-20; POS order of 1000 on 2026-03-10, fully refunded (no visit).
    - P3: sale 900 on 2024-12-01 (lapsed); sale 700 on 2026-03-15.
    - P4 (pilot): first visit ever, POS 500 on 2026-03-25 (new in March).
    - P5: sale 200 on 2025-03-10, nothing since.
    - P6: sale 800 on 2026-04-02, after the period.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Clinic Metrics Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": cls.company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_earn_trigger": "confirm",
                "clinic_earn_rate": 10,
                "clinic_points_validity_months": 12,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 0.5})],
            }
        )
        cls.company.clinic_loyalty_program_id = cls.program
        cls.pilot_tag = cls.env["res.partner.category"].create({"name": "Pilot"})
        cls.company.write({"clinic_pilot_tag_id": cls.pilot_tag.id, "clinic_active_patient_months": 12})
        cls.hundred = cls.create_product("Hygiene", cls.categ_basic, 100.0, tax_ids=[])
        Partner = cls.env["res.partner"].sudo()
        cls.p1 = Partner.create({"name": "P1", "is_patient": True, "category_id": [(4, cls.pilot_tag.id)]})
        cls.p2 = Partner.create({"name": "P2", "is_patient": True})
        cls.p3 = Partner.create({"name": "P3", "is_patient": True})
        cls.p4 = Partner.create({"name": "P4", "is_patient": True, "category_id": [(4, cls.pilot_tag.id)]})
        cls.p5 = Partner.create({"name": "P5", "is_patient": True})
        cls.p6 = Partner.create({"name": "P6", "is_patient": True})
        cls.Metric = cls.env["clinic.loyalty.metric"].sudo()

    def setUp(self):
        super().setUp()
        self.open_new_session()
        self._sale(self.p1, 1000, "2025-06-10")
        self._sale(self.p1, 300, "2026-03-05 09:00")
        self._pos(self.p1, 200, "2026-03-05 16:00")
        partly = self._pos(self.p1, 400, "2026-03-20")
        self._refund(partly, 100, "2026-03-22")
        self._sale(self.p2, 600, "2025-03-20")
        fully = self._pos(self.p2, 1000, "2026-03-10")
        self._refund(fully, 1000, "2026-03-11")
        self._sale(self.p3, 900, "2024-12-01")
        self._sale(self.p3, 700, "2026-03-15")
        self._pos(self.p4, 500, "2026-03-25")
        self._sale(self.p5, 200, "2025-03-10")
        self._sale(self.p6, 800, "2026-04-02")

    # Helpers ---------------------------------------------------------------------------

    def _dated(self, record, when):
        when = datetime.fromisoformat(when if " " in when else f"{when} 10:00")
        record.flush_recordset()
        self.env.cr.execute(
            SQL("UPDATE %s SET date_order = %s WHERE id = %s", SQL.identifier(record._table), when, record.id)
        )
        record.invalidate_recordset()
        return record

    def _sale(self, partner, amount, when):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "order_line": [(0, 0, {"product_id": self.hundred.id, "product_uom_qty": amount / 100})],
            }
        )
        order.action_confirm()
        return self._dated(order, when)

    def _pos(self, partner, amount, when):
        data = self.create_ui_order_data([(self.hundred, amount / 100)], customer=partner)
        result = self.env["pos.order"].sync_from_ui([data])
        return self._dated(self.env["pos.order"].browse(result["pos.order"][0]["id"]), when)

    def _refund(self, order, amount, when):
        line = order.lines[:1]
        data = self.create_ui_order_data(
            [{"product": self.hundred, "quantity": -amount / 100, "refunded_orderline_id": line.id}],
            customer=order.partner_id,
        )
        result = self.env["pos.order"].sync_from_ui([data])
        return self._dated(self.env["pos.order"].browse(result["pos.order"][0]["id"]), when)

    def _figures(self, group="all"):
        return self.Metric._clinic_compute_figures(self.company, [MARCH])[0, group]


@tagged("post_install", "-at_install")
class TestMetrics(MetricsCase):
    def test_march_figures_of_all_patients(self):
        figures = self._figures()
        # At start (visit 2025-03-01..2026-02-28): P1 (2025-06-10), P2 (2025-03-20), P5 (2025-03-10) = 3.
        self.assertEqual(figures["patients_start"], 3)
        # At end (visit 2025-04-01..2026-03-31): P1, P3 (2026-03-15), P4 (2026-03-25) = 3; P2 and
        # P5 lapsed (their March order was refunded in full / they did not come).
        self.assertEqual(figures["patients_end"], 3)
        # Paying in March: P1, P3, P4 = 3 (P2's fully refunded order is no visit).
        self.assertEqual(figures["paying_patients"], 3)
        # New in March: P4 only (P3's first visit was in 2024).
        self.assertEqual(figures["new_patients"], 1)
        # Visits: P1 2 (two orders on 03-05 are one visit; 03-20), P3 1, P4 1 = 4.
        self.assertEqual(figures["visits"], 4)
        # Revenue: P1 (300 + 200) + (400 - 100) = 800, P3 700, P4 500 = 2000.
        self.assertAlmostEqual(figures["revenue"], 2000.0)
        # RPR = patients with 2+ visits / paying = 1 (P1) / 3 = 33.33 %.
        self.assertAlmostEqual(figures["repeat_purchase_rate"], 100.0 / 3)
        # AOV = net amount / visits = 2000 / 4 = 500.
        self.assertAlmostEqual(figures["average_order_value"], 500.0)
        # CRR = (patients at end - new) / patients at start = (3 - 1) / 3 = 66.67 %.
        self.assertAlmostEqual(figures["retention_rate"], 200.0 / 3)

    def test_pilot_group_against_the_rest(self):
        pilot = self._figures("pilot")
        # Pilot (P1, P4): start P1 = 1; end P1, P4 = 2; paying 2; repeat P1 = 1; new P4 = 1;
        # visits 2 + 1 = 3; revenue 800 + 500 = 1300.
        self.assertEqual(
            [pilot[key] for key in ("patients_start", "patients_end", "paying_patients", "new_patients", "visits")],
            [1, 2, 2, 1, 3],
        )
        self.assertAlmostEqual(pilot["repeat_purchase_rate"], 50.0)  # 1 / 2
        self.assertAlmostEqual(pilot["average_order_value"], 1300.0 / 3)  # 1300 / 3 = 433.33
        self.assertAlmostEqual(pilot["retention_rate"], 100.0)  # (2 - 1) / 1
        rest = self._figures("rest")
        # Rest (P2, P3, P5, P6): start P2, P5 = 2; end P3 = 1; paying P3 = 1; no new; 1 visit of 700.
        self.assertEqual(
            [rest[key] for key in ("patients_start", "patients_end", "paying_patients", "new_patients", "visits")],
            [2, 1, 1, 0, 1],
        )
        self.assertAlmostEqual(rest["repeat_purchase_rate"], 0.0)  # 0 / 1
        self.assertAlmostEqual(rest["average_order_value"], 700.0)  # 700 / 1
        self.assertAlmostEqual(rest["retention_rate"], 50.0)  # (1 - 0) / 2

    def test_any_date_range_is_one_period(self):
        # 2026-03-05..2026-04-30: visits of P1 (03-05, 03-20), P3, P4 and P6 (04-02) = 5 visits
        # of 500 + 300 + 700 + 500 + 800 = 2800; AOV 2800 / 5 = 560.
        figures = self.Metric._clinic_compute_figures(self.company, [(date(2026, 3, 5), date(2026, 4, 30))])[0, "all"]
        self.assertEqual(figures["visits"], 5)
        self.assertAlmostEqual(figures["average_order_value"], 560.0)

    def test_stored_months_are_tagged_before_and_after_the_launch(self):
        self.company.clinic_program_launch_date = date(2026, 3, 10)
        rows = self.Metric._clinic_recompute(self.company, date(2026, 2, 1), date(2026, 4, 30))
        all_rows = rows.filtered(lambda row: row.group_type == "all").sorted("date_from")
        self.assertEqual(all_rows.mapped("period_label"), ["2026-02", "2026-03", "2026-04"])
        # February ends before the launch, March contains it, April starts after it.
        self.assertEqual(all_rows.mapped("phase"), ["before", "launch", "after"])
        self.assertEqual(len(rows), 9, "all, pilot and rest for each of the 3 months")
        march = all_rows[1]
        self.assertEqual((march.visits, march.revenue), (4, 2000.0))
        # Moving the launch date retags the stored months without recomputing them.
        self.company.clinic_program_launch_date = date(2026, 3, 1)
        self.assertEqual(all_rows.mapped("phase"), ["before", "after", "after"])
        # Recomputing replaces the rows of the same months.
        again = self.Metric._clinic_recompute(self.company, date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual(len(again), 3)
        self.assertEqual(self.Metric.search_count([("company_id", "=", self.company.id)]), 9)
        summary = again.sudo().filtered(lambda row: row.group_type == "all")._clinic_summary_html()
        self.assertIn("2026-03", summary)
        self.assertNotIn("P1", summary, "the summary names no patient")

    def test_the_monthly_email_goes_to_the_loyalty_managers_without_patient_names(self):
        manager = new_test_user(
            self.env,
            login="metrics_mail_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=self.company.id,
            email="manager@example.com",
        )
        with freeze_time("2026-04-05 03:00:00"):
            self.env["clinic.loyalty.metric"].sudo()._cron_clinic_monthly_metrics()
        march = self.Metric.search([("company_id", "=", self.company.id), ("group_type", "=", "all")])
        self.assertEqual(march.mapped("period_label"), ["2026-03"], "last month was recomputed")
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "clinic.loyalty.metric"), ("recipient_ids", "in", manager.partner_id.ids)])
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("2026-03", mail.subject)
        self.assertIn("33.3", mail.body_html, "the repeat purchase rate")
        for name in ("P1", "P2", "P3", "P4", "Hygiene"):
            self.assertNotIn(name, mail.body_html, "no patient and no treatment is named")

    def test_points_issued_spent_expired_and_outstanding(self):
        card = self.p1.sudo().clinic_card_ids.filtered(lambda c: c.program_id == self.program)[:1]
        if not card:
            card = self.env["loyalty.card"].sudo().create({"program_id": self.program.id, "partner_id": self.p1.id})
        # Earned by the orders above: posted today, after March, so outside its figures.
        posted = [
            (card._clinic_post("earn", 100, "Opening"), "2026-02-10"),
            (card._clinic_post("earn", 50, "Visit"), "2026-03-05"),
            (card._clinic_post("spend", -30, "Discount"), "2026-03-12"),
            (card._clinic_post("expire", -20, "Expired"), "2026-03-31"),
            (card._clinic_post("adjust", 5, "Goodwill"), "2026-03-20"),
        ]
        self.env.flush_all()
        for line, day in posted:
            self.env.cr.execute(
                "UPDATE clinic_loyalty_ledger SET date = %s WHERE id = %s", [f"{day} 12:00:00", line.id]
            )
        self.env.invalidate_all()
        figures = self._figures()
        self.assertEqual(figures["points_issued"], 50)  # March's earning only
        self.assertEqual(figures["points_spent"], 30)
        self.assertEqual(figures["points_expired"], 20)
        self.assertEqual(figures["points_adjusted"], 5)
        # Outstanding at the end of March: 100 + 50 - 30 - 20 + 5 = 105; worth 105 x 0.5 = 52.5.
        self.assertEqual(figures["points_outstanding"], 105)
        self.assertAlmostEqual(figures["liability"], 52.5)
        # All of it is the pilot patient P1's.
        self.assertEqual(self._figures("pilot")["points_outstanding"], 105)
        self.assertEqual(self._figures("rest")["points_outstanding"], 0)


@tagged("post_install", "-at_install")
class TestMetricsRpc(RpcCallMixin, HttpCase):
    """Only the server writes metric rows; only loyalty managers recompute them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env,
            login="metrics_cashier",
            password="metrics_cashier",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="metrics_manager",
            password="metrics_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
        )
        cls.row = cls.env["clinic.loyalty.metric"]._clinic_recompute(
            cls.env.company, date(2026, 1, 1), date(2026, 1, 31)
        )[:1]

    def _count(self):
        return self.env["clinic.loyalty.metric"].sudo().search_count([])

    def test_a_cashier_cannot_recompute_or_write_metrics(self):
        before = self._count()
        _result, error, _message = self._rpc(
            self.cashier,
            "clinic.loyalty.metric.recompute",
            "create",
            {"date_from": "2026-01-01", "date_to": "2026-01-31"},
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        _result, error, _message = self._rpc(
            self.cashier, "clinic.loyalty.metric", "write", [self.row.id], {"visits": 99}
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        _result, error, _message = self._rpc(
            self.cashier,
            "clinic.loyalty.metric",
            "create",
            {"company_id": self.env.company.id, "date_from": "2026-02-01", "date_to": "2026-02-28",
             "period_label": "x", "group_type": "all"},
        )  # fmt: skip
        self.assertEqual(error, "odoo.exceptions.AccessError")
        _result, error, _message = self._rpc(
            self.cashier,
            "clinic.loyalty.metric",
            "_clinic_recompute",
            [self.env.company.id],
            "2026-01-01",
            "2026-01-31",
        )
        self.assertTrue(error, "a private method is not callable over RPC")
        self.assertEqual(self._count(), before)
        self.row.invalidate_recordset()
        self.assertNotEqual(self.row.visits, 99)

    def test_a_manager_recomputes_but_cannot_write_rows(self):
        _result, error, _message = self._rpc(
            self.manager, "clinic.loyalty.metric", "write", [self.row.id], {"visits": 99}
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        wizard_id, error, _message = self._rpc(
            self.manager,
            "clinic.loyalty.metric.recompute",
            "create",
            {"date_from": "2026-01-01", "date_to": "2026-02-28"},
        )
        self.assertFalse(error)
        action, error, _message = self._rpc(
            self.manager, "clinic.loyalty.metric.recompute", "action_recompute", [wizard_id]
        )
        self.assertFalse(error, _message)
        self.assertEqual(action["res_model"], "clinic.loyalty.metric")
        self.assertTrue(
            self.env["clinic.loyalty.metric"].sudo().search_count([("period_label", "=", "2026-02")]),
            "February was computed",
        )

    def test_the_manager_opens_the_dashboard(self):
        action, error, message = self._rpc(self.manager, "clinic.loyalty.metric.dashboard", "action_open_dashboard")
        self.assertFalse(error, message)
        records, error, message = self._rpc(
            self.manager, "clinic.loyalty.metric.dashboard", "read", [action["res_id"]], ["summary_html", "metric_id"]
        )
        self.assertFalse(error, message)
        self.assertIn("2026-01", records[0]["summary_html"], "the latest computed month")
        self.assertIn("Repeat purchase rate", records[0]["summary_html"])
        _result, error, _message = self._rpc(self.cashier, "clinic.loyalty.metric.dashboard", "action_open_dashboard")
        self.assertEqual(error, "odoo.exceptions.AccessError")
