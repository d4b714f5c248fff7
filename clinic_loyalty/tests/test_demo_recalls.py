"""The demo clinic has recalls to work on and prints without Odoo's layout dialog.

Reads the module's demo data (installed in the test database, as by setup/run).
"""

from odoo.tests import tagged

from .test_demo import DemoClinicCase


@tagged("post_install", "-at_install")
class TestDemoRecalls(DemoClinicCase):
    def test_demo_services_have_a_recall_delay_and_patients_are_due(self):
        checkup = self.env.ref("clinic_loyalty.product_dental_checkup_demo")
        cleaning = self.env.ref("clinic_loyalty.product_dental_cleaning_demo")
        self.assertEqual((checkup.clinic_recall_delay, cleaning.clinic_recall_delay), (180, 180))
        recalls = self.env["clinic.loyalty.recall"].search([("company_id", "=", self.clinic.id), ("state", "=", "due")])
        tatiana = self.env.ref("clinic_loyalty.res_partner_tatiana_lebedeva_demo")
        nikolai = self.env.ref("clinic_loyalty.res_partner_nikolai_volkov_demo")
        self.assertEqual(
            sorted((r.partner_id.id, r.product_id.id) for r in recalls),
            sorted([(tatiana.id, checkup.id), (tatiana.id, cleaning.id), (nikolai.id, cleaning.id)]),
        )
        for recall in recalls:
            # Six months after the visit, the visit being half a year ago: due now, not in months.
            self.assertEqual((recall.due_date - recall.last_visit_date).days, 180)
            self.assertLess(recall.last_visit_date.toordinal(), recall.create_date.date().toordinal() - 170)
        # The visits behind them are real paid orders, with their points.
        order = self.env.ref("clinic_loyalty.sale_order_tatiana_checkup_demo")
        self.assertEqual((order.state, order.amount_total), ("sale", 6500))
        self.assertTrue(self.env["clinic.loyalty.ledger"].search([("sale_order_id", "=", order.id)]))

    def test_the_clinic_prints_without_the_layout_dialog(self):
        self.assertEqual(self.clinic.external_report_layout_id, self.env.ref("web.external_layout_standard"))
        report = self.env.ref("clinic_loyalty.loyalty_card_report_clinic")
        card = self.program.coupon_ids[:1]
        action = report.with_company(self.clinic).report_action(card)
        self.assertEqual(action["type"], "ir.actions.report")
