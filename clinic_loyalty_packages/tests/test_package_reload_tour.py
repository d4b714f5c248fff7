from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPackageReloadTour(TestPointOfSaleHttpCommon):
    """A package session in an open order survives a reload of the POS page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pos_user.groups_id |= cls.env.ref("clinic_loyalty.group_clinic_loyalty_user")
        cls.env["loyalty.program"].search([]).write({"active": False})
        company = cls.main_pos_config.company_id
        company.country_id = cls.env.ref("base.ru")
        program = (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Clinic Bonus",
                    "program_type": "loyalty",
                    "applies_on": "both",
                    "trigger": "auto",
                    "company_id": company.id,
                    "pos_ok": True,
                    "clinic_bonus": True,
                    # A card discount, which a package session never takes.
                    "clinic_tier_ids": [
                        (0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 10, "discount_percent": 5})
                    ],
                    "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                    "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
                }
            )
        )
        company.clinic_loyalty_program_id = program
        Product = cls.env["product.product"].sudo()
        cls.massage = Product.create(
            {"name": "Tour Massage", "type": "service", "list_price": 1000, "available_in_pos": True, "taxes_id": []}
        )
        cls.cream = Product.create(
            {"name": "Tour Cream", "type": "consu", "list_price": 500, "available_in_pos": True, "taxes_id": []}
        )
        Product.create(
            {
                "name": "Tour Massage Course",
                "type": "service",
                "list_price": 9000,
                "available_in_pos": True,
                "taxes_id": [],
                "is_clinic_package": True,
                "clinic_package_validity": 180,
                "clinic_package_validity_unit": "days",
                "clinic_package_line_ids": [(0, 0, {"service_id": cls.massage.id, "sessions": 10})],
            }
        )
        cls.patient = (
            cls.env["res.partner"]
            .sudo()
            .create(
                {
                    "name": "Package Tour Patient",
                    "phone": "+7 912 555 77 88",
                    "is_patient": True,
                    "company_id": company.id,
                }
            )
        )

    def test_a_reloaded_page_keeps_the_package_session_of_the_open_order(self):
        self.start_pos_tour("clinic_loyalty_packages_reload_keeps_the_session")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.assertEqual(package.sessions_left, 9)
        visit = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id desc", limit=1)
        massage_line = visit.lines.filtered(lambda line: line.product_id == self.massage)
        self.assertEqual((massage_line.price_subtotal_incl, massage_line.clinic_package_code), (0, package.code))
        self.assertEqual(visit.amount_total, 475, "the cream after the card discount; the massage is the package's")
