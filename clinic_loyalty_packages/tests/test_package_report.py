"""The treatment package the patient takes home: its sessions, visits and conditions on the
clinic's letterhead, in the patient's language, printed by those who may read the package."""

import io
import json
from urllib.parse import quote

from lxml import html

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_date, mute_logger
from odoo.tools.pdf import PdfFileReader

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase

REPORT = "clinic_loyalty_packages.report_clinic_package"


def text(node):
    """The text of ``node`` as a reader sees it: spaces (non-breaking too) collapsed."""
    return " ".join(node.text_content().replace("\xa0", " ").split())


def by_class(doc, css_class):
    """The elements of ``doc`` that have the class ``css_class``."""
    return doc.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")


class PackageReportCase(PackageSaleCase):
    @classmethod
    def _sell_and_visit(cls):
        """A Massage course sold to the patient, then one massage paid by it."""
        sale = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )
        sale.action_confirm()
        cls.package = cls.env["clinic.package"].sudo().search([("partner_id", "=", cls.patient.id)])
        cls.visit = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.massage.id})]}
        )
        cls.visit.action_clinic_use_packages()
        cls.visit.action_confirm()

    def _render(self):
        self.package.invalidate_recordset()
        content = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.package.ids)[0]
        return html.fromstring(content)

    def _rows(self, doc, table_class):
        return [
            [text(cell) for cell in row.xpath("./td")]
            for table in by_class(doc, table_class)
            for row in table.xpath("./tbody/tr")
        ]


