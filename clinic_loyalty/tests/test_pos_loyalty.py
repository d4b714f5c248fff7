from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import ExactQueryCount


class PosClinicCommon(ExactQueryCount, TestPoSCommon):
    """A POS selling a clinic programme's services, and orders synced as the browser sends
    them (``sync_from_ui``), without a browser."""

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

    def _pay_from_back_office(self, order):
        """The Payment button of the POS order form, paying what is due in cash."""
        self.env["pos.make.payment"].with_context(active_id=order.id, active_ids=order.ids).create(
            {"amount": order.amount_total, "payment_method_id": self.cash_pm1.id}
        ).check()

    def _sync(self, data):
        result = self.env["pos.order"].sync_from_ui([data])
        self.card.invalidate_recordset()
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _sync_costs(self, data, queries):
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertExactQueryCount(queries):
            result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])


@tagged("post_install", "-at_install")
class TestPosLoyalty(PosClinicCommon):
    """POS orders synced as the browser sends them (``sync_from_ui``), without a browser."""

    def test_a_pos_sync_with_points_costs_at_most_15_queries_more_than_on_a_plain_programme(self):
        """The same order (a 2200 service, 200 paid with points) synced on the clinic
        programme and on a plain loyalty programme: the clinic posts spending, earning and
        the patient's notices within the sync; stock leaves the points to a later call."""
        (self.env["loyalty.program"].search([]) - self.program).action_archive()
        self.program.write({"clinic_notify_email": True, "clinic_notify_sms": True})
        self.patient.sudo().write({"email": "pos@example.com", "phone": "+7 912 555 00 01"})
        self.card._clinic_post("earn", 1000, "Opening")
        self._sync(self._order_data([(self.service, 1)]))  # Odoo's caches, as on a running terminal
        clinic = self._sync_costs(self._order_data([(self.service, 1), self._reward_line(200)]), 162)
        self.assertEqual(sorted(clinic.sudo().clinic_ledger_ids.mapped("kind")), ["earn", "spend"])

        plain = self.env["loyalty.program"].create(
            {
                "name": "Plain POS Loyalty",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "pos_ok": True,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )
        customer = self.env["res.partner"].create({"name": "Plain POS Customer"})
        card = self.env["loyalty.card"].create({"program_id": plain.id, "partner_id": customer.id, "points": 1000})
        data = self._order_data([(self.service, 1), self._reward_line(200)], customer=customer)
        for line in data["lines"]:
            if line[2].get("reward_id"):
                line[2].update({"reward_id": plain.reward_ids.id, "coupon_id": card.id})
        self._sync(self._order_data([(self.service, 1)], customer=customer))
        # 3 fewer: a plain programme in a clinic's company pays for what every paid order
        # there gets: clinic_loyalty_packages reads the lines' products (does one sell a
        # package?), the effects run in a savepoint (a refused effect never undoes the
        # payment) and the lines' totals are checked against the server's.
        self._sync_costs(data, 158)

    def test_a_company_without_a_clinic_programme_syncs_sales_and_refunds_as_stock(self):
        self.company.clinic_loyalty_program_id = False
        order = self._sync(self._order_data([(self.massage, 2)]))
        self.assertEqual(order.state, "paid")
        line = order.lines.filtered(lambda line: line.product_id == self.massage)
        refund = self._sync(
            self.create_ui_order_data(
                [{"product": self.massage, "quantity": -1, "refunded_orderline_id": line.id}], customer=self.patient
            )
        )
        self.assertEqual(refund.state, "paid")
        self.assertEqual(self.env["pos.order"].clinic_refund_reward_shares(order.id, {str(line.id): 1}),
                         {"shares": [], "settle": False})  # fmt: skip
        self.assertFalse(order.sudo().clinic_ledger_ids)

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
        history = self.env["loyalty.history"].sudo().search([("card_id", "=", self.card.id)])
        self.assertEqual((history.issued, history.used), (220, 0))

    def test_an_order_without_a_customer_syncs(self):
        data = self._order_data([(self.service, 1)])
        data["partner_id"] = False
        self.assertEqual(self._sync(data).state, "paid")
        self.assertEqual(self.card.points, 0)

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

    def test_points_over_the_rules_never_block_the_queue(self):
        """A paid order is saved; the card gives what the rules allow; the manager is told."""
        self.card._clinic_post("earn", 2000, "Opening")
        # 1500 off a 2200 service where the programme allows 50% (1100).
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(1500)]))
        self.assertEqual(order.state, "paid")
        spend = order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        self.assertEqual(spend.points, -1100)
        self.assertEqual(sum(order.lines.mapped("points_cost")), 1100)
        todo = self.card.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertRegex(todo.note, r"discount worth 1,500 points; the card gave 1,100 points.*more than the 50%")
        self.assertEqual(self.card.points, 2000 - 1100 + 70)
        # Beyond the balance: the card gives what it has, never below zero.
        self.card._clinic_post("spend", -870, "Elsewhere")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(1000)]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend").points, -100)
        self.assertEqual(len(self.card.activity_ids), 2)
        self.assertEqual(self.card.points, 120)
        # The next order of the terminal syncs as usual.
        self.assertEqual(self._sync(self._order_data([(self.service, 1)])).state, "paid")
        self.assertEqual(self.card.points, 120 + 220)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_clinic_reward_line_pays_with_the_patients_card_whatever_coupon_it_names(self):
        self.card._clinic_post("earn", 500, "Opening")
        line = self._reward_line(200)
        line["coupon_id"] = False
        order = self._sync(self._order_data([(self.service, 1), line]))
        self.assertEqual(order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "spend").points, -200)
        self.assertEqual(order.lines.filtered("reward_id").coupon_id, self.card)

    def test_an_order_paid_from_the_back_office_reaches_the_ledger_once(self):
        data = self._order_data([(self.service, 1)])
        data["payment_ids"] = []
        data["amount_paid"] = 0
        order = self.env["pos.order"].browse(
            self.env["pos.order"].sync_from_ui([data | {"state": "draft"}])["pos.order"][0]["id"]
        )
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.card.points, 0)
        self._pay_from_back_office(order)
        self.card.invalidate_recordset()
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.card.points, 220)
        order._clinic_post_loyalty()
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)

    def test_return_products_paid_from_the_back_office_reverses(self):
        order = self._sync(self._order_data([(self.massage, 2)]))
        self.assertEqual(self.card.points, 220)
        refund = self.env["pos.order"].browse(order.refund()["res_id"])
        # The cashier returns one of the two massages (as the form's onchanges do).
        line = refund.lines.filtered(lambda line: line.product_id == self.massage)
        line.qty = -1
        line._onchange_amount_line_all()
        refund._onchange_amount_all()
        self._pay_from_back_office(refund)
        self.card.invalidate_recordset()
        self.assertEqual(refund.state, "paid")
        self.assertEqual(self.card.points, 110, "half of the order returned: half of its points taken back")

    def test_prepaid_credit_earns_when_spent_and_combos_earn_on_their_items(self):
        gift_card = self.create_product("Gift Card", self.categ_basic, 1000.0, tax_ids=[])
        self.env["loyalty.program"].create(
            {
                "name": "Clinic gift cards",
                "program_type": "gift_card",
                "company_id": self.company.id,
                "rule_ids": [(5, 0, 0), (0, 0, {"product_ids": gift_card.ids, "reward_point_amount": 1})],
            }
        )
        order = self._sync(self._order_data([(self.service, 1), (gift_card, 1)]))
        self.assertEqual(order.sudo().clinic_ledger_ids.amount, 2200, "a gift card sold is not a treatment paid")
        self.assertEqual(self.card.points, 220)

        combo_product = self.env["product.product"].create(
            {
                "name": "Check-up combo",
                "type": "combo",
                "company_id": self.company.id,
                "list_price": 0,
                "available_in_pos": True,
                "combo_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Check-up",
                            "company_id": self.company.id,
                            "combo_item_ids": [(0, 0, {"product_id": self.massage.id})],
                        },
                    )
                ],
            }
        )
        data = self._order_data([(self.massage, 1)])
        item = data["lines"][0][2]
        item.update({"uuid": "combo-item", "id": 2})
        parent = dict(item, uuid="combo-parent", id=1, product_id=combo_product.id, price_unit=0, price_subtotal=0,
                      price_subtotal_incl=0, combo_line_ids=[2])  # fmt: skip
        data["lines"].insert(0, (0, 0, parent))
        order = self._sync(data)
        self.assertEqual(order.lines.filtered("combo_line_ids").combo_line_ids.product_id, self.massage)
        self.assertEqual(order.sudo().clinic_ledger_ids.points, 110, "the combo earns on its items' prices")

    def test_refunding_a_membership_sold_at_the_pos_ends_its_period(self):
        fee = self.create_product("Family Card", self.categ_basic, 199.0, tax_ids=[])
        self.env["clinic.loyalty.membership.plan"].sudo().create(
            {"name": "POS Family", "product_id": fee.id, "company_id": self.company.id}
        )
        sale = self._sync(self._order_data([(fee, 1)]))
        household = self.patient.sudo().clinic_household_id
        self.assertEqual((household.state, household.membership_paid), ("active", 199))
        self.assertEqual(self.card.points, 0, "a membership fee earns nothing")
        fee_line = sale.lines.filtered(lambda line: line.product_id == fee)
        self._sync(
            self.create_ui_order_data(
                [{"product": fee, "quantity": -1, "refunded_orderline_id": fee_line.id}], customer=self.patient
            )
        )
        household.invalidate_recordset()
        self.assertEqual((household.state, household.membership_paid), ("expired", 0))

    def test_a_refund_gives_back_what_the_item_cost_in_money_and_points(self):
        """Two 1100 massages paid with 2000 money and 200 points: one massage returned is 1000 and 100 points."""
        self.card._clinic_post("earn", 300, "Opening")
        order = self._sync(self._order_data([(self.massage, 2), self._reward_line(200)]))
        # 2200 - 200 paid with points: 200 spent, 200 earned.
        self.assertEqual(self.card.points, 300)
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        points_line = order.lines.filtered("reward_id")
        # The refund screen asks the server for the points line's share of one massage.
        shares = (
            self.env["pos.order"]
            .with_user(self.cashier)
            .clinic_refund_reward_shares(order.id, {str(massage_line.id): 1})
        )
        # One unit at the share's price in the currency: the figure the screen, the receipt,
        # the payment and the ledger share.
        self.assertEqual(
            shares, {"shares": [{"line_id": points_line.id, "qty": 1, "price_unit": -100}], "settle": False}
        )
        refund_data = self.create_ui_order_data(
            [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
            customer=self.patient,
        )
        refund_data["lines"].append(
            (0, 0, {"product_id": points_line.product_id.id, "qty": -0.5, "price_unit": -200, "price_subtotal": 100,
                    "price_subtotal_incl": 100, "tax_ids": [(6, 0, [])], "refunded_orderline_id": points_line.id})
        )  # fmt: skip
        refund_data.update({"amount_total": -1000, "amount_paid": -1000})
        refund_data["payment_ids"][0][2]["amount"] = -1000
        refund = self._sync(refund_data).sudo()
        self.assertEqual(refund.amount_total, -1000, "1000 money back")
        order = order.sudo()
        reversals = order.clinic_ledger_ids.filtered(lambda line: line.kind == "reversal").sorted("id")
        self.assertEqual(reversals.mapped("points"), [100, -100], "100 points given back, 100 earned taken back")
        self.assertEqual(reversals.refund_pos_order_id, refund)
        self.assertIn(refund.pos_reference.split()[-1], reversals[0].reason)
        self.assertEqual(self.card.points, 300)
        self.assertEqual(self.card.clinic_total_spend, 1000)
        self.assertFalse(refund.clinic_ledger_ids, "the refund itself earns nothing")
        # The other massage's share is all that is left to refund.
        self.assertEqual(
            self.env["pos.order"].clinic_refund_reward_shares(order.id, {str(massage_line.id): 2})["shares"],
            [{"line_id": points_line.id, "qty": 1, "price_unit": -100}],
        )

    def test_a_refund_after_the_earned_points_were_spent_takes_what_is_left(self):
        order = self._sync(self._order_data([(self.massage, 2)]))
        self.assertEqual(self.card.points, 220)
        self.card._clinic_post("spend", -200, "Spent on another visit")
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        self._sync(
            self.create_ui_order_data(
                [{"product": self.massage, "quantity": -2, "refunded_orderline_id": massage_line.id}],
                customer=self.patient,
            )
        )
        reversal = order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual((self.card.points, reversal.points), (0, -20))
        self.assertIn("200 points already spent, not taken back", reversal.reason)
        # The value refunded twice is the manager's to settle: a to-do on the card.
        self.assertRegex(self.card.activity_ids.note, r"should take back 200 points that the order earned")

    def test_a_pos_refund_keeps_back_the_value_of_earned_points_already_spent(self):
        """Two massages earned 220 points, the patient spent 200 of them elsewhere: refunding
        one massage should take back 110; the card holds 20, so the refund keeps back the
        value of the other 90 (the server's figure, before payment) and returns 1010."""
        order = self._sync(self._order_data([(self.massage, 2)]))
        self.card._clinic_post("spend", -200, "Spent on another visit")
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        answer = (
            self.env["pos.order"]
            .with_user(self.cashier)
            .clinic_refund_reward_shares(order.id, {str(massage_line.id): 1})
        )
        self.assertEqual(answer["shares"], [])
        self.assertEqual(
            {k: answer["settle"][k] for k in ("points", "amount", "product_id")},
            {"points": 90, "amount": 90, "product_id": self.reward.discount_line_product_id.id},
        )
        self.assertEqual(answer["settle"]["name"], "90 points already spent, kept back from the refund")
        refund_data = self.create_ui_order_data(
            [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
            customer=self.patient,
        )
        refund_data["lines"].append(
            (0, 0, {"product_id": answer["settle"]["product_id"], "qty": 1, "price_unit": 90, "price_subtotal": 90,
                    "price_subtotal_incl": 90, "tax_ids": [(6, 0, [])]})
        )  # fmt: skip
        refund_data.update({"amount_total": -1010, "amount_paid": -1010})
        refund_data["payment_ids"][0][2]["amount"] = -1010
        refund = self._sync(refund_data).sudo()
        self.assertEqual(refund.amount_total, -1010)
        reversal = order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual((reversal.points, reversal.amount), (-20, -1100))
        self.assertIn("90 points already spent, deducted from the money refunded", reversal.reason)
        self.assertEqual(self.card.points, 0)
        self.assertFalse(self.card.activity_ids, "nothing left for the manager to settle")
        self.assertFalse(refund.clinic_ledger_ids, "the deduction line earns nothing")

    def test_a_refund_after_the_member_left_reverses_on_the_household_card(self):
        fee = self.create_product("Family Card", self.categ_basic, 199.0, tax_ids=[])
        plan = (
            self.env["clinic.loyalty.membership.plan"]
            .sudo()
            .create({"name": "POS Family", "product_id": fee.id, "company_id": self.company.id})
        )
        household = (
            self.env["clinic.loyalty.household"]
            .sudo()
            ._clinic_sell_membership(self.patient, plan, 199, "test:pos-family", "Test")
        )
        member = self.env["res.partner"].sudo().create({"name": "POS Member", "is_patient": True})
        household.action_clinic_add_members(member.ids)
        data = self._order_data([(self.massage, 2)])
        data["partner_id"] = member.id
        order = self._sync(data)
        self.assertEqual(self.card.points, 220, "the member earned into the household card")
        member.sudo().clinic_household_id = False
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)
        self._sync(
            self.create_ui_order_data(
                [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}], customer=member
            )
        )
        self.assertEqual(self.card.points, 110, "half taken back from the card the order earned on")
        self.assertFalse(member.clinic_card_ids.sudo().clinic_ledger_ids)

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
        plain = self.env["loyalty.program"].create(
            {"name": "Pharmacy points", "program_type": "loyalty", "pos_ok": True, "company_id": self.company.id}
        )
        plain_card = self.env["loyalty.card"].create(
            {"program_id": plain.id, "partner_id": self.patient.id, "points": 7}
        )
        session = self.pos_session.with_user(self.cashier)
        data = session.load_data(["pos.config", "loyalty.program", "loyalty.card"])
        self.assertIn(self.program.id, [p["id"] for p in data["loyalty.program"]["data"]])
        self.assertNotIn("error", data["loyalty.card"])
        loaded = [card["id"] for card in data["loyalty.card"]["data"]]
        self.assertIn(coupon.id, loaded, "coupons are still loaded, as Odoo does")
        self.assertIn(plain_card.id, loaded, "cards of programmes that are not the clinic's load as in stock")
        self.assertNotIn(self.card.id, loaded, "clinic cards are not loaded with the POS")

        self.card._clinic_post("earn", 120, "Opening")
        info = self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(self.patient.id)
        self.assertEqual((info["card_id"], info["points"], info["max_redeem_percent"]), (self.card.id, 120, 50))
        self.assertEqual(self.env["loyalty.card"].with_user(self.cashier).clinic_pos_card_info(self.partner_a.id), {})
