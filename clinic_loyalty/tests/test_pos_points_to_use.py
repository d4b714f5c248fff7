"""The points a cashier types at the POS: the browser prices the points line, the server
decides what it costs and refuses what the card or the rules do not allow, over RPC."""

import uuid

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import RpcCallMixin, clinic_program_vals

ACCESS = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestPosPointsToUse(RpcCallMixin, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        company = cls.main_pos_config.company_id
        company.country_id = env.ref("base.ru")
        cls.program = env["loyalty.program"].create(clinic_program_vals("Typed Points Bonus", company, pos_ok=True))
        company.clinic_loyalty_program_id = cls.program
        cls.reward = cls.program.reward_ids
        cls.service = env["product.product"].create(
            {"name": "Typed Consultation", "type": "service", "list_price": 2200.0, "available_in_pos": True,
             "taxes_id": [(5, 0, 0)]}
        )  # fmt: skip
        cls.patient = env["res.partner"].create({"name": "Typed Patient", "is_patient": True})
        cls.card = cls.patient.clinic_card_ids
        cls.card._clinic_post("earn", 500, "Opening")

        def user(login, groups):
            return new_test_user(env, login=login, groups=groups, company_id=company.id)

        cls.cashier = user("typed_cashier", "base.group_user,point_of_sale.group_pos_user,"
                           "clinic_loyalty.group_clinic_loyalty_user")  # fmt: skip
        cls.salesperson = user("typed_salesperson", "base.group_user,sales_team.group_sale_salesman")
        cls.portal = new_test_user(env, login="typed_portal", groups="base.group_portal")
        cls.main_pos_config.open_ui()
        cls.pos_session = cls.main_pos_config.current_session_id

    def _ui_order(self, points, claimed=None):
        """A 2200 consultation of which ``points`` are paid with points (the browser claims
        ``claimed`` points for it), the rest in cash: as the POS sends it."""
        service = {"product_id": self.service.id, "qty": 1, "price_unit": 2200, "price_subtotal": 2200,
                   "price_subtotal_incl": 2200, "tax_ids": [[6, 0, []]], "pack_lot_ids": []}  # fmt: skip
        reward = {
            "product_id": self.reward.discount_line_product_id.id, "qty": 1, "price_unit": -points,
            "price_subtotal": -points, "price_subtotal_incl": -points, "tax_ids": [[6, 0, []]],
            "reward_id": self.reward.id, "coupon_id": self.card.id, "is_reward_line": True,
            "points_cost": points if claimed is None else claimed, "reward_identifier_code": "typed",
        }  # fmt: skip
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        paid = 2200 - points
        order_uuid = str(uuid.uuid4())
        return {
            "uuid": order_uuid, "name": f"Order {order_uuid}", "session_id": self.pos_session.id,
            "partner_id": self.patient.id, "pricelist_id": self.main_pos_config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()), "sequence_number": 1,
            "lines": [[0, 0, service], [0, 0, reward]],
            "payment_ids": [[0, 0, {"amount": paid, "name": fields.Datetime.now().isoformat(),
                                    "payment_method_id": cash.id}]],
            "amount_paid": paid, "amount_total": paid, "amount_tax": 0, "amount_return": 0,
            "last_order_preparation_change": "{}", "user_id": self.cashier.id, "to_invoice": False,
        }  # fmt: skip

    def _check(self, user, points):
        return self._rpc(
            user, "pos.order", "clinic_check_points", self.patient.id,
            [{"product_id": self.service.id, "qty": 1, "amount": 2200}],
            [{"reward_id": self.reward.id, "amount": -points, "points": points}],
        )  # fmt: skip

    def _spent(self, result):
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        return -sum(order.clinic_ledger_ids.filtered(lambda line: line.kind == "spend").mapped("points"))

    def test_typed_points_within_the_balance_are_what_the_server_takes(self):
        check, error, text = self._check(self.cashier, 300)
        self.assertIsNone(error, text)
        self.assertEqual((check["points"], check["allowed"], check["problems"]), (300, 300, []))
        # The browser claims 1 point for a 300 discount: the discount costs 300 points.
        result, error, text = self._rpc(self.cashier, "pos.order", "sync_from_ui", [self._ui_order(300, claimed=1)])
        self.assertIsNone(error, text)
        self.assertEqual(self._spent(result), 300)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500 - 300 + 190)

    def test_typed_points_over_the_balance_are_refused_before_payment_and_never_taken(self):
        check, error, text = self._check(self.cashier, 600)
        self.assertIsNone(error, text)
        self.assertEqual((check["points"], check["allowed"]), (600, 500))
        self.assertTrue(check["problems"], "the desk is told before payment")
        # A browser that pays anyway: the balance never goes below zero.
        result, error, text = self._rpc(self.cashier, "pos.order", "sync_from_ui", [self._ui_order(600)])
        self.assertIsNone(error, text)
        self.assertEqual(self._spent(result), 500)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))
        self.assertGreaterEqual(self.card.points, 0)

    def test_typed_points_over_the_programmes_share_are_refused(self):
        self.card._clinic_post("earn", 1500, "More")
        check, error, text = self._check(self.cashier, 1500)
        self.assertIsNone(error, text)
        self.assertEqual((check["points"], check["allowed"]), (1500, 1100), "50 % of 2200")
        self.assertTrue(check["problems"])

    def test_users_outside_the_front_desk_cannot_check_or_sync_points(self):
        before = (self.card.points, self.env["clinic.loyalty.ledger"].search_count([]))
        for user in (self.salesperson, self.portal):
            _result, error, _text = self._check(user, 300)
            self.assertEqual(error, ACCESS, user.login)
        _result, error, _text = self._rpc(self.portal, "pos.order", "sync_from_ui", [self._ui_order(300)])
        self.assertEqual(error, ACCESS)
        self.env.invalidate_all()
        self.assertEqual((self.card.points, self.env["clinic.loyalty.ledger"].search_count([])), before)
