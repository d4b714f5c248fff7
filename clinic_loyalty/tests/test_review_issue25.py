"""What an independent review of issue 25 found, attempt by attempt, over RPC and HTTP.

Each test is the reviewer's reproduction: it failed on the code it was found on.
"""

import json
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.clinic_loyalty.tools.unverified import unverified

from .common import RpcCallMixin, clinic_program_vals

ACCESS = "odoo.exceptions.AccessError"
# 1x1 transparent PNG
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


@tagged("post_install", "-at_install")
class TestReviewIssue25(RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        cls.company = company = env.company
        company.country_id = env.ref("base.ru")
        company.portal_confirmation_sign = True
        company.portal_confirmation_pay = False
        company.clinic_household_desk_members = True
        cls.program = env["loyalty.program"].create(
            clinic_program_vals("Review Clinic Bonus", company, clinic_earn_trigger="confirm")
        )
        company.clinic_loyalty_program_id = cls.program
        cls.reward = cls.program.reward_ids
        cls.service = env["product.product"].create(
            {"name": "Review Consultation", "type": "service", "list_price": 2200.0, "taxes_id": [(5, 0, 0)]}
        )
        fee = env["product.product"].create(
            {"name": "Review Family Card", "type": "service", "list_price": 199.0, "taxes_id": [(5, 0, 0)]}
        )
        cls.plan = env["clinic.loyalty.membership.plan"].create(
            {"name": "Review Family", "product_id": fee.id, "member_limit": 4, "company_id": company.id}
        )
        cls.patient = env["res.partner"].create(
            {"name": "Review Patient", "phone": "+7 912 555 01 01", "email": "rp@example.com", "is_patient": True}
        )
        cls.card = cls.patient.clinic_card_ids
        cls.card._clinic_post("earn", 500, "Opening")

        def user(login, groups, **kw):
            return new_test_user(env, login=login, groups=groups, company_id=company.id, **kw)

        cls.cashier = user("rv_cashier", "base.group_user,clinic_loyalty.group_clinic_loyalty_user")
        cls.desk = user(
            "rv_desk",
            "base.group_user,clinic_loyalty.group_clinic_loyalty_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.manager = user("rv_manager", "base.group_user,clinic_loyalty.group_clinic_loyalty_manager")
        cls.salesperson = user("rv_salesperson", "base.group_user,sales_team.group_sale_salesman")
        cls.sales_all = user("rv_sales_all", "base.group_user,sales_team.group_sale_salesman_all_leads")
        cls.pos_only = user("rv_pos_only", "base.group_user,point_of_sale.group_pos_user")

    # (a) value: a salesperson's membership below price, confirmed by the patient's signature ----

    def test_salesperson_membership_at_1_confirmed_by_portal_signature(self):
        order_id, error, message = self._rpc(
            self.salesperson, "sale.order", "create",
            [{"partner_id": self.patient.id,
              "order_line": [(0, 0, {"product_id": self.plan.product_id.id, "price_unit": 1.0})]}],
        )  # fmt: skip
        self.assertIsNone(error, message)
        order_id = order_id[0]
        # The salesperson cannot confirm it themselves (issue 25's check)...
        _r, error, _m = self._rpc(self.salesperson, "sale.order", "action_confirm", [order_id])
        self.assertEqual(error, ACCESS)
        # ...but gets the portal link and has it signed (by anyone holding the link).
        url, error, message = self._rpc(self.salesperson, "sale.order", "get_portal_url", [order_id])
        self.assertIsNone(error, message)
        token = re.search(r"access_token=([\w-]+)", url).group(1)
        self.logout()
        self._logged_in = None
        body = self.url_open(
            f"/my/orders/{order_id}/accept",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                             "params": {"access_token": token, "name": "X", "signature": PNG}}),
            headers={"Content-Type": "application/json"},
        ).json()  # fmt: skip
        self.env.invalidate_all()
        order = self.env["sale.order"].browse(order_id)
        household = self.patient.clinic_household_id
        self.assertFalse(
            household,
            f"a salesperson's membership at 1 (list 199) was confirmed through the portal signature "
            f"(order {order.state}, household {household.name} until {household.date_end}): {body}",
        )  # fmt: skip

    # (b) reading: Odoo's 'update balance' wizard reads any clinic card -------------------------

    def test_update_balance_wizard_reads_a_clinic_card(self):
        for user in (self.salesperson, self.pos_only):
            with self.subTest(user=user.login):
                wizard, error, message = self._rpc(
                    user, "loyalty.card.update.balance", "create",
                    {"card_id": self.card.id, "new_balance": 0, "description": "peek"},
                )  # fmt: skip
                if error:
                    continue  # refused: fine
                data, error, message = self._rpc(
                    user, "loyalty.card.update.balance", "read", [wizard], ["card_id", "old_balance"]
                )
                self.assertTrue(
                    error,
                    f"{user.login} reads clinic card {data and data[0]['card_id']} balance "
                    f"{data and data[0]['old_balance']}",
                )

    # (b) reading: sale_loyalty's coupon points name the clinic card -----------------------------

    def test_coupon_points_name_the_clinic_card(self):
        order = (
            self.env["sale.order"]
            .with_user(self.desk)
            .create({"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.service.id})]})
        )
        order._update_programs_and_rewards()
        order.sudo().action_confirm()
        self.env.flush_all()
        rows = self.env["sale.order.coupon.points"].search([("order_id", "=", order.id)])
        self.assertTrue(rows, "setup: no coupon points on the clinic card")
        data, error, message = self._rpc(
            self.sales_all, "sale.order.coupon.points", "search_read",
            [("order_id", "=", order.id)], ["coupon_id", "points"],
        )  # fmt: skip
        leaked = [row for row in data or [] if row["coupon_id"] and self.card.code in row["coupon_id"][1]]
        self.assertFalse(leaked, f"a salesperson reads the clinic card's number and points: {leaked}")

    # (a) households: the desk redirects the holder's code to itself --------------------------

    def test_desk_changes_holders_phone_then_receives_the_code(self):
        env = self.env
        holder = env["res.partner"].create(
            {"name": "Olga Review", "phone": "+7 912 555 02 02", "email": "olga@example.com", "is_patient": True}
        )
        stranger = env["res.partner"].create({"name": "Stranger Review", "is_patient": True})
        household = env["clinic.loyalty.household"]._clinic_sell_membership(
            holder, self.plan, 199, "review:family", "Review"
        )
        my_phone = "+7 999 000 11 22"
        # The desk rewrites the holder's phone: an ordinary partner edit.
        _r, error, message = self._rpc(
            self.cashier, "res.partner", "write", holder.ids, {"phone": my_phone, "mobile": False}
        )
        self.assertIsNone(error, message)
        result, error, message = self._rpc(
            self.cashier, "clinic.loyalty.household", "action_clinic_send_consent_code", [household.id], "add",
            stranger.ids,
        )  # fmt: skip
        # No code goes to a phone changed days ago or less: a manager approves instead.
        self.assertEqual(error, "odoo.exceptions.UserError", result)
        self.assertIn("Ask a loyalty manager", message)
        self.assertFalse(env["sms.sms"].search([("partner_id", "=", holder.id)]))
        # Nor can the desk date the change back.
        _r, error, _message = self._rpc(
            self.cashier, "res.partner", "write", holder.ids, {"clinic_contact_changed_on": "2000-01-01 00:00:00"}
        )
        self.assertEqual(error, ACCESS)
        env.invalidate_all()
        self.assertNotIn(stranger, household.member_ids)
        # A week later the holder's (now long-standing) phone receives codes again.
        with freeze_time(fields.Datetime.now() + timedelta(days=8)):
            _result, error, message = self._rpc(
                self.cashier, "clinic.loyalty.household", "action_clinic_send_consent_code", [household.id], "add",
                stranger.ids,
            )  # fmt: skip
            self.assertIsNone(error, message)


@tagged("post_install", "-at_install")
class TestReviewPendingWelcome(RpcCallMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = env = cls.env(su=True)
        company = env.company
        cls.program = env["loyalty.program"].create(
            {"name": "Pending Review Bonus", "program_type": "loyalty", "company_id": company.id,
             "clinic_bonus": True, "clinic_earn_trigger": "confirm", "clinic_earn_rate": 10,
             "clinic_welcome_points": 300}
        )  # fmt: skip
        company.clinic_loyalty_program_id = cls.program
        cls.service = env["product.product"].create(
            {"name": "Pending Review Service", "type": "service", "list_price": 100.0, "taxes_id": [(5, 0, 0)]}
        )
        # A newcomer from a public page: the welcome bonus waits for the first paid visit.
        cls.newcomer = unverified(env["res.partner"]).create({"name": "Public Newcomer", "is_patient": True})
        cls.card = cls.newcomer.clinic_card_ids
        cls.salesperson = new_test_user(
            env, login="rvq_sales", groups="base.group_user,sales_team.group_sale_salesman", company_id=company.id
        )

    def test_a_cancelled_visit_keeps_the_pending_welcome(self):
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self.card.clinic_pending_points, 300)
        order, error, message = self._rpc(
            self.salesperson, "sale.order", "create",
            [{"partner_id": self.newcomer.id, "order_line": [(0, 0, {"product_id": self.service.id})]}],
        )  # fmt: skip
        self.assertIsNone(error, message)
        _r, error, message = self._rpc(self.salesperson, "sale.order", "action_confirm", order)
        self.assertIsNone(error, message)
        self.env.invalidate_all()
        after_confirm = self.card.points
        # Cancelled (by whoever may: the manager, the desk with sales rights).
        self.env["sale.order"].browse(order).with_context(disable_cancel_warning=True).action_cancel()
        self.env.invalidate_all()
        self.assertEqual(self.env["sale.order"].browse(order).state, "cancel")
        # Nothing was ever paid: the welcome is still pending, and nothing is left on the card.
        self.assertEqual(after_confirm, 10, "the order earns at confirmation; the welcome waits for payment")
        self.assertEqual(
            (self.card.points, self.card.clinic_pending_points), (0, 300),
            f"a salesperson's confirm-then-cancel of an unpaid order credited the pending welcome "
            f"(after confirm {after_confirm}, after cancel {self.card.points}, pending {self.card.clinic_pending_points})",
        )  # fmt: skip
