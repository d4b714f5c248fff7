import importlib.util
from pathlib import Path

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ClinicBonusCommon
from .test_pos_loyalty import PosClinicCommon


@tagged("post_install", "-at_install")
class TestPosLineRecords(PosClinicCommon):
    """Every POS line knows what it did, and value follows payment (worked figures of issue 24)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_aesthetics = Category.create({"name": "Aesthetics"})
        cls.categ_lab = Category.create({"name": "Lab tests"})
        # 20 % on aesthetics, nothing on lab tests; 10 % elsewhere.
        cls.program.sudo().clinic_category_rate_ids = [
            (0, 0, {"categ_id": cls.categ_aesthetics.id, "rate": 20}),
            (0, 0, {"categ_id": cls.categ_lab.id, "rate": 0}),
        ]
        cls.peel = cls.create_product("Peel", cls.categ_aesthetics, 1000.0, tax_ids=[])
        cls.blood_test = cls.create_product("Blood test", cls.categ_lab, 1000.0, tax_ids=[])
        cls.tax_20 = (
            cls.env["account.tax"]
            .sudo()
            .create({"name": "VAT 20 % on top", "amount": 20, "amount_type": "percent", "price_include": False})
        )
        cls.taxed = cls.create_product("Laser", cls.categ_basic, 1000.0, tax_ids=cls.tax_20.ids)

    def _line(self, order, product):
        return order.lines.filtered(lambda line: line.product_id == product)

    def _refund(self, order, *lines_qty):
        """A POS refund of ``(line, qty)`` of ``order``, paid back in cash as the refund screen does."""
        data = self.create_ui_order_data(
            [
                {"product": line.product_id, "quantity": -qty, "refunded_orderline_id": line.id}
                for line, qty in lines_qty
            ],
            customer=order.partner_id,
        )
        return self._sync(data)

    def _earned(self, order):
        return sum(order.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "earn").mapped("points"))

    def _reversed(self, refund):
        return sum(
            self.env["clinic.loyalty.ledger"].sudo().search([("refund_pos_order_id", "=", refund.id)]).mapped("points")
        )

    def test_each_line_records_what_it_earned_at_its_rate(self):
        order = self._sync(self._order_data([(self.peel, 1), (self.blood_test, 1)]))
        self.assertEqual(self._earned(order), 200)
        records = self.env["clinic.loyalty.line.record"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        self.assertEqual(
            sorted((r.pos_line_id.product_id.name, r.points, r.amount, r.rate) for r in records),
            [("Blood test", 0, 1000, 0), ("Peel", 200, 1000, 20)],
        )
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_refunding_the_line_at_0_percent_takes_back_nothing(self):
        order = self._sync(self._order_data([(self.peel, 1), (self.blood_test, 1)]))
        refund = self._refund(order, (self._line(order, self.blood_test), 1))
        self.assertEqual(self._reversed(refund), 0)
        self.assertEqual(self.card.points, 200)

    def test_refunding_the_line_at_20_percent_takes_back_its_200(self):
        order = self._sync(self._order_data([(self.peel, 1), (self.blood_test, 1)]))
        refund = self._refund(order, (self._line(order, self.peel), 1))
        self.assertEqual(self._reversed(refund), -200)
        self.assertEqual(self.card.points, 0)
        # Refunding the lab test afterwards takes back nothing more.
        self._refund(order, (self._line(order, self.blood_test), 1))
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_partial_refund_of_quantity_2_takes_back_half_of_the_line(self):
        order = self._sync(self._order_data([(self.peel, 2), (self.service, 1)]))
        self.assertEqual(self._earned(order), 400 + 220)
        refund = self._refund(order, (self._line(order, self.peel), 1))
        self.assertEqual(self._reversed(refund), -200)
        refund = self._refund(order, (self._line(order, self.peel), 1))
        self.assertEqual(self._reversed(refund), -200)
        self.assertEqual(self.card.points, 220)
        records = (
            self.env["clinic.loyalty.line.record"]
            .sudo()
            .search([("pos_line_id", "=", self._line(order, self.peel).id)])
        )
        self.assertEqual(sum(records.mapped("points")), 0, "the line gave back exactly what it earned")

    def test_the_server_computes_the_line_amount_whatever_the_browser_sent(self):
        data = self._order_data([(self.service, 1)])
        line = data["lines"][0][2]
        line.update({"price_unit": 1000, "qty": 1, "price_subtotal": 100000, "price_subtotal_incl": 100000})
        data["payment_ids"][0][2]["amount"] = 1000
        data.update({"amount_total": 1000, "amount_paid": 1000})
        order = self._sync(data)
        self.assertEqual(self._earned(order), 100, "10 % of the 1,000 paid, not of the 100,000 claimed")
        self.assertIn("the till sent", order.message_ids[:1].body)
        activity = (
            self.env["mail.activity"].sudo().search([("res_model", "=", "loyalty.card"), ("res_id", "=", self.card.id)])
        )
        self.assertIn("Line totals corrected on order", " ".join(activity.mapped("summary")))
        self.assertIn("the server counts", " ".join(activity.mapped("note")))

    def test_taxes_on_top_earn_on_the_taxed_amount_paid(self):
        order = self._sync(self._order_data([(self.taxed, 2)]))
        # 2 x 1,000 + 20 % = 2,400 paid.
        self.assertEqual(self._earned(order), 240)
        refund = self._refund(order, (self._line(order, self.taxed), 1))
        self.assertEqual(self._reversed(refund), -120)

    def test_a_line_that_refunds_nothing_earns_nothing_and_an_order_paid_0_earns_nothing(self):
        data = self._order_data([(self.service, 1)])
        line = data["lines"][0][2]
        line.update({"price_unit": 200000, "price_subtotal": 200000, "price_subtotal_incl": 200000})
        data["lines"].append((0, 0, {**line, "uuid": "negative-line-1", "qty": -1, "price_subtotal": -200000,
                                     "price_subtotal_incl": -200000}))  # fmt: skip
        data["payment_ids"][0][2]["amount"] = 0
        data.update({"amount_total": 0, "amount_paid": 0})
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._earned(order), 0)
        self.assertFalse(order.sudo().clinic_ledger_ids, "an order paid 0 is no paid visit")
        self.assertEqual(self.card.clinic_total_spend, 0)

    def test_a_points_product_without_its_reward_earns_only_on_the_money_received(self):
        data = self._order_data([(self.service, 1)])
        line = data["lines"][0][2]
        line.update({"price_unit": 10000, "price_subtotal": 10000, "price_subtotal_incl": 10000})
        data["lines"].append(
            (0, 0, {**line, "uuid": "points-product-1", "product_id": self.reward.discount_line_product_id.id,
                    "price_unit": -9000, "price_subtotal": -9000, "price_subtotal_incl": -9000})
        )  # fmt: skip
        data["payment_ids"][0][2]["amount"] = 1000
        data.update({"amount_total": 1000, "amount_paid": 1000})
        order = self._sync(data)
        self.assertEqual(self._earned(order), 100, "10 % of the 1,000 received, not of the 10,000 line")

    def test_a_refund_paid_with_points_is_never_a_paid_visit(self):
        self.card._clinic_post("earn", 5000, "Opening")
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(1100)]))
        spend_before = self.card.clinic_total_spend
        points_line = order.lines.filtered("reward_id")
        data = self.create_ui_order_data(
            [{"product": self.service, "quantity": -1, "refunded_orderline_id": self._line(order, self.service).id}],
            customer=self.patient,
        )
        data["lines"].append(
            (0, 0, {"product_id": points_line.product_id.id, "qty": -1, "price_unit": 1100, "price_subtotal": 1100,
                    "price_subtotal_incl": 1100, "tax_ids": [(6, 0, [])], "refunded_orderline_id": points_line.id})
        )  # fmt: skip
        data["payment_ids"][0][2]["amount"] = -1100
        data.update({"amount_total": -1100, "amount_paid": -1100})
        refund = self._sync(data)
        self.assertFalse(
            refund.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "earn"), "a refund earns nothing"
        )
        self.assertLessEqual(self.card.clinic_total_spend, spend_before)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_return_products_of_an_order_paid_with_points_is_no_paid_visit(self):
        """The back office's Return Products of a consultation paid entirely with points: the
        points come back, nothing is earned, no money counts towards tiers."""
        self.card._clinic_post("earn", 5000, "Opening")
        self.program.sudo().clinic_max_redeem_percent = 100
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(2200)]))
        self.assertEqual(self.card.points, 5000 - 2200)
        refund = order._refund()
        self._pay_from_back_office(refund)
        self.assertIn(refund.state, ("paid", "done"))
        self.card.invalidate_recordset()
        self.assertFalse(refund.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "earn"))
        self.assertEqual(self.card.clinic_total_spend, 0, "a refund is never a paid visit")
        self.assertEqual(self.card.points, 5000, "the 2,200 points come back")

    def test_an_exchange_earns_on_the_new_item_paid_with_the_returned_one(self):
        order = self._sync(self._order_data([(self.service, 1)]))
        self.assertEqual(self.card.points, 220)
        data = self.create_ui_order_data(
            [
                {"product": self.service, "quantity": -1, "refunded_orderline_id": order.lines.id},
                {"product": self.service, "quantity": 1},
            ],
            customer=self.patient,
        )
        exchange = self._sync(data)
        self.assertEqual(self._earned(exchange), 220, "the new consultation is paid by the returned one")
        self.assertEqual(self.card.points, 220)

    def test_the_customer_account_pays_for_what_the_order_sells_and_may_be_refunded(self):
        order = self._sync(
            self.create_ui_order_data([(self.service, 1)], customer=self.patient, payments=[(self.pay_later_pm, 2200)])
        )
        answer = (
            self.env["pos.order"]
            .with_user(self.cashier)
            .clinic_check_refund([{"refunded_line_id": order.lines.id, "qty": 1, "amount": 2200}])
        )
        self.assertEqual(answer, {"problems": []}, "an order on the customer account can be refunded")
        fee = self.create_product("Family Card", self.categ_basic, 5000.0, tax_ids=[])
        self.env["clinic.loyalty.membership.plan"].sudo().create(
            {"name": "POS Family", "product_id": fee.id, "company_id": self.company.id}
        )
        self._sync(self.create_ui_order_data([(fee, 1)], customer=self.patient, payments=[(self.pay_later_pm, 5000)]))
        period = self.patient.sudo().clinic_household_id.period_ids
        self.assertEqual((period.amount, period.cancelled), (5000, False))

    def test_the_payment_hook_run_again_applies_nothing(self):
        order = self._sync(self._order_data([(self.peel, 1), (self.blood_test, 1)]))
        order.action_pos_order_paid()
        order._clinic_post_loyalty()
        self.assertEqual(self.card.points, 200)
        self.assertEqual(len(self.card.clinic_ledger_ids), 1)

    def test_a_paid_order_keeps_its_patient_and_lines(self):
        order = self._sync(self._order_data([(self.peel, 1)]))
        other = self.env["res.partner"].sudo().create({"name": "Other Patient", "is_patient": True})
        order = order.with_user(self.cashier)
        with self.assertRaisesRegex(UserError, "is paid: its patient, lines and payments can no longer be changed"):
            order.partner_id = other
        with self.assertRaisesRegex(UserError, "is paid: its lines can no longer be changed"):
            order.lines.qty = 4
        order.action_pos_order_paid()
        self.assertFalse(other.clinic_card_ids.sudo().clinic_ledger_ids.filtered(lambda line: line.kind == "earn"))
        self.assertEqual(self.card.points, 200)

    def test_a_refused_effect_keeps_the_paid_order_and_tells_a_manager(self):
        """A household member buying the household's plan: the plan is refused, the order
        is saved, what the order earns is still posted, and a manager gets a to-do."""
        fee = self.create_product("Family Card", self.categ_basic, 199.0, tax_ids=[])
        self.env["clinic.loyalty.membership.plan"].sudo().create(
            {"name": "POS Family", "product_id": fee.id, "company_id": self.company.id}
        )
        self._sync(self._order_data([(fee, 1)]))
        household = self.patient.sudo().clinic_household_id
        member = self.env["res.partner"].sudo().create({"name": "POS Member", "is_patient": True})
        household.sudo().action_clinic_add_members(member.ids)
        data = self._order_data([(fee, 1), (self.peel, 1)], customer=member)
        order = self._sync(data)
        self.assertEqual(order.state, "paid", "the payment is kept")
        self.assertIn("the holder buys or renews the membership", order.message_ids[:1].body)
        self.assertEqual(self._earned(order), 200, "the peel's 20 % is posted on the household's card")
        activities = self.env["mail.activity"].sudo().search([("res_model", "=", "loyalty.card")])
        self.assertIn("Loyalty not applied on order", " ".join(activities.mapped("summary")))

    def test_a_plan_sold_with_quantity_2_gives_two_periods_and_a_refund_of_one_takes_one(self):
        fee = self.create_product("Family Card", self.categ_basic, 5000.0, tax_ids=[])
        self.env["clinic.loyalty.membership.plan"].sudo().create(
            {"name": "POS Family", "product_id": fee.id, "company_id": self.company.id, "validity_months": 12}
        )
        order = self._sync(self._order_data([(fee, 2), (self.service, 1)]))
        household = self.patient.sudo().clinic_household_id
        periods = household.period_ids.filtered(lambda period: not period.cancelled).sorted("date_start")
        self.assertEqual(len(periods), 2, "10,000 paid for two periods gives two periods")
        self.assertEqual(periods.mapped("amount"), [5000, 5000])
        self.assertEqual(household.date_end, periods[1].date_end)
        self.assertEqual(self._earned(order), 220, "the plan earns nothing, the consultation its 10 %")
        refund = self._refund(order, (self._line(order, fee), 1))
        household.invalidate_recordset()
        self.assertEqual(len(household.period_ids.filtered("cancelled")), 1)
        self.assertEqual(household.date_end, periods[0].date_end)
        self.assertEqual(self._reversed(refund), 0, "refunding the plan takes back none of the points")

    def test_orders_paid_before_the_upgrade_are_not_applied_again(self):
        order = self._sync(self._order_data([(self.peel, 1)]))
        self.env.flush_all()
        self.env.cr.execute("UPDATE pos_order SET clinic_loyalty_posted = FALSE WHERE id = %s", [order.id])
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.5.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("clinic_loyalty_migration_18_0_1_5_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.4.0")
        order.invalidate_recordset()
        self.assertTrue(order.clinic_loyalty_posted)
        order.action_pos_order_paid()
        self.assertEqual(self.card.points, 200)

    def test_a_refund_line_never_returns_more_money_than_its_line_was_paid(self):
        laser = self.create_product("Laser 1500", self.categ_basic, 1500.0, tax_ids=[])
        order = self._sync(self._order_data([(laser, 1)]))
        line = self._line(order, laser)
        check = self.env["pos.order"].with_user(self.cashier).clinic_check_refund
        self.assertEqual(check([{"refunded_line_id": line.id, "qty": 1, "amount": 1500}]), {"problems": []})
        problems = check([{"refunded_line_id": line.id, "qty": 1, "amount": 4500}])["problems"]
        self.assertEqual(len(problems), 1)
        self.assertIn("pays back at most", problems[0])
        self.assertIn("1,500.00", problems[0])
        # Synced anyway (offline): kept, and told to a manager.
        data = self.create_ui_order_data(
            [{"product": laser, "quantity": -1, "refunded_orderline_id": line.id}], customer=self.patient
        )
        data["lines"][0][2].update(price_unit=4500, price_subtotal=-4500, price_subtotal_incl=-4500)
        data.update(amount_total=-4500, amount_paid=-4500)
        data["payment_ids"][0][2]["amount"] = -4500
        refund = self._sync(data)
        self.assertEqual(refund.state, "paid")
        self.assertIn("pays back too much", " ".join(refund.message_ids.mapped("body")))
        self.assertEqual(self.card.points, 0, "the line's points are taken back, once")

    def test_an_order_paid_with_points_refunds_its_price_with_the_points_line(self):
        self.card._clinic_post("earn", 3000, "Opening")
        self.program.sudo().clinic_max_redeem_percent = 100
        order = self._sync(self._order_data([(self.service, 1), self._reward_line(2200)]))
        line = self._line(order, self.service)
        answer = self.env["pos.order"].clinic_check_refund([{"refunded_line_id": line.id, "qty": 1, "amount": 2200}])
        self.assertEqual(answer, {"problems": []}, "money and points returned: what the line cost")

    def test_the_customer_account_earns_only_when_the_programme_says_so(self):
        data = self.create_ui_order_data(
            [(self.peel, 1)], customer=self.patient, payments=[(self.cash_pm1, 500), (self.pay_later_pm, 500)]
        )
        order = self._sync(data)
        self.assertEqual(self._earned(order), 100, "20 % of the 500 received; the 500 owed earns nothing")
        self.program.sudo().clinic_earn_pay_later = True
        data = self.create_ui_order_data(
            [(self.peel, 1)], customer=self.patient, payments=[(self.cash_pm1, 500), (self.pay_later_pm, 500)]
        )
        self.assertEqual(self._earned(self._sync(data)), 200)


@tagged("post_install", "-at_install")
class TestSaleLineRecords(ClinicBonusCommon):
    """Sales order lines and their credit notes: each line gives back what it did."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_aesthetics = Category.create({"name": "Aesthetics"})
        cls.categ_lab = Category.create({"name": "Lab tests"})
        cls.program.clinic_category_rate_ids = [
            (0, 0, {"categ_id": cls.categ_aesthetics.id, "rate": 20}),
            (0, 0, {"categ_id": cls.categ_lab.id, "rate": 0}),
        ]
        cls.peel = cls._service("Peel", 1000.0, cls.categ_aesthetics)
        cls.blood_test = cls._service("Blood test", 1000.0, cls.categ_lab)

    def _confirmed(self, lines):
        order = self._order(lines)
        order.action_confirm()
        self.card.invalidate_recordset()
        return order

    def _credit(self, order, product, qty=None):
        invoice = order._create_invoices()
        invoice.action_post()
        refund = invoice._reverse_moves()
        refund.write(
            {
                "invoice_line_ids": [
                    Command.delete(line.id) for line in refund.invoice_line_ids if line.product_id != product
                ]
                + [
                    Command.update(line.id, {"quantity": qty})
                    for line in refund.invoice_line_ids
                    if line.product_id == product and qty
                ]
            }
        )
        refund.action_post()
        self.card.invalidate_recordset()
        return refund

    def test_a_credit_note_of_the_0_percent_line_takes_back_nothing(self):
        order = self._confirmed([(self.peel, 1), (self.blood_test, 1)])
        self.assertEqual(self.card.points, 200)
        self._credit(order, self.blood_test)
        self.assertEqual(self.card.points, 200)
        self.assertEqual(self.card.clinic_total_spend, 1000, "the lab test's money no longer counts")

    def test_a_credit_note_of_the_20_percent_line_takes_back_its_200(self):
        order = self._confirmed([(self.peel, 1), (self.blood_test, 1)])
        self._credit(order, self.peel)
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_credit_note_of_one_of_two_units_takes_back_half_the_line(self):
        order = self._confirmed([(self.peel, 2), (self.blood_test, 1)])
        self.assertEqual(self.card.points, 400)
        self._credit(order, self.peel, qty=1)
        self.assertEqual(self.card.points, 200)

    def test_a_confirmed_line_that_earned_cannot_be_lowered(self):
        order = self._confirmed([(self.peel, 2)])
        line = order.order_line
        with self.assertRaisesRegex(UserError, "can no longer be lowered or removed"):
            line.product_uom_qty = 1
        line.product_uom_qty = 3
        self.assertEqual(self.card.points, 400)
        order._action_cancel()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 0)
        order.action_draft()
        order.order_line.product_uom_qty = 1
        order.action_confirm()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 200)

    def test_a_credit_note_reset_to_draft_undoes_its_reversal_and_posting_again_applies_once(self):
        order = self._confirmed([(self.peel, 1), (self.blood_test, 1)])
        refund = self._credit(order, self.peel)
        self.assertEqual((self.card.points, self.card.clinic_total_spend), (0, 1000))
        refund.button_draft()
        self.card.invalidate_recordset()
        self.assertEqual((self.card.points, self.card.clinic_total_spend), (200, 2000), "as before the credit note")
        refund.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 0)
        refund.button_draft()
        refund.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(
            (self.card.points, self.card.clinic_total_spend), (0, 1000), "posted once, whatever the resets"
        )
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))

    def test_a_reset_that_would_take_back_points_already_spent_is_refused(self):
        self._give(500)
        order = self._order([(self.peel, 1)])
        self._use_points(order, 200)
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        refund = invoice._reverse_moves()
        refund.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500, "the 200 spent come back, the 160 earned go")
        self.card._clinic_post("spend", -450, "Spent at another visit")
        with self.assertRaisesRegex(UserError, "cannot be taken from it"):
            refund.button_draft()

    def _taxed_service(self):
        """A 1,000 service with 20 % tax on top."""
        tax = self.env["account.tax"].create(
            {"name": "VAT 20 % on top (sales)", "amount": 20, "amount_type": "percent", "price_include": False}
        )
        return self.env["product.product"].create(
            {"name": "Laser", "type": "service", "list_price": 1000, "categ_id": self.categ_dental.id,
             "taxes_id": [(6, 0, tax.ids)]}
        )  # fmt: skip

    def test_a_confirmed_line_that_earned_keeps_its_taxes(self):
        order = self._confirmed([(self._taxed_service(), 1)])
        self.assertEqual(self.card.points, 120, "10 % of the 1,200 paid")
        with self.assertRaisesRegex(UserError, "can no longer be lowered or removed"):
            order.order_line.tax_id = [Command.clear()]
        self.assertEqual(order.amount_total, 1200)

    def test_points_pay_the_same_taxed_amount_as_at_the_pos(self):
        """A 1,000 service taxed 20 % on top, paid entirely with points: 1,200 points, as at the POS."""
        self.program.clinic_max_redeem_percent = 100
        laser = self._taxed_service()
        self._give(2000)
        order = self._order([(laser, 1)])
        self.assertEqual(order.amount_total, 1200)
        self._use_points(order)
        self.assertEqual(order.amount_total, 0)
        order.action_confirm()
        spend = order.clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
        self.assertEqual(spend.points, -1200)
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 800)

    def test_a_points_payment_on_a_taxed_order_keeps_to_the_share_taxes_included(self):
        self.program.clinic_max_redeem_percent = 50
        laser = self._taxed_service()
        self._give(2000)
        order = self._order([(laser, 1)])
        self._use_points(order)
        self.assertEqual(order.amount_total, 600, "half of the 1,200 the patient would pay")
        order.action_confirm()
        self.assertEqual(order.clinic_ledger_ids.filtered(lambda line: line.kind == "spend").points, -600)

    def _plan_sold(self, qty):
        fee = self._service("Family Card", 5000.0, self.categ_cosmetics)
        self.env["clinic.loyalty.membership.plan"].create(
            {"name": "Family", "product_id": fee.id, "company_id": self.company.id, "validity_months": 12}
        )
        order = self._confirmed([(fee, qty)])
        invoice = order._create_invoices()
        invoice.action_post()
        return self.patient.clinic_household_id, invoice

    def _live_periods(self, household):
        household.invalidate_recordset()
        return len(household.period_ids.filtered(lambda period: not period.cancelled))

    def test_a_membership_credit_note_reset_and_posted_again_cancels_its_periods_once(self):
        household, invoice = self._plan_sold(3)
        self.assertEqual(self._live_periods(household), 3)
        refund = invoice._reverse_moves()
        refund.invoice_line_ids.quantity = 1
        refund.action_post()
        self.assertEqual(self._live_periods(household), 2)
        for _again in range(2):
            refund.button_draft()
            self.assertEqual(self._live_periods(household), 3, "in draft, the credit note refunds nothing")
            refund.action_post()
            self.assertEqual(self._live_periods(household), 2)
        live = household.period_ids.filtered(lambda period: not period.cancelled)
        self.assertEqual(household.date_end, max(live.mapped("date_end")), "the membership ends with its last period")

    def test_a_credit_of_part_of_a_plans_price_cancels_no_period(self):
        household, invoice = self._plan_sold(1)
        refund = invoice._reverse_moves()
        refund.invoice_line_ids.price_unit = 500
        refund.action_post()
        self.assertEqual(self._live_periods(household), 1, "a 10 % goodwill credit leaves the period")

    def test_an_order_confirmed_before_line_records_is_reversed_again_after_a_reset(self):
        order = self._confirmed([(self.peel, 1), (self.blood_test, 1)])
        self.env.flush_all()
        # Confirmed before the upgrade: its ledger lines have no line records.
        self.env.cr.execute(
            "DELETE FROM clinic_loyalty_line_record WHERE ledger_id IN %s", [tuple(order.clinic_ledger_ids.ids)]
        )
        self.env.invalidate_all()
        invoice = order._create_invoices()
        invoice.action_post()
        refund = invoice._reverse_moves()
        refund.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 0, "the whole order credited")
        refund.button_draft()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 200)
        refund.action_post()
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 0, "posted again, it takes back again")
