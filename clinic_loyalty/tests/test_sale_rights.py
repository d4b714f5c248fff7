"""Clinic value on sales orders is the front desk's (issue 25, item 1).

A salesperson without the clinic's groups sells services to patients (the orders earn as
usual), but neither pays with the patient's points nor sells a membership, whatever the
price; a membership sold below its price is the loyalty manager's. Every attempt goes
through JSON-RPC, as a browser or a script would send it, and leaves the card, the ledger
and the households as they were.
"""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import RpcCallMixin, clinic_program_vals

ACCESS = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestSaleRights(RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        company = env.company
        cls.program = env["loyalty.program"].create(
            clinic_program_vals("Rights Clinic Bonus", company, clinic_earn_trigger="confirm")
        )
        company.clinic_loyalty_program_id = cls.program
        cls.reward = cls.program.reward_ids
        cls.service = env["product.product"].create(
            {"name": "Rights Consultation", "type": "service", "list_price": 2200.0, "taxes_id": [(5, 0, 0)]}
        )
        fee = env["product.product"].create(
            {"name": "Rights Family Card", "type": "service", "list_price": 199.0, "taxes_id": [(5, 0, 0)]}
        )
        cls.plan = env["clinic.loyalty.membership.plan"].create(
            {"name": "Rights Family", "product_id": fee.id, "member_limit": 3, "company_id": company.id}
        )
        cls.patient = env["res.partner"].create({"name": "Rights Patient", "is_patient": True})
        cls.card = cls.patient.clinic_card_ids
        cls.card._clinic_post("earn", 500, "Opening")

        def user(login, groups):
            return new_test_user(env, login=login, groups=f"base.group_user,{groups}", company_id=company.id)

        cls.salesperson = user("rights_salesperson", "sales_team.group_sale_salesman")
        cls.desk = user(
            "rights_desk", "clinic_loyalty.group_clinic_loyalty_user,sales_team.group_sale_salesman_all_leads"
        )
        cls.manager = user("rights_manager", "clinic_loyalty.group_clinic_loyalty_manager")

    # Helpers ---------------------------------------------------------------------------

    def _state(self, order=None):
        """Everything a refused call must leave as it was."""
        self.env.invalidate_all()
        return {
            "points": self.card.points,
            "ledger": self.env["clinic.loyalty.ledger"].search_count([("card_id", "=", self.card.id)]),
            "household": self.patient.clinic_household_id.id,
            "periods": self.env["clinic.loyalty.membership.period"].search_count([]),
            # The clinic's points reward lines (the database's other programmes may add theirs).
            "order": order
            and (order.state, order.order_line.filtered(lambda line: line.reward_id.program_id.clinic_bonus).ids),
        }

    def assertRefused(self, user, message, order, model, method, *args):
        before = self._state(order)
        result, name, text = self._rpc(user, model, method, *args)
        self.assertEqual(name, ACCESS, f"{user.login} {model}.{method}: {result or text}")
        self.assertRegex(text, message)
        self.assertEqual(self._state(order), before, f"{user.login} {model}.{method} wrote something")

    def assertAllowed(self, user, model, method, *args):
        result, name, text = self._rpc(user, model, method, *args)
        self.assertIsNone(name, f"{user.login} {model}.{method}: {text}")
        return result

    def _quotation(self, user, lines, **vals):
        """A quotation of the patient created over RPC by ``user``: ``lines`` are (product, price)."""
        line_vals = [
            {"product_id": product.id, **({} if price is None else {"price_unit": price})} for product, price in lines
        ]
        order_id = self.assertAllowed(
            user, "sale.order", "create",
            [{"partner_id": self.patient.id, "order_line": [(0, 0, vals) for vals in line_vals], **vals}],
        )[0]  # fmt: skip
        return self.env["sale.order"].browse(order_id)

    def _points_line(self, order):
        return {
            "order_id": order.id,
            "product_id": self.reward.discount_line_product_id.id,
            "reward_id": self.reward.id,
            "coupon_id": self.card.id,
            "price_unit": -1000,
            "points_cost": 1000,
            "name": "Points",
        }

    # Points ----------------------------------------------------------------------------

    def test_a_salesperson_does_not_pay_with_the_patients_points(self):
        order = self._quotation(self.salesperson, [(self.service, None)], clinic_points_to_use=300)
        sales = self.salesperson
        # Every way to put the points reward on the quotation: the reward button, the
        # reward wizard, a reward line created or written over RPC.
        # The reward button applies the only claimable reward at once, or opens the wizard
        # (the database has other programmes): either way, no points on the quotation.
        before = self._state(order)
        self._rpc(sales, "sale.order", "action_open_reward_wizard", [order.id])
        self.assertEqual(self._state(order), before)
        self.assertFalse(order.order_line.filtered(lambda line: line.reward_id.program_id.clinic_bonus))
        wizard = self.assertAllowed(
            sales, "sale.loyalty.reward.wizard", "create", {"order_id": order.id, "selected_reward_id": self.reward.id}
        )
        points_line = self._points_line(order)
        # Outside the clinic's groups the clinic programme is not among the order's
        # programmes: the wizard finds no card to take the points from.
        before = self._state(order)
        _result, error, text = self._rpc(sales, "sale.loyalty.reward.wizard", "action_apply", [wizard])
        self.assertEqual(error, "odoo.exceptions.ValidationError", text)
        self.assertEqual(self._state(order), before)
        attempts = [
            ("sale.order.line", "create", [points_line]),
            ("sale.order", "write", [order.id], {"order_line": [(0, 0, points_line)]}),
            (
                "sale.order.line",
                "write",
                order.order_line.ids,
                {"reward_id": self.reward.id, "coupon_id": self.card.id},
            ),
        ]
        for model, method, *args in attempts:
            with self.subTest(method=f"{model}.{method}"):
                self.assertRefused(sales, "pays an order with a patient's loyalty points", order, model, method, *args)

        # The front desk (who sees all the clinic's orders) applies the points (the reward
        # button first, as on the screen); the salesperson cannot confirm that quotation then.
        opened = self.assertAllowed(self.desk, "sale.order", "action_open_reward_wizard", [order.id])
        if isinstance(opened, dict):
            # Several rewards to choose from: the wizard.
            wizard = self.assertAllowed(
                self.desk,
                "sale.loyalty.reward.wizard",
                "create",
                {"order_id": order.id, "selected_reward_id": self.reward.id},
            )
            self.assertAllowed(self.desk, "sale.loyalty.reward.wizard", "action_apply", [wizard])
        self.assertTrue(order.order_line.filtered("reward_id"), "the desk paid part of the order with points")
        self.assertRefused(sales, "Only the clinic's front desk confirms", order, "sale.order", "action_confirm",
                           [order.id])  # fmt: skip
        self.assertEqual(self.card.points, 500)
        # The desk confirms it: 300 points are spent, 10% of the 1900 paid in money earned.
        self.assertAllowed(self.desk, "sale.order", "action_confirm", [order.id])
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self.card.points, 500 - 300 + 190)

    def test_a_salesperson_still_sells_services_that_earn(self):
        order = self._quotation(self.salesperson, [(self.service, None)])
        self.assertAllowed(self.salesperson, "sale.order", "action_confirm", [order.id])
        self.env.invalidate_all()
        self.assertEqual(self.card.points, 500 + 220)

    # Memberships -----------------------------------------------------------------------

    def test_a_salesperson_does_not_sell_a_membership_at_any_price(self):
        for price in (0.0, 199.0):
            with self.subTest(price=price):
                order = self._quotation(self.salesperson, [(self.plan.product_id, price)])
                self.assertRefused(self.salesperson, "Only the clinic's front desk confirms", order,
                                   "sale.order", "action_confirm", [order.id])  # fmt: skip
        self.assertFalse(self.patient.clinic_household_id)

    def test_below_its_price_a_membership_is_the_managers(self):
        free = self._quotation(self.desk, [(self.plan.product_id, 0.0)])
        self.assertRefused(self.desk, "sold below its price: only a loyalty manager", free,
                           "sale.order", "action_confirm", [free.id])  # fmt: skip
        self.assertAllowed(
            self.desk, "sale.order.line", "write", free.order_line.ids, {"price_unit": 199.0, "discount": 50}
        )
        self.assertRefused(self.desk, "sold below its price", free, "sale.order", "action_confirm", [free.id])
        # At its price, the desk sells it: the patient's household starts.
        self.assertAllowed(self.desk, "sale.order.line", "write", free.order_line.ids, {"discount": 0})
        self.assertAllowed(self.desk, "sale.order", "action_confirm", [free.id])
        self.env.invalidate_all()
        self.assertTrue(self.patient.clinic_household_id)
        # A manager may give one away (a goodwill gesture is the manager's decision).
        gift = self._quotation(self.manager, [(self.plan.product_id, 0.0)])
        self.assertAllowed(self.manager, "sale.order", "action_confirm", [gift.id])
        self.assertEqual(gift.state, "sale")

    # Earning trigger -------------------------------------------------------------------

    def test_a_new_programme_earns_when_the_invoice_is_paid(self):
        new = self.env["loyalty.program"].create(
            {"name": "Another Clinic Bonus", "program_type": "loyalty", "clinic_bonus": True}
        )
        self.assertEqual(new.clinic_earn_trigger, "paid")
        self.assertEqual(self.program.clinic_earn_trigger, "confirm", "an explicit choice is kept")
