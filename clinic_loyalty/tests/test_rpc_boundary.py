"""What a cashier, a salesperson, a portal patient and another company's user can do over RPC.

Every public method and stored field is reachable through ``/web/dataset/call_kw`` with any
arguments and context. These tests log in as each role and send the calls a curious or
dishonest client would send; each refusal is checked for its exception class and message,
and for nothing having been written. The legitimate calls of each role still succeed.
"""

import re
import uuid

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import RpcCallMixin

ACCESS = "odoo.exceptions.AccessError"
USER = "odoo.exceptions.UserError"
VALIDATION = "odoo.exceptions.ValidationError"


@tagged("post_install", "-at_install")
class TestRpcBoundary(RpcCallMixin, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test environment's user is an accountant: set the clinic up as the system.
        cls.env = env = cls.env(su=True)
        company = cls.main_pos_config.company_id
        company.country_id = env.ref("base.ru")
        cls.company = company
        cls.program = env["loyalty.program"].create(
            {
                "name": "RPC Clinic Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_earn_trigger": "confirm",
                "clinic_earn_rate": 10,
                "clinic_max_redeem_percent": 50,
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
        company.clinic_loyalty_program_id = cls.program
        cls.other_program = env["loyalty.program"].create(
            {"name": "RPC Plain Loyalty", "program_type": "loyalty", "company_id": company.id, "pos_ok": True}
        )
        cls.service = env["product.product"].create(
            {"name": "RPC Consultation", "type": "service", "list_price": 2200.0, "available_in_pos": True,
             "taxes_id": [(5, 0, 0)]}
        )  # fmt: skip
        cls.patient = env["res.partner"].create(
            {"name": "RPC Patient", "phone": "+7 912 444 00 01", "is_patient": True, "email": "rpc@example.com"}
        )
        cls.card = cls.patient.clinic_card_ids
        cls.card._clinic_post("earn", 510, "Opening")
        cls.card._clinic_post("spend", -10, "Spent at the desk")
        cls.stranger = env["res.partner"].create({"name": "RPC Stranger", "is_patient": True})
        fee = env["product.product"].create({"name": "RPC Family Card", "list_price": 199})
        cls.plan = env["clinic.loyalty.membership.plan"].create(
            {"name": "RPC Family", "product_id": fee.id, "member_limit": 3, "company_id": company.id}
        )
        cls.household = env["clinic.loyalty.household"]._clinic_sell_membership(
            cls.patient, cls.plan, 199, "rpc:family", "RPC"
        )

        cls.company_b = env["res.company"].create({"name": "RPC Clinic B", "country_id": env.ref("base.cn").id})
        program_b = env["loyalty.program"].create(
            {"name": "RPC Clinic B Bonus", "program_type": "loyalty", "company_id": cls.company_b.id,
             "clinic_bonus": True}
        )  # fmt: skip
        cls.company_b.clinic_loyalty_program_id = program_b
        fee_b = env["product.product"].create({"name": "RPC Family Card B", "list_price": 199})
        plan_b = env["clinic.loyalty.membership.plan"].create(
            {"name": "RPC Family B", "product_id": fee_b.id, "company_id": cls.company_b.id}
        )
        cls.patient_b = env["res.partner"].create(
            {"name": "RPC Patient B", "is_patient": True, "company_id": cls.company_b.id}
        )
        cls.household_b = (
            env["clinic.loyalty.household"]
            .with_company(cls.company_b)
            ._clinic_sell_membership(cls.patient_b, plan_b, 199, "rpc:family-b", "RPC B")
        )

        def user(login, groups, **kwargs):
            return new_test_user(env, login=login, groups=groups, company_id=company.id, **kwargs)

        cls.cashier = user("rpc_cashier", "base.group_user,clinic_loyalty.group_clinic_loyalty_user")
        cls.manager = user("rpc_manager", "base.group_user,clinic_loyalty.group_clinic_loyalty_manager")
        cls.salesperson = user("rpc_salesperson", "base.group_user,sales_team.group_sale_salesman")
        cls.accountant = user("rpc_accountant", "base.group_user,account.group_account_invoice")
        # The patient themself, logged in on the portal.
        cls.portal = user("rpc_portal", "base.group_portal", partner_id=cls.patient.id, name=cls.patient.name)
        # The portal user's email went onto the patient: as if it had been theirs for long
        # (a household's code is not sent to a contact changed in the last days).
        cls.patient.clinic_contact_changed_on = False
        cls.user_b = new_test_user(
            env,
            login="rpc_company_b",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    # Helpers ---------------------------------------------------------------------------

    def _money(self):
        """Everything a refused call must leave as it was."""
        self.env.invalidate_all()
        Ledger = self.env["clinic.loyalty.ledger"]
        return {
            "points": self.card.points,
            "ledger": Ledger.search_count([]),
            "tier": self.card.clinic_tier_id.id,
            "spend": self.card.clinic_total_spend,
            "card": (self.card.partner_id.id, self.card.program_id.id, self.card.code),
            "members": self.household.member_ids.ids,
            "holder": self.household.holder_id.id,
            "stranger": self.stranger.clinic_household_id.id,
            "cards": self.env["loyalty.card"].search_count([("program_id", "=", self.program.id)]),
        }

    def assertRefused(self, user, error, message, model, method, *args, **kwargs):
        before = self._money()
        result, name, text = self._rpc(user, model, method, *args, **kwargs)
        self.assertEqual(name, error, f"{user.login} {model}.{method}{args}: {result or text}")
        self.assertRegex(text or "", message or r"\S")
        self.assertEqual(self._money(), before, f"{user.login} {model}.{method} wrote something")

    def assertAllowed(self, user, model, method, *args, **kwargs):
        result, name, text = self._rpc(user, model, method, *args, **kwargs)
        self.assertIsNone(name, f"{user.login} {model}.{method}: {text}")
        return result

    def _pos_order(self, lines=None, partner=None):
        """A paid POS order of the patient, as the system (the browser's sync is tested below)."""
        session = self.main_pos_config.current_session_id
        if not session:
            self.main_pos_config.open_ui()
            session = self.main_pos_config.current_session_id
        return session, self.env["pos.order"].create(
            {
                "session_id": session.id,
                "partner_id": (partner or self.patient).id,
                "amount_tax": 0,
                "amount_total": 0,
                "amount_paid": 0,
                "amount_return": 0,
                "lines": lines or [],
            }
        )

    def _ui_order(self, session, partner, price):
        line = {
            "product_id": self.service.id,
            "qty": 1,
            "price_unit": price,
            "price_subtotal": price,
            "price_subtotal_incl": price,
            "tax_ids": [[6, 0, []]],
            "pack_lot_ids": [],
        }
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        order_uuid = str(uuid.uuid4())
        return {
            "uuid": order_uuid,
            "name": f"Order {order_uuid}",
            "session_id": session.id,
            "partner_id": partner.id,
            "pricelist_id": self.main_pos_config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "sequence_number": 1,
            "lines": [[0, 0, line]],
            "payment_ids": [[0, 0, {"amount": price, "name": fields.Datetime.now().isoformat(),
                                    "payment_method_id": cash.id}]],
            "amount_paid": price,
            "amount_total": price,
            "amount_tax": 0,
            "amount_return": 0,
            "last_order_preparation_change": "{}",
            "user_id": self.cashier.id,
            "to_invoice": False,
        }  # fmt: skip

    # The findings of the boundary issue, one test each -----------------------------------

    def test_finding_1_balances_and_clinic_fields_are_not_written_over_rpc(self):
        # The cashier is told why; the salesperson, who may not read clinic cards, is refused
        # by Odoo's access check before the guard, so the card's number is not in the answer.
        for user, message in (
            (self.cashier, "changes only through its points ledger"),
            (self.salesperson, r"^(?![\s\S]*%s)[\s\S]*doesn't have 'write' access" % self.card.code),
        ):
            self.assertRefused(user, ACCESS, message, "loyalty.card", "write", [self.card.id], {"points": 100000})
            # The context key that opened the door before, and the new one's name: no door.
            self.assertRefused(
                user, ACCESS, message, "loyalty.card", "write",
                [self.card.id], {"points": 100000},
                context={"clinic_ledger_internal": True, "clinic_server_write": True},
            )  # fmt: skip
        gold = self.env["clinic.loyalty.tier"].create({"name": "Gold", "program_id": self.program.id, "threshold": 0})
        for vals in (
            {"clinic_tier_id": gold.id},
            {"clinic_total_spend": 1e6},
            {"clinic_qualifying_spend": 1e6},
            {"clinic_tier_checked_on": "2099-01-01"},
        ):
            self.assertRefused(
                self.cashier, ACCESS, "The clinic programme sets", "loyalty.card", "write", [self.card.id], vals
            )
        for vals in ({"partner_id": self.stranger.id}, {"program_id": self.other_program.id}, {"code": "123"}):
            self.assertRefused(
                self.cashier, ACCESS, "The clinic programme sets", "loyalty.card", "write", [self.card.id], vals
            )
        # A card of the clinic programme is issued by enrolment, never created (or copied) by a client.
        self.assertRefused(
            self.manager, ACCESS, "issued by enrolling the patient", "loyalty.card", "create",
            [{"program_id": self.program.id, "partner_id": self.stranger.id, "points": 5000}],
        )  # fmt: skip
        self.assertRefused(
            self.manager, ACCESS, "issued by enrolling the patient", "loyalty.card", "copy", [self.card.id]
        )
        order = self.env["sale.order"].create({"partner_id": self.patient.id, "user_id": self.cashier.id})
        self.assertRefused(
            self.salesperson, ACCESS, "The clinic programme keeps", "sale.order", "write",
            [order.id], {"clinic_loyalty_round": 7},
        )  # fmt: skip
        self.assertEqual(order.clinic_loyalty_round, 0)
        # The cashier's legitimate field: how many points the patient wants to use.
        self.assertAllowed(self.cashier, "sale.order", "write", [order.id], {"clinic_points_to_use": 100})
        self.assertEqual(order.clinic_points_to_use, 100)

    def test_finding_2_pos_coupon_confirmation_reads_the_card_not_the_claimed_programme(self):
        _session, order = self._pos_order()
        claim = {"points": 1000, "program_id": self.other_program.id, "coupon_id": self.card.id}
        before = self._money()
        self.assertAllowed(self.cashier, "pos.order", "confirm_coupon_programs", [order.id], {str(self.card.id): claim})
        self.assertEqual(self._money(), before, "the browser's 1000 points reached the clinic card")
        # Stock Odoo loads a scanned gift card with the browser's amount: never a clinic card.
        gift = {"points": 1000, "program_id": self.program.id, "coupon_id": -1, "giftCardId": self.card.id}
        self.assertRefused(
            self.cashier, USER, "is not a gift card", "pos.order", "confirm_coupon_programs", [order.id], {"-1": gift}
        )

    def test_finding_3_a_stranger_is_not_put_into_a_household(self):
        for user in (self.cashier, self.salesperson):
            self.assertRefused(
                user, ACCESS, "through its Add or Remove Members button", "res.partner", "write",
                [self.stranger.id], {"clinic_household_id": self.household.id},
            )  # fmt: skip
        self.assertRefused(
            self.cashier, ACCESS, "through its Add or Remove Members button", "res.partner", "create",
            [{"name": "Ghost member", "is_patient": True, "clinic_household_id": self.household.id}],
        )  # fmt: skip
        # The front desk adds a member only with the holder's one-time code (or a manager's
        # approval): the direct call is refused (the holder's card number, which every desk
        # screen shows, is no longer an argument).
        self.assertRefused(
            self.cashier, ACCESS, "send a code to the holder", "clinic.loyalty.household",
            "action_clinic_add_members", [self.household.id], [self.stranger.id],
        )  # fmt: skip
        # Another company's household is out of reach, even for a manager.
        self.assertRefused(
            self.manager, ACCESS, "", "res.partner", "write",
            [self.stranger.id], {"clinic_household_id": self.household_b.id},
        )  # fmt: skip
        self.assertRefused(
            self.user_b, ACCESS, "", "clinic.loyalty.household", "action_clinic_add_members",
            [self.household.id], [self.stranger.id],
        )  # fmt: skip
        # With the code the holder reads out, the front desk adds the stranger, up to the
        # plan's limit (checked before a code is even sent).
        self._add_with_holders_code(self.stranger)
        self.assertEqual(self.household.member_ids, self.patient | self.stranger)
        crowd = self.env["res.partner"].create([{"name": f"RPC Relative {i}", "is_patient": True} for i in range(2)])
        self.assertRefused(
            self.cashier, VALIDATION, "the most its plan RPC Family allows", "clinic.loyalty.household",
            "action_clinic_send_consent_code", [self.household.id], "add", crowd.ids,
        )  # fmt: skip

    def test_finding_4_personal_data_and_companies(self):
        for field in ("clinic_birth_date", "clinic_consent_marketing", "clinic_household_id"):
            self.assertRefused(
                self.salesperson, ACCESS, "You do not have enough rights to access the field", "res.partner", "read",
                [self.patient.id], [field],
            )  # fmt: skip
        self.assertAllowed(self.cashier, "res.partner", "read", [self.patient.id], ["clinic_birth_date"])
        # Another company's user sees none of this clinic's membership records.
        self.env["clinic.loyalty.voucher.use"].create(
            {
                "household_id": self.household.id,
                "partner_id": self.patient.id,
                "source_key": "rpc:use",
                "voucher_amount": 5,
            }
        )
        company_a = {
            "clinic.loyalty.voucher.use": [("household_id.company_id", "=", self.company.id)],
            "clinic.loyalty.membership.period": [("household_id.company_id", "=", self.company.id)],
            "clinic.loyalty.lot.use": [("line_id.company_id", "=", self.company.id)],
            "clinic.loyalty.household": [("company_id", "=", self.company.id)],
            "clinic.loyalty.ledger": [("company_id", "=", self.company.id)],
        }
        for model, domain in company_a.items():
            self.assertTrue(self.env[model].search_count(domain), model)
            ids = self.assertAllowed(self.user_b, model, "search", domain)
            self.assertEqual(ids, [], f"{model}: company B reads company A's records")
        # A membership of company B gives nothing in company A: the patient pays from their own card.
        b_member = self.env["res.partner"].create({"name": "RPC Member of B", "is_patient": True})
        self.household_b.action_clinic_add_members(b_member.ids)
        self.assertEqual(b_member.clinic_household_id, self.household_b)
        self.assertEqual(b_member._clinic_card_in(self.program).partner_id, b_member)
        order = self.env["sale.order"].create({"partner_id": b_member.id, "company_id": self.company.id})
        self.assertFalse(order._clinic_membership())

    def test_finding_5_a_number_search_works_for_users_without_card_rights(self):
        # A phone finds the contact for everyone (as Odoo's own search does); a clinic card's
        # number finds its holder for the clinic's staff only: it would tell who is a patient.
        for user in (self.accountant, self.salesperson):
            found = self.assertAllowed(user, "res.partner", "name_search", "89124440001")
            self.assertIn(self.patient.id, [row[0] for row in found])
            self.assertAllowed(user, "res.partner", "search", [("name", "ilike", "12345")])
            ids = self.assertAllowed(user, "res.partner", "search", [("clinic_lookup", "=", self.card.code)])
            self.assertEqual(ids, [])
        ids = self.assertAllowed(self.cashier, "res.partner", "search", [("clinic_lookup", "=", self.card.code)])
        self.assertEqual(ids, self.patient.ids)
        # Another company's card number finds nothing.
        card_b = self.patient_b.clinic_card_ids
        ids = self.assertAllowed(self.cashier, "res.partner", "search", [("clinic_lookup", "=", card_b.code)])
        self.assertEqual(ids, [])

    # Every public method our addons define or override, per role ----------------------

    def test_public_methods_per_role(self):
        _session, order = self._pos_order()
        line = self.card.clinic_ledger_ids[:1]
        portal, cashier, sales, b = self.portal, self.cashier, self.salesperson, self.user_b
        card, household = self.card.id, self.household.id
        refusals = [
            # (users, error, message, model, method, args)
            ((cashier, sales, portal, b), ACCESS, "", "loyalty.card", "action_clinic_adjust", [[card], 500, "gift"]),
            ((cashier, sales, portal, b), ACCESS, "", "clinic.loyalty.ledger", "create",
             [{"card_id": card, "kind": "earn", "points": 500, "reason": "x"}]),
            ((cashier, sales, portal), USER, "Loyalty ledger lines cannot be changed", "clinic.loyalty.ledger", "write",
             [line.ids, {"points": 9}]),
            # Nor what expiry burnt, what a lot has left, or the reason a reader is shown.
            ((cashier, sales, portal), USER, "Loyalty ledger lines cannot be changed", "clinic.loyalty.ledger", "write",
             [line.ids, {"expired_points": 0, "remaining_points": 900}]),
            ((cashier, sales, portal), USER, "Loyalty ledger lines cannot be changed", "clinic.loyalty.ledger", "write",
             [line.ids, {"reason_data": {"msg": "welcome", "args": {}}, "reason": "Welcome bonus"}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.ledger", "unlink", [line.ids]),
            ((portal, sales), ACCESS, "", "loyalty.card", "clinic_pos_card_info", [self.patient.id]),
            ((portal, b), ACCESS, "", "loyalty.card", "action_print_clinic_card", [[card]]),
            ((portal,), ACCESS, "", "res.partner", "action_clinic_print_card", [[self.patient.id]]),
            ((portal, sales), ACCESS, "", "res.partner", "action_clinic_open_card", [[self.patient.id]]),
            ((b,), USER, "has no loyalty card", "res.partner", "action_clinic_print_card", [[self.patient.id]]),
            ((portal, sales), ACCESS, "", "res.partner", "write", [[self.stranger.id], {"is_patient": False}]),
            ((sales,), ACCESS, "Only the clinic's front desk", "res.partner", "create",
             [{"name": "Walk-in", "is_patient": True}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.household", "create",
             [{"name": "Mine", "holder_id": self.stranger.id}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.household", "write",
             [[household], {"date_end": "2099-12-31"}]),
            ((sales, portal, b), ACCESS, "", "clinic.loyalty.household", "action_clinic_remove_member",
             [[household], self.patient.id]),
            ((cashier,), ACCESS, "send a code to the holder", "clinic.loyalty.household", "action_clinic_set_holder",
             [[household], self.patient.id]),
            ((sales, portal, b), ACCESS, "", "clinic.loyalty.household", "action_clinic_send_consent_code",
             [[household], "add", [self.stranger.id]]),
            ((sales, portal, b), ACCESS, "", "clinic.loyalty.household", "action_clinic_confirm_consent_code",
             [[household], "123456"]),
            ((sales, portal, b), ACCESS, "", "clinic.loyalty.household", "action_clinic_ask_manager",
             [[household], "add", [self.stranger.id]]),
            ((portal, sales, b), ACCESS, "", "clinic.loyalty.household", "action_clinic_open_member_usage",
             [[household]]),
            ((cashier, sales, portal), ACCESS, "", "loyalty.program", "write",
             [[self.program.id], {"clinic_earn_rate": 100}]),
            ((portal,), ACCESS, "", "loyalty.card.update.balance", "create",
             [{"card_id": card, "new_balance": 99999, "description": "x"}]),
            ((portal, b), ACCESS, "", "pos.order", "confirm_coupon_programs",
             [[order.id], {str(card): {"points": 10, "program_id": self.program.id, "coupon_id": card}}]),
            ((portal, b), ACCESS, "", "pos.order", "add_loyalty_history_lines",
             [[order.id], [{"card_id": str(card), "won": 999, "spent": 0}], []]),
            ((portal, sales, b), ACCESS, "", "pos.order", "clinic_loyalty_receipt", [order.id]),
            ((portal, b), ACCESS, "", "sale.order", "action_confirm", [[self.env["sale.order"].create(
                {"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.service.id})]}).id]]),
        ]  # fmt: skip
        tier = self.env["clinic.loyalty.tier"].create({"name": "Silver", "program_id": self.program.id, "threshold": 9})
        period = self.household.period_ids[:1]
        refusals += [
            ((portal, sales), ACCESS, "", "res.partner", "action_clinic_enrol", [[self.stranger.id]]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.tier", "write", [tier.ids, {"earn_rate": 90}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.membership.plan", "write",
             [self.plan.ids, {"member_limit": 99}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.membership.period", "write",
             [period.ids, {"date_end": "2099-12-31"}]),
            ((cashier, sales, portal), ACCESS, "", "clinic.loyalty.voucher.use", "unlink",
             [self.household.voucher_use_ids.ids or [0]]),
            ((sales, portal), ACCESS, "", "clinic.loyalty.household.member", "create",
             [{"household_id": household, "partner_ids": [(6, 0, self.stranger.ids)]}]),
            ((portal,), ACCESS, "", "pos.order", "sync_from_ui", [[self._ui_order(_session, self.patient, 1100.0)]]),
            ((portal, sales), ACCESS, "", "pos.order", "clinic_check_points", [self.patient.id, [], []]),
            ((portal, b), ACCESS, "", "pos.order", "clinic_refund_reward_shares", [order.id, {}]),
        ]  # fmt: skip
        # A confirmed order that paid with points: its reward line is the ledger's now.
        paid = self.env["sale.order"].create(
            {"partner_id": self.patient.id, "user_id": sales.id, "clinic_points_to_use": 100,
             "order_line": [(0, 0, {"product_id": self.service.id})]}
        )  # fmt: skip
        paid._update_programs_and_rewards()
        paid._apply_program_reward(self.program.reward_ids, self.card)
        paid.action_confirm()
        reward_line = paid.order_line.filtered("reward_id")
        refusals += [
            ((sales,), USER, "cancel the order, change it and confirm it again", "sale.order.line", "unlink",
             [reward_line.ids]),
            ((sales,), USER, "cancel the order, change it and confirm it again", "sale.order.line", "write",
             [reward_line.ids, {"points_cost": 1}]),
        ]  # fmt: skip
        if "referral_code" in self.env["res.partner"]._fields:
            refusals += [
                ((cashier, sales, portal), ACCESS, "", "res.partner", "write",
                 [[self.patient.id], {"referral_code": "FRIEND01"}]),
                ((portal, sales), ACCESS, "", "res.partner", "action_assign_referral_code", [[self.stranger.id]]),
            ]  # fmt: skip
        for users, error, message, model, method, args in refusals:
            for user in users:
                with self.subTest(user=user.login, method=f"{model}.{method}"):
                    self.assertRefused(user, error, message, model, method, *args)

        # Another company's user reads nothing of this clinic's patients at the desk.
        self.assertEqual(self.assertAllowed(b, "loyalty.card", "clinic_pos_card_info", self.patient.id), {})
        # Another company's manager cannot even open the balance screen on this card (it
        # shows the card's number and balance), nor can anyone outside the clinic's groups.
        for user in (b, sales):
            self.assertRefused(
                user, ACCESS, "", "loyalty.card.update.balance", "create",
                {"card_id": card, "new_balance": 9000, "description": "x"},
            )  # fmt: skip

        # The manager's adjustment, through Odoo's balance screen too (a reason required).
        self.assertAllowed(self.manager, "loyalty.card", "action_clinic_adjust", [card], -50, "Duplicate bonus")
        wizard = self.assertAllowed(
            self.manager, "loyalty.card.update.balance", "create",
            {"card_id": card, "new_balance": 400, "description": "Goodwill"},
        )  # fmt: skip
        self.assertAllowed(self.manager, "loyalty.card.update.balance", "action_update_card_point", [wizard])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 400)
        self.assertEqual(self.card.points, sum(self.card.clinic_ledger_ids.mapped("points")))
        # A cashier may open the screen but not post with it.
        wizard = self.assertAllowed(
            cashier, "loyalty.card.update.balance", "create", {"card_id": card, "new_balance": 9000, "description": "x"}
        )
        self.assertRefused(
            cashier, ACCESS, "Only a loyalty manager can adjust", "loyalty.card.update.balance",
            "action_update_card_point", [wizard],
        )  # fmt: skip

    def test_a_paid_order_and_what_its_lines_did_are_closed_over_rpc(self):
        """Issue 24: a paid POS order's patient, lines and loyalty flag, the line records and a
        credit note's posting round cannot be changed by a client; the refund check reads
        only what the user may read."""
        session, _order = self._pos_order()
        pos_cashier = new_test_user(
            self.env,
            login="rpc_pos_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=self.company.id,
        )
        result = self.env["pos.order"].sync_from_ui([self._ui_order(session, self.patient, 1000)])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertTrue(order.clinic_loyalty_posted)
        line = order.lines
        forged = {"clinic_ledger_internal": True, "clinic_server_write": True}
        self.assertRefused(
            pos_cashier, USER, "is paid: its patient, lines and payments", "pos.order", "write",
            [order.id], {"partner_id": self.stranger.id},
        )  # fmt: skip
        for context in (None, forged):
            self.assertRefused(
                pos_cashier, ACCESS, "server's to record", "pos.order", "write",
                [order.id], {"clinic_loyalty_posted": False}, context=context,
            )  # fmt: skip
        self.assertRefused(
            pos_cashier, USER, "its lines can no longer be changed", "pos.order.line", "write", [line.id], {"qty": 4}
        )
        self.assertRefused(
            pos_cashier, USER, "its lines can no longer be changed", "pos.order.line", "create",
            [{"order_id": order.id, "product_id": self.service.id, "qty": 3, "price_unit": 2200,
              "price_subtotal": 6600, "price_subtotal_incl": 6600}],
        )  # fmt: skip
        # The payment hook run again, with any context: nothing more is applied.
        before = self._money()
        self._rpc(pos_cashier, "pos.order", "action_pos_order_paid", [order.id], context=forged)
        self.assertEqual(self._money(), before)
        record = self.env["clinic.loyalty.line.record"].search([("pos_line_id", "=", line.id)])
        self.assertEqual((record.points, record.amount), (100, 1000))
        for user in (pos_cashier, self.manager):
            self.assertRefused(
                user, ACCESS, r"\S", "clinic.loyalty.line.record", "create",
                [{"ledger_id": record.ledger_id.id, "kind": "earn", "points": 5000, "amount": 50000}],
            )  # fmt: skip
            self.assertRefused(
                user, USER, "is history", "clinic.loyalty.line.record", "write", [record.id], {"points": 5000}
            )
            self.assertRefused(user, ACCESS, r"\S", "clinic.loyalty.line.record", "unlink", [record.id])
        move = self.env["account.move"].create({"move_type": "out_refund", "partner_id": self.patient.id})
        self.assertRefused(
            self.accountant, ACCESS, "counts a credit note's postings", "account.move", "write",
            [move.id], {"clinic_loyalty_round": 5},
        )  # fmt: skip
        self.assertEqual(move.clinic_loyalty_round, 0)
        lines = [{"refunded_line_id": line.id, "qty": 1, "amount": 1000}]
        for user in (self.portal, self.salesperson, self.user_b):
            self.assertRefused(user, ACCESS, r"\S", "pos.order", "clinic_check_refund", lines)
        self.assertEqual(self.assertAllowed(pos_cashier, "pos.order", "clinic_check_refund", lines), {"problems": []})

    def test_legitimate_roles_keep_working(self):
        # The front desk enrols a walk-in patient, reads their card and prints it.
        walk_in = self.assertAllowed(
            self.cashier, "res.partner", "create", [{"name": "Walk-in", "phone": "8 912 444 00 09", "is_patient": True}]
        )[0]
        info = self.assertAllowed(self.cashier, "loyalty.card", "clinic_pos_card_info", walk_in)
        self.assertTrue(info["code"])
        self.assertAllowed(self.cashier, "res.partner", "action_clinic_print_card", [walk_in])
        # A salesperson without clinic rights confirms an order of an enrolled patient: it earns.
        order = self.assertAllowed(
            self.salesperson, "sale.order", "create",
            [{"partner_id": self.patient.id, "order_line": [(0, 0, {"product_id": self.service.id})]}],
        )[0]  # fmt: skip
        self.assertAllowed(self.salesperson, "sale.order", "action_confirm", [order])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.points, 500 + 220)
        # Before payment, the desk asks what the patient's points may pay: the server's figure.
        reward = self.program.reward_ids
        check = self.assertAllowed(
            self.cashier, "pos.order", "clinic_check_points", self.patient.id,
            [{"product_id": self.service.id, "amount": 2200}], [{"reward_id": reward.id, "amount": -1500, "points": 1}],
        )  # fmt: skip
        self.assertEqual((check["points"], check["allowed"]), (1500, 720))
        self.assertEqual(len(check["problems"]), 2, "over the 50% share and over the balance")
        # What the desk shows with it: the balance usable now, the order's share (50% of 2200)
        # and what the points pay on this order; 10% of the 700 paid in money once paid.
        self.assertEqual(
            {key: check[key] for key in ("usable_points", "cap", "usable_amount", "usable_on_order", "estimate")},
            {"usable_points": 720, "cap": 1100, "usable_amount": 720, "usable_on_order": 720, "estimate": 70},
        )
        # The same order paying what the rules allow may be paid, and earns on the rest.
        check = self.assertAllowed(
            self.cashier, "pos.order", "clinic_check_points", self.patient.id,
            [{"product_id": self.service.id, "qty": 1, "amount": 2200}], [{"reward_id": reward.id, "amount": -720}],
        )  # fmt: skip
        self.assertEqual((check["points"], check["allowed"], check["problems"]), (720, 720, []))
        self.assertEqual(check["estimate"], 148)
        # Figures a client makes up (a product id that is no number, a reward of nothing) count nothing.
        check = self.assertAllowed(
            self.cashier, "pos.order", "clinic_check_points", self.patient.id,
            [{"product_id": "1", "amount": 2200}, {"product_id": self.service.id, "amount": "9"}],
            [{"reward_id": 10**9, "amount": -720}],
        )  # fmt: skip
        self.assertEqual((check["points"], check["cap"], check["estimate"]), (0, 0, 0))
        # A cashier syncs a paid POS order of the patient; the server posts what it earns.
        session, _order = self._pos_order()
        result = self.assertAllowed(
            self.cashier, "pos.order", "sync_from_ui", [self._ui_order(session, self.patient, 1100.0)]
        )
        synced = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(synced.state, "paid")
        receipt = self.assertAllowed(self.cashier, "pos.order", "clinic_loyalty_receipt", synced.id)
        self.assertEqual((receipt["earned"], receipt["balance"]), (110, 500 + 220 + 110))
        # The patient on the portal reads their own card's number through their partner record.
        self.assertAllowed(self.portal, "res.partner", "read", [self.patient.id], ["name"])

    def _add_with_holders_code(self, partner):
        self.assertAllowed(
            self.cashier, "clinic.loyalty.household", "action_clinic_send_consent_code",
            [self.household.id], "add", partner.ids,
        )  # fmt: skip
        sms = self.env["sms.sms"].search([("partner_id", "=", self.patient.id)], order="id desc", limit=1)
        code = re.match(r"(\d{6}) is your code", sms.body).group(1)
        result = self.assertAllowed(
            self.cashier, "clinic.loyalty.household", "action_clinic_confirm_consent_code", [self.household.id], code
        )
        self.assertTrue(result["done"])

    def test_integrity_checks_are_run_and_read_by_managers_of_their_company_only(self):
        model = "clinic.loyalty.integrity.check"
        Check = self.env[model].sudo()
        before = Check.search_count([])
        for user in (self.cashier, self.salesperson, self.portal):
            with self.subTest(user=user.login):
                self.assertRefused(
                    user, ACCESS, "Only a loyalty manager can run the integrity check", model,
                    "action_clinic_run_check", [],
                )  # fmt: skip
                self.assertRefused(user, ACCESS, "", model, "search_read", [])
                self.assertRefused(user, ACCESS, "", model, "create", {"company_id": self.company.id})
        self.assertEqual(Check.search_count([]), before, "nothing was written")

        check = Check.browse(self.assertAllowed(self.manager, model, "action_clinic_run_check", [])["res_id"])
        self.assertEqual(check.company_id, self.company)
        # Another company's manager runs the check of their company and reads only its checks.
        check_b = Check.browse(self.assertAllowed(self.user_b, model, "action_clinic_run_check", [])["res_id"])
        self.assertEqual(check_b.company_id, self.company_b)
        seen = self.assertAllowed(self.user_b, model, "search_read", [], ["company_id"])
        self.assertEqual([row["id"] for row in seen], [check_b.id])
        self.assertRefused(self.user_b, ACCESS, "", model, "read", [check.id], ["problem_count"])
        # A manager never edits a check's findings, nor makes a check up: a check is a run.
        self.assertRefused(self.manager, ACCESS, "", model, "write", [check.id], {"problem_count": 0})
        self.assertRefused(self.manager, ACCESS, "", model, "create", {"company_id": self.company.id})

    def test_front_desk_changes_members_with_the_holders_code(self):
        self._add_with_holders_code(self.stranger)
        self.assertEqual(self.stranger.clinic_household_id, self.household)
        # The member now earns into and pays from the holder's card.
        self.assertEqual(self.stranger._clinic_card_in(self.program), self.card)
        # Where the company keeps households to managers, the desk is refused even with a code.
        self.company.clinic_household_desk_members = False
        self.assertRefused(
            self.cashier, ACCESS, "only loyalty managers change households", "clinic.loyalty.household",
            "action_clinic_send_consent_code", [self.household.id], "remove", [self.stranger.id],
        )  # fmt: skip
        self.assertAllowed(
            self.manager, "clinic.loyalty.household", "action_clinic_remove_member", [self.household.id],
            self.stranger.id,
        )  # fmt: skip
        self.assertFalse(self.stranger.clinic_household_id)
        # The holder cannot leave while holding; another member is made holder first.
        self.assertRefused(
            self.manager, VALIDATION, "holds the household", "clinic.loyalty.household",
            "action_clinic_remove_member", [self.household.id], self.patient.id,
        )  # fmt: skip
