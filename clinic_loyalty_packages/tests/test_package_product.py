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
        package = self._package([(self.massage, 10), (self.acupuncture, 3)], clinic_package_validity_days=180)
        self.assertEqual(package.clinic_package_session_count, 13)
        self.assertEqual(package.clinic_package_validity_days, 180)
        self.assertEqual(package.clinic_package_line_ids.service_id, self.massage | self.acupuncture)

    def test_package_without_services_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "lists no service"):
            self._package([])

    def test_package_needs_a_validity(self):
        with self.assertRaisesRegex(ValidationError, "must be valid for at least one day"):
            self._package([(self.massage, 10)], clinic_package_validity_days=0)

    def test_only_services_can_be_packaged(self):
        with self.assertRaisesRegex(ValidationError, "Cream is not a service"):
            self._package([(self.cream, 2)])

    def test_sessions_must_be_positive(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self._package([(self.massage, 0)])

    def test_demo_package_is_ten_massages_and_three_acupunctures(self):
        package = self.env.ref("clinic_loyalty_packages.product_package_massage_course_demo")
        sessions = {line.service_id.name: line.sessions for line in package.clinic_package_line_ids}
        self.assertEqual(sessions, {"Full body massage (60 min)": 10, "Acupuncture session": 3})
