"""Sessions of a package used on sales orders: covered lines at zero price, counted once,
checked again at confirmation, given back on cancellation, refused with their reason."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageRedemptionOnSalesOrders(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        # The front desk uses packages on sales orders (the clinic's Loyalty User).
        cls.env.user.sudo().groups_id = [(4, cls.env.ref("clinic_loyalty.group_clinic_loyalty_user").id)]
        cls._setup_package(cls.company)
        cls._setup_clinic_program(cls.company)
        cls.cream = cls.env["product.product"].create({"name": "Cream", "list_price": 500, "taxes_id": []})
        sale = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )
        sale.action_confirm()
        cls.package = cls.env["clinic.package"].sudo().search([("partner_id", "=", cls.patient.id)])
        cls.massage_counter = cls.package.counter_ids.filtered(lambda c: c.service_id == cls.massage)

    def _visit(self, partner=None, lines=((None, 2),)):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.patient).id,
                "order_line": [(0, 0, {"product_id": (p or self.massage).id, "product_uom_qty": q}) for p, q in lines],
            }
        )
        order.action_clinic_use_packages()
        return order

    def _earned(self, order):
        ledger = (
            self.env["clinic.loyalty.ledger"].sudo().search([("sale_order_id", "=", order.id), ("kind", "=", "earn")])
        )
        return sum(ledger.mapped("points"))

    def test_a_visit_paid_by_the_package_takes_its_sessions_once_and_earns_nothing(self):
        order = self._visit(lines=((None, 2), (self.cream, 1)))
        massage_line, cream_line = order.order_line
        self.assertEqual((massage_line.clinic_package_id, massage_line.discount), (self.package, 100))
        self.assertFalse(cream_line.clinic_package_id, "a product the package does not cover stays paid")
        self.assertEqual(order.amount_total, 500)
        order.action_confirm()
        self.assertEqual((self.massage_counter.sessions_used, self.massage_counter.sessions_left), (2, 8))
        self.assertEqual(self.package.sessions_left, 11, "13 sessions less the 2 massages")
        # 10% of the 500 paid for the cream; the massages paid by the package earn nothing.
        self.assertEqual(self._earned(order), 50)
        # Confirming again (a second call, a replay) takes nothing more.
        order._clinic_redeem_package_lines()
        self.assertEqual(self.massage_counter.sessions_left, 8)

    def test_a_package_earns_points_when_sold_unless_its_template_says_not(self):
        def sell():
            return self._sell_package().sale_line_id.order_id

        self.assertEqual(self._earned(sell()), 900, "10% of 9000")
        self.package_product.clinic_package_earns = False
        self.assertEqual(self._earned(sell()), 0)

    def test_a_package_valid_from_its_first_visit_starts_then(self):
        self.package_product.write(
            {
                "clinic_package_validity_start": "first_use",
                "clinic_package_validity": 3,
                "clinic_package_validity_unit": "months",
            }
        )
        package = self._sell_package()
        self.assertEqual((package.date_start, package.date_end), (False, False), "not started: it does not expire")
        self.assertEqual(package._clinic_validity_text(), "valid 3 months from the first visit")
        # The package bought earlier (expiring first) pays first: take its massages.
        self._visit(lines=((None, 10),)).action_confirm()
        visit = self._visit()
        self.assertEqual(visit.order_line.clinic_package_id, package, "usable before it starts")
        visit.action_confirm()
        day = fields.Date.context_today(visit, visit.date_order)
        self.assertEqual((package.date_start, package.date_end), (day, day + relativedelta(months=3, days=-1)))
        self.assertEqual(package.counter_ids.filtered(lambda c: c.service_id == self.massage).sessions_left, 8)

    def test_cancelling_the_visit_gives_the_sessions_back(self):
        order = self._visit()
        order.action_confirm()
        self.assertEqual(self.massage_counter.sessions_left, 8)
        order._action_cancel()
        self.assertEqual(self.massage_counter.sessions_left, 10)
        order.action_draft()
        order.action_confirm()
        self.assertEqual(self.massage_counter.sessions_left, 8, "confirmed again: taken again, once")

    def test_the_last_sessions_used_make_the_package_used_up(self):
        self._visit(lines=((None, 10),)).action_confirm()
        self.assertEqual((self.massage_counter.sessions_left, self.package.state), (0, "active"))
        self._visit(lines=((self.acupuncture, 3),)).action_confirm()
        self.assertEqual((self.package.sessions_left, self.package.state), (0, "used"))

    def _refused(self, order, message):
        with self.assertRaisesRegex(UserError, message):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_each_refusal_says_why_and_confirms_nothing(self):
        order = self._visit(lines=((None, 11),))
        self.assertFalse(order.order_line.clinic_package_id, "11 massages do not fit in 10 sessions")
        order.order_line.clinic_package_id = self.package
        self._refused(order, r"has 10 Massage 60 sessions left, not 11")

        not_covered = self._visit(lines=((self.cream, 1),))
        not_covered.order_line.clinic_package_id = self.package
        self._refused(not_covered, r"does not cover Cream")

        stranger = self.env["res.partner"].sudo().create({"name": "Stranger", "is_patient": True})
        theirs = self._visit(partner=stranger)
        self.assertFalse(theirs.order_line.clinic_package_id, "nobody else's package is proposed")
        theirs.order_line.clinic_package_id = self.package
        self._refused(theirs, r"only members of their active household may use it")

        self.package.household_shared = False
        self._refused(theirs, r"is Package Patient's and cannot be used by another patient")
        self.package.household_shared = True

        other_company = self.env["res.company"].create({"name": "Other Clinic"})
        elsewhere = (
            self.env["sale.order"]
            .with_company(other_company)
            .create(
                {
                    "partner_id": self.patient.id,
                    "company_id": other_company.id,
                    "order_line": [(0, 0, {"product_id": self.massage.id})],
                }
            )
        )
        # Refused where the line is written (the package is not readable from there), and, if
        # the system wrote it anyway, at confirmation.
        with self.assertRaises(AccessError):
            elsewhere.order_line.clinic_package_id = self.package
        elsewhere.order_line.sudo().clinic_package_id = self.package
        self._refused(elsewhere, r"belongs to")

        self.package.date_end = fields.Date.today() - relativedelta(days=1)
        expired = self._visit()
        self.assertFalse(expired.order_line.clinic_package_id)
        expired.order_line.clinic_package_id = self.package
        self._refused(expired, r"expired on")
        self.assertEqual(self.massage_counter.sessions_left, 10, "no refused visit took a session")

    def test_a_household_member_uses_a_shared_package(self):
        household = (
            self.env["clinic.loyalty.household"].sudo().create({"name": "Patient's", "holder_id": self.patient.id})
        )
        member = self.env["res.partner"].sudo().create({"name": "Member", "is_patient": True})
        member.sudo().clinic_household_id = household
        order = self._visit(partner=member, lines=((None, 1),))
        self.assertEqual(order.order_line.clinic_package_id, self.package)
        order.action_confirm()
        self.assertEqual(self.massage_counter.sessions_left, 9)
        self.assertEqual(self.massage_counter.use_ids.partner_id, member, "the use names who came")
