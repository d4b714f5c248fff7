from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPackageTour(TestPointOfSaleHttpCommon):
    """The front desk sells a package, then a later visit pays a session with it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The cashier works at the clinic's front desk (Loyalty User): patients' cards and
        # packages are read by that group only.
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
                    "clinic_tier_ids": [(0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 10})],
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
        cls.package_product = Product.create(
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

    def test_sell_a_package_then_pay_a_session_with_it(self):
        self.start_pos_tour("clinic_loyalty_packages_sell_then_redeem")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.assertEqual((len(package), package.price_paid, package.sessions_left), (1, 9000, 9))
        visit = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id desc", limit=1)
        massage_line = visit.lines.filtered(lambda line: line.product_id == self.massage)
        self.assertEqual((massage_line.price_subtotal_incl, massage_line.clinic_package_code), (0, package.code))
        self.assertEqual(visit.amount_total, 500, "the cream is paid, the massage is the package's")
        self.assertEqual(package.use_ids.pos_line_id, massage_line)

    def test_refund_the_unused_part_of_a_package_at_the_pos(self):
        self.start_pos_tour("clinic_loyalty_packages_sell_then_redeem")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.start_pos_tour("clinic_loyalty_packages_refund_unused_part")
        self.assertEqual((package.state, package.refund_amount), ("refunded", 8100))
        refund = package.refund_pos_line_id.order_id
        self.assertEqual(refund.amount_total, -8100, "what the cashier paid back is what the server computed")
        self.assertFalse(refund.message_ids.filtered(lambda m: "A loyalty manager decides" in (m.body or "")))

    def test_a_refund_pays_back_the_quote_without_the_card_discount(self):
        """Issue 26, item 2: by the refund the patient's tier gives a 3 % card discount; the
        refund line gets none, the patient is paid back the server's 8,100 and the register
        closes without an amount to balance."""
        self.start_pos_tour("clinic_loyalty_packages_sell_then_redeem")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.env["loyalty.program"].sudo().search([("clinic_bonus", "=", True)]).clinic_tier_ids.write(
            {"discount_percent": 3}
        )
        self.start_pos_tour("clinic_loyalty_packages_refund_with_a_card_discount")
        self.assertEqual((package.state, package.refund_amount), ("refunded", 8100))
        refund = package.refund_pos_line_id.order_id
        self.assertEqual((refund.amount_total, refund.amount_paid), (-8100, -8100))
        self.assertEqual(refund.lines.mapped("discount"), [0])
        self.assertEqual(refund.session_id.state, "closed", "the register closed without an amount to balance")

    def test_a_reloaded_page_keeps_the_package_session_of_the_open_order(self):
        """Issue 26, item 4: with a 5 % card discount (which a package session never takes),
        a package session in an open order survives a reload of the POS page."""
        self.env["loyalty.program"].sudo().search([("clinic_bonus", "=", True)]).clinic_tier_ids.write(
            {"discount_percent": 5}
        )
        self.start_pos_tour("clinic_loyalty_packages_reload_keeps_the_session")
        package = self.env["clinic.package"].sudo().search([("partner_id", "=", self.patient.id)])
        self.assertEqual(package.sessions_left, 9)
        visit = self.env["pos.order"].search([("partner_id", "=", self.patient.id)], order="id desc", limit=1)
        massage_line = visit.lines.filtered(lambda line: line.product_id == self.massage)
        self.assertEqual((massage_line.price_subtotal_incl, massage_line.clinic_package_code), (0, package.code))
        self.assertEqual(visit.amount_total, 475, "the cream after the card discount; the massage is the package's")
