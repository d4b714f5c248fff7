"""The programme dashboard explains its figures and adds up its points (issue 26, items 11
and 17): figures read in the transaction that wrote the orders, the last months computed
when nothing was, the wizard on the last complete month, every points movement shown."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .test_metrics import MARCH, MetricsCase


@tagged("post_install", "-at_install")
class TestMetricsDashboard(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="dashboard_manager",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company.id,
        )

    def _ledger(self, card, moves):
        posted = [(card._clinic_post(kind, points, reason), day) for kind, points, reason, day in moves]
        self.env.flush_all()
        for line, day in posted:
            self.env.cr.execute(
                "UPDATE clinic_loyalty_ledger SET date = %s WHERE id = %s", [f"{day} 12:00:00", line.id]
            )
        self.env.invalidate_all()

    def _card(self, partner):
        card = partner.sudo().clinic_card_ids.filtered(lambda c: c.program_id == self.program)[:1]
        return card or self.env["loyalty.card"].sudo().create({"program_id": self.program.id, "partner_id": partner.id})

    def test_orders_written_in_the_same_transaction_are_counted(self):
        """Orders created and paid, then metrics computed, with no flush in between: the SQL
        reads what the ORM has not yet written unless the computation flushes first."""
        today = date.today()
        period = (today.replace(day=1), today)
        before = self.Metric._clinic_compute_figures(self.company, [period])[0, "all"]
        patient = self.env["res.partner"].sudo().create({"name": "Same Transaction", "is_patient": True})
        order = self.env["sale.order"].create(
            {
                "partner_id": patient.id,
                "company_id": self.company.id,
                "order_line": [(0, 0, {"product_id": self.hundred.id, "product_uom_qty": 3})],
            }
        )
        order.action_confirm()
        self._pos(patient, 200, today.isoformat())
        # No flush here: the next order is still pending in the ORM.
        pending = self.env["sale.order"].create(
            {
                "partner_id": self.p5.id,
                "company_id": self.company.id,
                "order_line": [(0, 0, {"product_id": self.hundred.id, "product_uom_qty": 1})],
            }
        )
        pending.action_confirm()
        pending.date_order = f"{today.isoformat()} 09:00:00"
        figures = self.Metric._clinic_compute_figures(self.company, [period])[0, "all"]
        # The new patient: one visit of 300 + 200 (one day); P5 one visit of 100.
        self.assertEqual(figures["visits"] - before["visits"], 2)
        self.assertEqual(figures["paying_patients"] - before["paying_patients"], 2)
        self.assertAlmostEqual(figures["revenue"] - before["revenue"], 600.0)
        self.assertEqual(figures["new_patients"] - before["new_patients"], 1)
        rows = self.Metric._clinic_recompute(self.company, *period, split_months=False)
        headline = rows.filtered(lambda row: row.group_type == "all")
        self.assertEqual(headline.visits, figures["visits"])

    def test_every_points_movement_is_shown_and_they_add_up(self):
        card = self._card(self.p1)
        self._ledger(
            card,
            [
                ("earn", 100, "Opening", "2026-02-10"),
                ("earn", 50, "Visit", "2026-03-05"),
                ("spend", -30, "Discount", "2026-03-12"),
                ("reversal", -8, "Refund of the visit", "2026-03-14"),
                ("reversal", 3, "Refund of the discount", "2026-03-14"),
                ("expire", -20, "Expired", "2026-03-31"),
                ("adjust", 5, "Goodwill", "2026-03-20"),
            ],
        )
        figures = self._figures()
        moves = {
            key: figures[key]
            for key in (
                "points_start",
                "points_issued",
                "points_spent",
                "points_expired",
                "points_adjusted",
                "points_reversed",
                "points_outstanding",
            )
        }
        # Outside the ledger lines above, the orders of setUp earned today (after March).
        self.assertEqual(
            moves,
            {
                "points_start": 100,
                "points_issued": 50,
                "points_spent": 30,
                "points_expired": 20,
                "points_adjusted": 5,
                "points_reversed": -5,
                "points_outstanding": 100,
            },
        )
        # 100 + 50 - 30 - 20 + 5 - 5 = 100
        self.assertEqual(
            moves["points_start"]
            + moves["points_issued"]
            - moves["points_spent"]
            - moves["points_expired"]
            + moves["points_adjusted"]
            + moves["points_reversed"],
            moves["points_outstanding"],
        )
        row = self.Metric._clinic_recompute(self.company, *MARCH).filtered(lambda r: r.group_type == "all")
        html = str(row.with_user(self.manager)._clinic_summary_html())
        for text in (
            "Points at start",
            "+ 50",
            "- 30",
            "- 20",
            "+ 5",
            "Points reversed by refunds",
            "= 100",
            "Repeat purchase rate</b>: patients with two or more paid visits",
            "Average order value</b>: the amount paid",
            "Customer retention rate</b>: patients active at the end",
        ):
            self.assertIn(text, html)

    def test_figures_follow_the_readers_number_format(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self._ledger(self._card(self.p1), [("earn", 12345, "Opening", "2026-02-10")])
        row = self.Metric._clinic_recompute(self.company, *MARCH).filtered(lambda r: r.group_type == "all")
        self.company.clinic_program_launch_date = date(2026, 3, 10)
        english = str(row.with_user(self.manager).with_context(lang="en_US")._clinic_summary_html())
        self.assertIn("Launch 03/10/2026", english, "the launch date in the reader's date format")
        self.assertIn("12,345", english)
        self.assertIn("33.3 %", english, "the repeat purchase rate, one decimal")
        russian = str(row.with_user(self.manager).with_context(lang="ru_RU")._clinic_summary_html())
        ru = self.env["res.lang"]._lang_get("ru_RU")
        self.assertIn(f"12{ru.thousands_sep}345", russian)
        self.assertIn(f"33{ru.decimal_point}3 %", russian)

    def test_the_dashboard_computes_the_last_months_when_none_is_stored(self):
        self.Metric.search([("company_id", "=", self.company.id)]).unlink()
        with freeze_time("2026-04-10 09:00:00"):
            action = (
                self.env["clinic.loyalty.metric.dashboard"]
                .with_user(self.manager)
                .with_company(self.company)
                .action_open_dashboard()
            )
            dashboard = self.env["clinic.loyalty.metric.dashboard"].with_user(self.manager).browse(action["res_id"])
            labels = self.Metric.search(
                [("company_id", "=", self.company.id), ("group_type", "=", "all")], order="date_from"
            ).mapped("period_label")
            self.assertEqual(labels[0], "2025-04")
            self.assertEqual(labels[-2:], ["2026-03", "2026-04"], "the last complete month and this one")
            self.assertEqual(len(labels), 13)
            self.assertEqual(dashboard.metric_id.period_label, "2026-04")
            self.assertIn("The month is in progress", dashboard.summary_html)
            march = self.Metric.search(
                [("company_id", "=", self.company.id), ("group_type", "=", "all"), ("period_label", "=", "2026-03")]
            )
            self.assertEqual((march.visits, march.revenue), (4, 2000.0))

    def test_the_recompute_wizard_proposes_the_last_complete_month(self):
        with freeze_time("2026-04-10 09:00:00"):
            wizard = self.env["clinic.loyalty.metric.recompute"].with_user(self.manager).create({})
            self.assertEqual((wizard.date_from, wizard.date_to), MARCH)
        with freeze_time("2026-01-01 09:00:00"):
            wizard = self.env["clinic.loyalty.metric.recompute"].with_user(self.manager).create({})
            self.assertEqual((wizard.date_from, wizard.date_to), (date(2025, 12, 1), date(2025, 12, 31)))