@tagged("post_install", "-at_install")
class TestPackageReport(PackageReportCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        # The front desk (the clinic's Loyalty User) uses packages on sales orders.
        cls.env.user.sudo().groups_id = [(4, cls.env.ref("clinic_loyalty.group_clinic_loyalty_user").id)]
        cls._setup_package(cls.company)
        cls._sell_and_visit()

    def test_the_patient_reads_sessions_visits_validity_and_conditions(self):
        doc = self._render()
        self.assertEqual(text(doc.xpath("//h2")[0]), f"Massage course ({self.package.code})")
        info = text(doc.get_element_by_id("informations"))
        self.assertIn("Package Patient", info)
        self.assertIn(format_date(self.env, self.package.date_sold), info)
        validity = text(by_class(doc, "o_clinic_package_validity")[0])
        self.assertEqual(validity, f"Valid until {format_date(self.env, self.package.date_end)}")
        self.assertEqual(
            self._rows(doc, "o_clinic_package_sessions"),
            [["Massage 60", "10", "1", "9"], ["Acupuncture", "3", "0", "3"]],
        )
        use = self.package.use_ids
        self.assertEqual(
            self._rows(doc, "o_clinic_package_visits"),
            [[format_date(self.env, use.date), "Massage 60", self.visit.name, "Package Patient"]],
        )
        conditions = text(by_class(doc, "o_clinic_package_conditions")[0])
        self.assertIn("Members of your household may use its sessions.", conditions)
        self.assertIn("Refund of the unused part: Pro rata of the price paid", conditions)
        self.assertIn("refunded the price paid in proportion to the sessions not used", conditions)
        self.assertIn("Sessions are paid only with the package code", conditions)

    def test_a_visit_given_back_leaves_the_list_of_visits(self):
        self.visit._action_cancel()
        doc = self._render()
        self.assertEqual(self._rows(doc, "o_clinic_package_sessions")[0], ["Massage 60", "10", "0", "10"])
        self.assertFalse(by_class(doc, "o_clinic_package_visits"))
        self.assertIn("No session used yet.", text(by_class(doc, "page")[0]))

    def test_the_conditions_follow_the_package_and_the_rule_it_was_sold_under(self):
        self.package.household_shared = False
        expected = {
            "list_price": (
                "Price paid less the list price of what was used",
                "less the list price of the sessions used",
            ),
            "none": ("Not refundable", "The package is not refunded once sold."),
        }
        for rule, (label, sentence) in expected.items():
            with self.subTest(rule=rule):
                self.package.refund_rule = rule
                conditions = text(by_class(self._render(), "o_clinic_package_conditions")[0])
                self.assertIn("Only you may use its sessions", conditions)
                self.assertIn(f"Refund of the unused part: {label}", conditions)
                self.assertIn(sentence, conditions)
                self.assertNotIn("in proportion", conditions)

    def test_a_package_valid_from_its_first_visit_says_so_until_then(self):
        self.package_product.write(
            {
                "clinic_package_validity_start": "first_use",
                "clinic_package_validity": 6,
                "clinic_package_validity_unit": "months",
            }
        )
        self.package = self._sell_package()
        doc = self._render()
        self.assertEqual(text(by_class(doc, "o_clinic_package_validity")[0]), "Valid 6 months from the first visit")
        self.assertEqual(self._rows(doc, "o_clinic_package_sessions")[0], ["Massage 60", "10", "0", "10"])

    def test_the_report_is_in_the_patients_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.patient.lang = "ru_RU"
        doc = self._render()
        # The texts are translated by translators; what is checked here is that the document
        # is rendered in Russian: its dates, amounts and figures in the Russian format.
        self.assertEqual(by_class(doc, "article")[0].get("data-oe-lang"), "ru_RU")
        info = text(doc.get_element_by_id("informations"))
        self.assertIn(self.package.date_sold.strftime("%d.%m.%Y"), info, "the date sold as Russians write it")
        self.assertIn("9 000,00", info, "the price paid in the Russian number format")
        validity = text(by_class(doc, "o_clinic_package_validity")[0])
        self.assertIn(self.package.date_end.strftime("%d.%m.%Y"), validity)
        self.assertEqual(
            [row[1:] for row in self._rows(doc, "o_clinic_package_sessions")], [["10", "1", "9"], ["3", "0", "3"]]
        )
        [visit] = self._rows(doc, "o_clinic_package_visits")
        self.assertEqual(visit[0], format_date(self.env, self.package.use_ids.date, lang_code="ru_RU"))
        self.assertRegex(visit[0], r"^\d\d\.\d\d\.\d{4}$")
        self.assertEqual(visit[2], self.visit.name)


@tagged("post_install", "-at_install")
class TestPackageReportAccess(PackageReportCase, HttpCase):
    """The package is printed through the report routes (the form's Print menu calls
    /report/download): only users who may read the package get it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_package(cls.env.company)
        cls._sell_and_visit()
        cls.desk = new_test_user(
            cls.env, login="report_desk", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user"
        )
        cls.salesman = new_test_user(cls.env, login="report_salesman", groups="sales_team.group_sale_salesman")
        cls.portal = new_test_user(cls.env, login="report_portal", groups="base.group_portal")
        other = cls.env["res.company"].create({"name": "Other Clinic"})
        cls.other_desk = new_test_user(
            cls.env,
            login="report_other_desk",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=other.id,
            company_ids=[other.id],
        )

    def _download(self, user):
        """What the Print menu asks for, as ``user``."""
        self.authenticate(user.login, user.login)
        data = json.dumps([f"/report/pdf/{REPORT}/{self.package.id}", "qweb-pdf"])
        with mute_logger("odoo.addons.web.controllers.report", "odoo.http"):
            return self.url_open(f"/report/download?data={quote(data)}")

    def test_the_front_desk_prints_the_package(self):
        action = self.env.ref("clinic_loyalty_packages.clinic_package_report")
        self.assertEqual(action.binding_model_id.model, "clinic.package", "in the package form's Print menu")
        response = self._download(self.desk)
        self.assertEqual(response.status_code, 200)
        self.assertIn(quote(f"Treatment package {self.package.code}.pdf"), response.headers["Content-Disposition"])
        # Tests render the HTML that wkhtmltopdf would print.
        self.assertIn(f"Massage course ({self.package.code})", response.text)

    def test_who_may_not_read_the_package_cannot_print_it(self):
        for user in (self.salesman, self.portal, self.other_desk):
            with self.subTest(user=user.login):
                response = self._download(user)
                # The web client shows the server error that the download answers with:
                # reading the package was refused while rendering it.
                error = json.loads(html.fromstring(response.text).text_content())
                self.assertEqual(error["message"], "Odoo Server Error")
                self.assertIn("odoo.exceptions.AccessError", error["data"]["debug"])
                self.assertNotIn(self.package.code, response.text)
                self.assertNotIn("Massage course", response.text)
                # The report route itself answers Forbidden.
                with mute_logger("odoo.http"):
                    response = self.url_open(f"/report/pdf/{REPORT}/{self.package.id}")
                self.assertEqual(response.status_code, 403)
                self.assertNotIn(self.package.code, response.text)

    def test_wkhtmltopdf_prints_the_pdf(self):
        Report = self.env["ir.actions.report"]
        state = Report.get_wkhtmltopdf_state()
        if state not in ("ok", "workers"):
            self.skipTest(f"wkhtmltopdf is not usable here ({state})")
        pdf, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(REPORT, self.package.ids)
        self.assertEqual(kind, "pdf")
        reader = PdfFileReader(io.BytesIO(pdf))
        self.assertTrue(reader.metadata.creator.startswith("wkhtmltopdf"))
        self.assertEqual(len(reader.pages), 1)
        # wkhtmltopdf built on an unpatched Qt (Debian's) draws the web fonts as outlines:
        # no text to read back, but a page that is not blank.
        self.assertGreater(len(reader.pages[0].get_contents().get_data()), 10000)
