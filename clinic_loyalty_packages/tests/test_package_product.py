from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import BaseCommon


@tagged("post_install", "-at_install")
class TestPackageProduct(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.massage = Product.create({"name": "Massage", "type": "service", "list_price": 3000})
        cls.acupuncture = Product.create({"name": "Acupuncture", "type": "service", "list_price": 2800})
        cls.cream = Product.create({"name": "Cream", "type": "consu", "list_price": 1200})

    def _package(self, lines, **vals):
        return self.env["product.template"].create(
            {
                "name": "Massage course",
                "type": "service",
                "list_price": 30000,
                "is_clinic_package": True,
                "clinic_package_line_ids": [
                    (0, 0, {"service_id": product.id, "sessions": sessions}) for product, sessions in lines
                ],
                **vals,
            }
        )

    def test_package_counts_its_sessions(self):
        package = self._package([(self.massage, 10), (self.acupuncture, 3)], clinic_package_validity=6)
        self.assertEqual(package.clinic_package_session_count, 13)
        self.assertEqual(package.clinic_package_line_ids.service_id, self.massage | self.acupuncture)
        # Defaults: twelve months from the purchase, refunded pro rata, earning points.
        self.assertEqual(
            package.read(
                [
                    "clinic_package_validity_unit",
                    "clinic_package_validity_start",
                    "clinic_package_refund_rule",
                    "clinic_package_earns",
                ]
            )[0],
            {
                "id": package.id,
                "clinic_package_validity_unit": "months",
                "clinic_package_validity_start": "sale",
                "clinic_package_refund_rule": "pro_rata",
                "clinic_package_earns": True,
            },
        )

    def test_validity_in_days_or_months(self):
        package = self._package([(self.massage, 10)], clinic_package_validity=6)
        # Six months from 31 August: the last day is 28 February (not 2 March).
        self.assertEqual(package._clinic_package_date_end(date(2027, 8, 31)), date(2028, 2, 28))
        self.assertEqual(package._clinic_package_date_end(date(2027, 1, 1)), date(2027, 6, 30))
        package.clinic_package_validity_unit = "days"
        package.clinic_package_validity = 180
        self.assertEqual(package._clinic_package_date_end(date(2027, 1, 1)), date(2027, 6, 29))

    def test_package_without_services_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "lists no service"):
            self._package([])

    def test_package_needs_a_validity(self):
        with self.assertRaisesRegex(ValidationError, "must be valid for at least one day"):
            self._package([(self.massage, 10)], clinic_package_validity=0)

    def test_goods_can_be_packaged_but_not_packages(self):
        # A rehabilitation card: sessions and take-home goods.
        package = self._package([(self.massage, 10), (self.cream, 2)])
        self.assertEqual(package.clinic_package_session_count, 12)
        with self.assertRaisesRegex(ValidationError, "cannot be in a package"):
            self._package([(package.product_variant_id, 1)])

    def test_a_package_that_earns_nothing_is_a_non_earning_product(self):
        package = self._package([(self.massage, 10)])
        Program = self.env["loyalty.program"]
        self.assertNotIn(package.product_variant_id.id, Program._clinic_non_earning_product_ids())
        package.clinic_package_earns = False
        self.assertIn(package.product_variant_id.id, Program._clinic_non_earning_product_ids())
        package.clinic_package_earns = True
        self.assertNotIn(package.product_variant_id.id, Program._clinic_non_earning_product_ids())

    def test_sessions_must_be_positive(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self._package([(self.massage, 0)])

    def test_demo_package_is_ten_massages_and_three_acupunctures(self):
        package = self.env.ref("clinic_loyalty_packages.product_package_massage_course_demo")
        sessions = {line.service_id.name: line.sessions for line in package.clinic_package_line_ids}
        self.assertEqual(sessions, {"Full body massage (60 min)": 10, "Acupuncture session": 3})
