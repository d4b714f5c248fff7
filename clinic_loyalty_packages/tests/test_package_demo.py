"""The demo clinic's package, as a new user meets it: priced in roubles, refundable from its
form, printed on the clinic's letterhead whatever wkhtmltopdf prints."""

import io

from lxml import html

from odoo.tests import TransactionCase, tagged
from odoo.tools.pdf import PdfFileReader

from .test_package_report import REPORT, by_class, text


@tagged("post_install", "-at_install")
class TestPackageDemo(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clinic = cls.env.ref("clinic_loyalty.res_company_clinic_demo")
        cls.template = cls.env.ref("clinic_loyalty_packages.product_package_massage_course_demo")
        cls.order = cls.env.ref("clinic_loyalty_packages.sale_order_elena_massage_course_demo")
        cls.package = cls.env["clinic.package"].search([("sale_line_id", "in", cls.order.order_line.ids)])

    def test_the_package_product_is_priced_in_the_clinics_currency(self):
        self.assertEqual(self.template.company_id, self.clinic)
        self.assertEqual(self.template.currency_id, self.env.ref("base.RUB"))
        # Whichever company the user is in.
        self.assertEqual(self.template.with_company(self.env.ref("base.main_company")).currency_id.name, "RUB")

    def test_refund_unused_part_works_on_the_demo_package(self):
        invoices = self.order.invoice_ids
        self.assertEqual(invoices.mapped("state"), ["posted"])
        self.assertEqual(invoices.amount_total, 30000)
        self.assertEqual(len(self.package), 1)
        action = self.package.with_company(self.clinic).action_clinic_refund()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((refund.move_type, refund.reversed_entry_id), ("out_refund", invoices))
        # No session used yet: the whole price comes back (pro rata of 13 of 13 sessions).
        self.assertEqual(refund.amount_total, 30000)
        refund.action_post()
        self.package.invalidate_recordset()
        self.assertEqual(self.package.state, "refunded")

    def test_the_package_prints_the_clinics_letterhead_in_the_page(self):
        content = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.package.ids)[0]
        doc = html.fromstring(content)
        (letterhead,) = by_class(doc, "o_clinic_package_company")
        self.assertTrue(letterhead.xpath("ancestor::div[contains(@class, 'article')]"), "in the page, not a header")
        self.assertIn("Harmony Family Clinic", text(letterhead))
        self.assertIn("Tverskaya", text(letterhead))
        self.assertTrue(letterhead.xpath(".//img[@alt='Logo']"))
        Report = self.env["ir.actions.report"]
        if Report.get_wkhtmltopdf_state() not in ("ok", "workers"):
            self.skipTest("wkhtmltopdf is not usable here")
        pdf, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(REPORT, self.package.ids)
        first_page = PdfFileReader(io.BytesIO(pdf)).pages[0].extract_text()
        self.assertIn("Harmony", first_page, "the clinic's name on the printed page")
