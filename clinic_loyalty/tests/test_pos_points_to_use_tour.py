from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import clinic_program_vals


@tagged("post_install", "-at_install")
class TestPosPointsToUseTour(TestPointOfSaleHttpCommon):
    """The cashier types the points the patient wants to use; an open order survives a reload."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pos_user.groups_id |= cls.env.ref("clinic_loyalty.group_clinic_loyalty_user")
        cls.env["loyalty.program"].search([]).write({"active": False})
        company = cls.main_pos_config.company_id
        company.country_id = cls.env.ref("base.ru")
        reward = {
            "reward_type": "discount",
            "discount_mode": "per_point",
            "discount": 1,
            "required_points": 1,
            "description": "Pay with points",
        }
        cls.program = (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                clinic_program_vals(
                    "Clinic Bonus",
                    company,
                    pos_ok=True,
                    clinic_tier_ids=[
                        (0, 0, {"name": "Bronze", "threshold": 0, "earn_rate": 10, "discount_percent": 5})
                    ],
                    reward_ids=[(0, 0, reward)],
                )
            )
        )
        company.clinic_loyalty_program_id = cls.program
        cls.product = cls.env["product.product"].create(
            {
                "name": "Clinic Consultation",
                "type": "service",
                "list_price": 2200.0,
                "available_in_pos": True,
                "taxes_id": [(5, 0, 0)],
            }
        )
        cls.patient = (
            cls.env["res.partner"]
            .sudo()
            .create(
                {
                    "name": "Clinic Tour Patient",
                    "phone": "+7 912 555 11 22",
                    "is_patient": True,
                    "company_id": company.id,
                }
            )
        )
        cls.card = cls.patient.clinic_card_ids.sudo()
        cls.card._clinic_post("earn", 500, "Opening balance")

    def test_the_cashier_types_the_points_to_use(self):
        self.start_pos_tour("clinic_loyalty_pos_points_to_use")
        order = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(order.amount_total, 1790)
        self.card.invalidate_recordset()
        spent = order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        self.assertEqual(spent.points, -300)
        self.assertEqual(self.card.points, 500 - 300 + 179)

    def test_a_reloaded_page_keeps_the_patient_the_discount_and_the_points_line(self):
        self.start_pos_tour("clinic_loyalty_pos_reload_keeps_the_order")
        order = self.env["pos.order"].search([("partner_id", "=", self.patient.id)])
        self.assertEqual(order.amount_total, 1590)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500 - 500 + 159)
