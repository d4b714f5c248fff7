from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon


@tagged("post_install", "-at_install")
class TestPosLoyalty(TestPoSCommon):
    """POS orders synced as the browser sends them (``sync_from_ui``), without a browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Clinic POS Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": cls.company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_earn_rate": 10,
                "clinic_max_redeem_percent": 50,
                "clinic_points_validity_months": 12,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [
                    (
                        0,
                        0,
                        {"reward_type": "discount", "discount_mode": "per_point", "discount": 1, "required_points": 1},
                    )
                ],
            }
        )
        cls.reward = cls.program.reward_ids
        cls.company.clinic_loyalty_program_id = cls.program
        cls.service = cls.create_product("Consultation", cls.categ_basic, 2200.0, tax_ids=[])
        cls.massage = cls.create_product("Massage", cls.categ_basic, 1100.0, tax_ids=[])
        # The test user is an accountant: enrolling is the front desk's, done here as the system.
        cls.patient = cls.env["res.partner"].sudo().create({"name": "POS Patient", "is_patient": True})
        # The test user is an accountant without loyalty rights: read the ledger with sudo.
        cls.card = cls.patient.clinic_card_ids.sudo()
        cls.cashier = new_test_user(
            cls.env,
            login="clinic_pos_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company.id,
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _reward_line(self, points, claimed=None):
        return {
            "product": self.reward.discount_line_product_id,
            "quantity": 1,
            "price_unit": -points,
            "price_subtotal": -points,
            "price_subtotal_incl": -points,
            "reward_id": self.reward.id,
            "coupon_id": self.card.id,
            "is_reward_line": True,
            "points_cost": points if claimed is None else claimed,
            "reward_identifier_code": "clinic-test",
        }

    def _order_data(self, lines, customer=None):
        data = self.create_ui_order_data([], customer=customer or self.patient)
        # create_ui_order_data prices lines from the pricelist; reward lines carry their own price.
        data["lines"] = []
        for line in lines:
            if isinstance(line, dict) and "reward_id" in line:
                vals = {k: v for k, v in line.items() if k not in ("product", "quantity")}
                data["lines"].append(
                    (0, 0, {**vals, "product_id": line["product"].id, "qty": line["quantity"], "tax_ids": [(6, 0, [])]})
                )
            else:
                data["lines"] += self.create_ui_order_data([line], customer=self.patient)["lines"]
        total = sum(line[2]["price_subtotal_incl"] for line in data["lines"])
        data.update({"amount_total": total, "amount_paid": total, "amount_tax": 0})
        data["payment_ids"][0][2]["amount"] = total
        return data

    def _sync(self, data):
        result = self.env["pos.order"].sync_from_ui([data])
        self.card.invalidate_recordset()
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def test_the_server_gives_the_points_whatever_the_browser_claims(self):
        order = self._sync(self._order_data([(self.service, 1)]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.card.points, 220)

        # The browser then confirms its own figure (1000 points for this order): ignored.
        order.confirm_coupon_programs(
            {self.card.id: {"points": 1000, "program_id": self.program.id, "coupon_id": self.card.id}}
        )
        order.add_loyalty_history_lines([{"card_id": str(self.card.id), "won": 1000, "spent": 0}], [])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 220)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))
        history = self.env["loyalty.history"].search([("card_id", "=", self.card.id)])
        self.assertEqual((history.issued, history.used), (220, 0))

    def test_an_order_synced_twice_earns_once(self):
        data = self._order_data([(self.service, 1)])
        first = self._sync(data)
        again = self._sync(self._order_data([(self.service, 1)]) | {"uuid": data["uuid"], "name": data["name"]})
        self.assertEqual(again, first)
        self.assertEqual(self.card.points, 220)
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)
        # The posting itself is idempotent too, should it be reached again.
        first._clinic_post_loyalty()
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)

    def test_points_spent_are_what_the_discount_is_worth(self):
        self.card._clinic_post("earn", 500, "Opening")
        # The browser claims the 200 discount cost 50 points.
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(200, claimed=50)]))
        order = order.sudo()
        spend = order.clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        earn = order.clinic_ledger_ids.filtered(lambda line: line.kind == "earn")
        self.assertEqual(spend.points, -200)
        self.assertEqual((earn.points, earn.amount), (200, 2000), "10% of what was paid, not of the points")
        self.assertEqual(self.card.points, 500)
        self.assertEqual(sum(order.lines.mapped("points_cost")), 200)

    def test_more_than_the_allowed_share_or_the_balance_is_refused(self):
        self.card._clinic_post("earn", 2000, "Opening")
        # assertRaises (not ...Regex) rolls back to a savepoint, as a failed RPC would.
        with self.assertRaises(UserError) as refusal:
            self._sync(self._order_data([(self.service, 1), self._reward_line(1500)]))
        self.assertRegex(refusal.exception.args[0], r"pays .*1,500\.00 with points, more than the 50%")
        self.assertFalse(self.env["pos.order"].search([("partner_id", "=", self.patient.id)]))
        self.card._clinic_post("spend", -1900, "Elsewhere")
        with self.assertRaisesRegex(UserError, r"uses 1000 Points but card \d+ has 100 Points"):
            self._sync(self._order_data([(self.service, 1), self._reward_line(1000)]))
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 100)

    def test_a_refund_reverses_in_proportion(self):
        self.card._clinic_post("earn", 300, "Opening")
        order = self._sync(self._order_data([(self.massage, 2), self._reward_line(200)]))
        # 2200 - 200 paid with points: 200 spent, 200 earned.
        self.assertEqual(self.card.points, 300)
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        refund_data = self.create_ui_order_data(
            [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
            customer=self.patient,
        )
        refund = self._sync(refund_data).sudo()
        order = order.sudo()
        reversals = order.clinic_ledger_ids.filtered(lambda line: line.kind == "reversal").sorted("id")
        self.assertEqual(reversals.mapped("points"), [100, -100], "half refunded: 100 given back, 100 taken back")
        self.assertIn(refund.pos_reference, reversals[0].reason)
        self.assertEqual(self.card.points, 300)
        self.assertEqual(self.card.clinic_total_spend, 1000)
        self.assertFalse(refund.clinic_ledger_ids, "the refund itself earns nothing")

    def test_receipt_figures_come_from_the_server(self):
        self.card._clinic_post("earn", 500, "Opening")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(300)]))
        figures = self.env["pos.order"].with_user(self.cashier).clinic_loyalty_receipt(order.id)
        self.assertEqual(
            (figures["earned"], figures["spent"], figures["balance"], figures["card_code"]),
            (190, 300, 390, self.card.code),
        )

    def test_the_pos_loads_no_patient_card_but_fetches_the_selected_one(self):
        coupons = self.env["loyalty.program"].create(
            {"name": "Clinic coupons", "program_type": "coupons", "pos_ok": True, "company_id": self.company.id}
        )
        coupon = self.env["loyalty.card"].create({"program_id": coupons.id, "points": 1})
        session = self.pos_session.with_user(self.cashier)
        data = session.load_data(["pos.config", "loyalty.program", "loyalty.card"])
        self.assertIn(self.program.id, [p["id"] for p in data["loyalty.program"]["data"]])
        self.assertNotIn("error", data["loyalty.card"])
        loaded = [card["id"] for card in data["loyalty.card"]["data"]]
        self.assertIn(coupon.id, loaded, "coupons are still loaded, as Odoo does")
        self.assertNotIn(self.card.id, loaded, "patients' cards are not loaded with the POS")

        self.card._clinic_post("earn", 120, "Opening")
        info = self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(self.patient.id)
        self.assertEqual((info["card_id"], info["points"], info["max_redeem_percent"]), (self.card.id, 120, 50))
        self.assertEqual(self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(self.partner_a.id), {})
