"""Sessions of a package used at the Point of Sale: counted once at synchronisation, given
back by a refund, checked before payment, and never a reason to lose a paid order."""

from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .test_package_sale import PackageSaleCase


@tagged("post_install", "-at_install")
class TestPackageAtThePos(PackageSaleCase, TestPoSCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls._setup_package(cls.company)
        sale = cls.env["sale.order"].create(
            {"partner_id": cls.patient.id, "order_line": [(0, 0, {"product_id": cls.package_product.id})]}
        )
        sale.action_confirm()
        cls.package = cls.env["clinic.package"].sudo().search([("partner_id", "=", cls.patient.id)])
        cls.counter = cls.package.counter_ids.filtered(lambda c: c.service_id == cls.massage)

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _data(self, qty=1, code=None, customer=None):
        data = self.create_ui_order_data([(self.massage, qty)], customer=customer or self.patient)
        line = data["lines"][0][2]
        line.update(
            price_unit=0, price_subtotal=0, price_subtotal_incl=0, clinic_package_code=code or self.package.code
        )
        data.update(amount_total=0, amount_paid=0, amount_tax=0)
        data["payment_ids"] = []
        return data

    def _sync(self, data):
        return self.env["pos.order"].browse(self.env["pos.order"].sync_from_ui([data])["pos.order"][0]["id"])

    def test_a_session_paid_by_the_package_is_counted_once_and_shown_on_the_receipt(self):
        data = self._data(qty=2)
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.counter.sessions_left, 8)
        self._sync(data)
        order._clinic_post_loyalty()
        self.assertEqual(self.counter.sessions_left, 8, "a replayed sync takes nothing more")
        receipt = self.env["pos.order"].clinic_loyalty_receipt(order.id)
        self.assertEqual(len(receipt["packages"]), 1)
        self.assertRegex(receipt["packages"][0]["display"], r"^Massage 60: 8 of 10 left, valid until ")

    def test_a_refund_gives_the_session_back(self):
        order = self._sync(self._data(qty=2))
        refund = order._refund()
        refund.lines.qty = -1
        refund.action_pos_order_paid()
        self.assertEqual(self.counter.sessions_left, 9, "one of the two massages refunded")
        # The sold order synced or posted again after its refund takes back nothing.
        order._clinic_post_loyalty()
        self.assertEqual(self.counter.sessions_left, 9)

    def test_a_refused_session_keeps_the_paid_order_and_tells_why(self):
        stranger = self.env["res.partner"].sudo().create({"name": "Stranger", "is_patient": True})
        order = self._sync(self._data(customer=stranger))
        self.assertEqual(order.state, "paid", "an order paid offline is saved")
        self.assertEqual(self.counter.sessions_left, 10)
        self.assertIn("which the server refused", order.message_ids[:1].body)
        # Another patient's code is no package of this patient: the order names no owner.
        self.assertIn("of this patient in this company", order.message_ids[:1].body)
        self.assertNotIn(self.patient.name, order.message_ids[:1].body)

    def test_the_desk_checks_the_package_before_payment(self):
        check = self.env["pos.order"].clinic_check_packages
        code = self.package.code
        self.assertEqual(
            check(self.patient.id, [{"product_id": self.massage.id, "qty": 10, "package_code": code}]), {"problems": []}
        )
        problems = check(
            self.patient.id,
            [
                {"product_id": self.massage.id, "qty": 6, "package_code": code},
                {"product_id": self.massage.id, "qty": 5, "package_code": code},
                {"product_id": self.package_product.id, "qty": 1, "package_code": code},
                {"product_id": self.massage.id, "qty": 1, "package_code": "PK-FORGED"},
                "junk",
            ],
        )["problems"]
        self.assertEqual(len(problems), 3, problems)
        for expected in ("has 10 Massage 60 sessions left, not 11", "does not cover Massage course", "PK-FORGED"):
            self.assertEqual(len([p for p in problems if expected in p]), 1, (expected, problems))

    def test_the_panel_lists_what_the_patient_can_use(self):
        packages = self.env["clinic.package"].clinic_pos_packages(self.patient.id)
        self.assertEqual(
            [(p["code"], [(c["service"], c["left"], c["total"]) for c in p["counters"]]) for p in packages],
            [(self.package.code, [("Massage 60", 10, 10), ("Acupuncture", 3, 3)])],
        )
        stranger = self.env["res.partner"].sudo().create({"name": "Stranger", "is_patient": True})
        self.assertEqual(self.env["clinic.package"].clinic_pos_packages(stranger.id), [])

    def test_a_pos_refund_of_one_of_two_sessions_gives_one_back(self):
        order = self._sync(self._data(qty=2))
        self.assertEqual(self.counter.sessions_left, 8)
        data = self.create_ui_order_data(
            [{"product": self.massage, "quantity": -1, "refunded_orderline_id": order.lines.id}],
            customer=self.patient,
        )
        data["lines"][0][2].update(price_unit=0, price_subtotal=0, price_subtotal_incl=0)
        data.update(amount_total=0, amount_paid=0, amount_tax=0)
        data["payment_ids"] = []
        refund = self._sync(data)
        self.assertEqual(refund.state, "paid")
        self.assertEqual(self.counter.sessions_left, 9, "the sync runs the refund once")

    def test_an_order_that_received_nothing_gives_no_package(self):
        """[package 9,000, massage -1 at 9,000] paid 0: no package 'paid 9,000' whose refund would pay out cash."""
        data = self.create_ui_order_data([(self.package_product, 1), (self.massage, 1)], customer=self.patient)
        service = data["lines"][1][2]
        service.update(qty=-1, price_unit=9000, price_subtotal=-9000, price_subtotal_incl=-9000)
        data.update(amount_total=0, amount_paid=0, amount_tax=0)
        data["payment_ids"] = []
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        packages = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.assertEqual(packages, self.package, "no second package")
        self.assertIn("received no payment", order.message_ids[:1].body)

    def test_a_package_sold_on_the_customer_account_is_given(self):
        data = self.create_ui_order_data(
            [(self.package_product, 1)], customer=self.patient, payments=[(self.pay_later_pm, 9000)]
        )
        order = self._sync(data)
        package = self.env["clinic.package"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self.assertEqual((package.state, package.price_paid), ("active", 9000))
