import uuid

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pos_online_payment.tests import test_frontend as online_payment


@tagged("post_install", "-at_install")
class TestPosOnlinePayment(online_payment.TestUi):
    """A POS order the patient pays online (QR code on the customer display, payment page)
    reaches the ledger once, like an order paid at the till.

    Odoo's online payment test case brings the payment provider, the online payment method
    and a shop; its own tests run in ``pos_online_payment``'s suite, not again here.
    """

    test_1_online_payment_with_cashier = None
    test_1_online_payment_without_cashier = None
    test_2_online_payments_with_cashier = None
    test_invalid_access_token = None
    test_errors_tour = None
    test_customer_display_online_payment = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Clinic Online Bonus",
                    "program_type": "loyalty",
                    "applies_on": "both",
                    "trigger": "auto",
                    "company_id": cls.company.id,
                    "pos_ok": True,
                    "clinic_bonus": True,
                    "clinic_earn_rate": 10,
                    "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                }
            )
        )
        cls.company.clinic_loyalty_program_id = cls.program
        cls.massage = cls.env["product.product"].create(
            {
                "name": "Online Massage",
                "type": "service",
                "list_price": 1100.0,
                "available_in_pos": True,
                "taxes_id": False,
            }
        )
        cls.patient = (
            cls.env["res.partner"]
            .sudo()
            .create({"name": "Online Patient", "is_patient": True, "company_id": cls.company.id})
        )
        cls.card = cls.patient.clinic_card_ids.sudo()

    def _unpaid_order_of_the_patient(self):
        """The cashier saves the patient's order unpaid and asks for an online payment."""
        self.pos_config.with_user(self.pos_user).open_ui()
        session = self.pos_config.current_session_id
        session.set_opening_control(0, None)
        result = (
            self.env["pos.order"]
            .with_user(self.pos_user)
            .sync_from_ui(
                [
                    {
                        "uuid": str(uuid.uuid4()),
                        "name": "Order 00077-001-0001",
                        "session_id": session.id,
                        "sequence_number": 1,
                        "user_id": self.pos_user.id,
                        "partner_id": self.patient.id,
                        "access_token": str(uuid.uuid4()),
                        "amount_paid": 0,
                        "amount_return": 0,
                        "state": "draft",
                        "amount_tax": 0,
                        "amount_total": 1100.0,
                        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
                        "fiscal_position_id": False,
                        "lines": [
                            (0, 0, {"product_id": self.massage.id, "qty": 1, "discount": 0, "tax_ids": [(6, 0, [])],
                                    "price_unit": 1100.0, "price_subtotal": 1100.0, "price_subtotal_incl": 1100.0})
                        ],
                        "payment_ids": [],
                    }
                ]
            )
        )  # fmt: skip
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.sudo().clinic_ledger_ids, "an unpaid order earns nothing")
        order.with_user(self.pos_user).get_and_set_online_payments_data(order.amount_total)
        return order

    def test_an_order_paid_online_earns_once(self):
        order = self._unpaid_order_of_the_patient()
        self._fake_online_payment(order.id, order.access_token, self.payment_provider.id)
        self.assertEqual(order.state, "paid")
        earned = order.sudo().clinic_ledger_ids
        self.assertEqual(earned.mapped(lambda line: (line.kind, line.points, line.card_id)), [("earn", 110, self.card)])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 110)

        # The browser then syncs the order it holds, and the payment is processed again.
        order.with_user(self.pos_user).get_and_set_online_payments_data()
        order.sudo()._clinic_post_loyalty()
        self.assertEqual(order.sudo().clinic_ledger_ids, earned, "posted once")

        session = self.pos_config.current_session_id
        session.post_closing_cash_details(0)
        self.assertTrue(session.close_session_from_ui()["successful"])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 110)
