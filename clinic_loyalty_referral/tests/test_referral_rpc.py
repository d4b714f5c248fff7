"""What a cashier, a salesperson, a portal patient and managers can do to referrals over RPC.

Referral points and commissions are money, and every public method and stored field is
reachable through ``/web/dataset/call_kw`` with any arguments and context. These tests log
in as each role and send the calls a curious or dishonest client would send; each refusal
is checked for its exception class and message, and for nothing having been written.
"""

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.clinic_loyalty.tests.common import RpcCallMixin

from .common import ReferralCommon

ACCESS = "odoo.exceptions.AccessError"
USER = "odoo.exceptions.UserError"
NOT_ALLOWED = r"You are not allowed to (access|create|modify|delete)"
# Context keys a client may send hoping to open a door.
CRAFTED_CONTEXT = {"clinic_server_write": True, "active_test": False}


@tagged("post_install", "-at_install")
class TestReferralRpc(RpcCallMixin, ReferralCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = cls.company
        # A pending referral of a patient (the newcomer has their 200 points of gift)...
        cls.referral = env["clinic.referral"]._clinic_record(cls.newcomer, cls.referrer.referral_code, "desk")
        cls.gift = cls.referral.reward_ids
        # ... and a staff member's referral whose paid visit earned a pending commission of 300.
        cls.doctor_user = new_test_user(
            env, login="ref_rpc_doctor", groups="base.group_user", company_id=company.id, email="orlova@example.com"
        )
        cls.doctor = env["clinic.referrer"].create(
            {"name": "Dr Orlova", "kind": "staff", "user_id": cls.doctor_user.id, "company_id": company.id}
        )
        cls.gleb = cls._patient("Gleb Newcomer", "+7 912 400 0003")
        cls.by_doctor = env["clinic.referral"]._clinic_record(cls.gleb, cls.doctor.code, "desk")
        cls._order([(cls.service, 1)], partner=cls.gleb).action_confirm()
        cls.commission = cls.by_doctor.reward_ids.filtered(lambda r: r.kind == "commission")
        # Not referred: the newcomer every dishonest attempt tries to record.
        cls.stranger = cls._patient("Ivan Stranger", "+7 912 400 0004")
        cls.supplier = env["res.partner"].create({"name": "Medical Supplies LLC"})

        def user(login, groups, **kwargs):
            return new_test_user(env, login=login, groups=groups, company_id=company.id, **kwargs)

        cls.desk = user(
            "ref_rpc_cashier",
            "base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
        )
        cls.salesperson = user("ref_rpc_sales", "sales_team.group_sale_salesman")
        # The referred newcomer themself, logged in on the portal.
        cls.portal = user(
            "ref_rpc_portal", "base.group_portal", partner_id=cls.newcomer.id, name=cls.newcomer.name,
            email=cls.newcomer.email,
        )  # fmt: skip
        cls.company_b = env["res.company"].create({"name": "Referral Clinic B"})
        cls.manager_b = new_test_user(
            env,
            login="ref_rpc_manager_b",
            groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.patient_b = cls._patient("Lin Patient B", "+86 138 0013 8000", company_id=cls.company_b.id)
        cls.env.flush_all()

    # Helpers ---------------------------------------------------------------------------

    def _money(self):
        """Everything about referrals a refused call must leave as it was."""
        self.env.invalidate_all()
        env = self.env(su=True)
        every = [("active", "in", (True, False))]
        return {
            "referrals": env["clinic.referral"]
            .search([])
            .read(["referrer_id", "newcomer_id", "company_id", "code_used", "state", "no_reward_reason", "deadline"]),
            "rewards": env["clinic.referral.reward"]
            .search([])
            .read(
                [
                    "referral_id",
                    "kind",
                    "partner_id",
                    "card_id",
                    "amount",
                    "reversed_amount",
                    "state",
                    "paid_date",
                    "paid_by_id",
                ]
            ),  # fmt: skip
            "codes": env["clinic.referral.code"].search([]).read(["code", "current", "referrer_id"]),
            "referrers": env["clinic.referrer"]
            .search(every)
            .read(["name", "kind", "partner_id", "user_id", "company_id", "active", "date_end"]),
            "program": self.referral_program.read(
                [
                    "rewards_forbidden",
                    "sides",
                    "newcomer_points",
                    "referrer_points",
                    "commission_amount",
                    "reward_percent",
                    "cap_per_newcomer",
                    "qualify_days",
                    "monthly_limit",
                    "active",
                ]
            ),  # fmt: skip
            "ledger": env["clinic.loyalty.ledger"].search_count([]),
            "points": env["loyalty.card"].search([("partner_id", "!=", False)]).mapped("points"),
            "order_codes": env["sale.order"].search([]).mapped("clinic_referral_code"),
        }

    def assertRefused(self, user, error, message, model, method, *args, **kwargs):
        before = self._money()
        result, name, text = self._rpc(user, model, method, *args, **kwargs)
        self.assertEqual(name, error, f"{user.login} {model}.{method}{args}: {result or text}")
        self.assertRegex(text or "", message or r"\S")
        self.assertEqual(self._money(), before, f"{user.login} {model}.{method}{args} wrote something")

    def assertAllowed(self, user, model, method, *args, **kwargs):
        result, name, text = self._rpc(user, model, method, *args, **kwargs)
        self.assertIsNone(name, f"{user.login} {model}.{method}: {text}")
        return result

    def _attempts_on_rewards(self):
        """(model, method, args, kwargs) posting or changing a reward or a referral."""
        forged = {
            "referral_id": self.referral.id,
            "kind": "points",
            "partner_id": self.referrer.id,
            "card_id": self.referrer_card.id,
            "amount": 100000,
            "state": "posted",
            "source_key": "forged",
        }
        return [
            ("clinic.referral.reward", "create", [[forged]], {}),
            ("clinic.referral.reward", "write", [self.commission.ids, {"state": "paid", "amount": 99999}], {}),
            ("clinic.referral.reward", "write", [self.gift.ids, {"amount": 5000, "reversed_amount": -4800}], {}),
            ("clinic.referral.reward", "unlink", [self.commission.ids], {}),
            ("clinic.referral.reward", "action_approve", [self.commission.ids], {}),
            ("clinic.referral.reward", "action_mark_paid", [self.commission.ids], {}),
            (
                "clinic.referral",
                "create",
                [
                    [
                        {
                            "referrer_id": self.doctor.id,
                            "newcomer_id": self.stranger.id,
                            "company_id": self.company.id,
                            "source": "desk",
                            "state": "rewarded",
                            "reward_ids": [(0, 0, forged)],
                        }
                    ]
                ],
                {},
            ),  # fmt: skip
            ("clinic.referral", "write", [self.referral.ids, {"referrer_id": self.doctor.id}], {}),
            (
                "clinic.referral",
                "write",
                [self.by_doctor.ids, {"reward_ids": [(1, self.commission.id, {"amount": 9e5})]}],
                {},
            ),
            ("clinic.referral", "write", [self.referral.ids, {"state": "pending", "deadline": "2099-12-31"}], {}),
            ("clinic.referral", "unlink", [self.referral.ids], {}),
            ("clinic.referral", "action_refuse", [self.referral.ids], {}),
        ]

    # The front desk --------------------------------------------------------------------

    def test_a_cashier_cannot_post_or_change_a_reward(self):
        expected = {
            "create": (ACCESS, NOT_ALLOWED),
            "unlink": (ACCESS, NOT_ALLOWED),
            "action_approve": (ACCESS, "Only a loyalty manager approves and pays out"),
            "action_mark_paid": (ACCESS, "Only a loyalty manager approves and pays out"),
            "action_refuse": (ACCESS, "Only a loyalty manager refuses a referral"),
        }
        for model, method, args, kwargs in self._attempts_on_rewards():
            default = (USER, "change only through the clinic's own actions")
            error, message = expected.get(method, default)
            for context in ({}, CRAFTED_CONTEXT):
                with self.subTest(model=model, method=method, context=context):
                    self.assertRefused(self.desk, error, message, model, method, *args, context=context, **kwargs)
        self.assertEqual(self.commission.state, "pending")
        self.assertEqual(self._balances(), (0, 200))

    def test_a_cashier_cannot_edit_a_code_or_a_referrer(self):
        referrer = self.referrer.clinic_referrer_id
        code = referrer.code
        current = referrer.code_ids
        only_managers = "Only a loyalty manager creates or changes referrers and their codes"
        attempts = [
            ("clinic.referral.code", "create", [[{"code": "MYCODE22", "referrer_id": self.doctor.id, "current": True}]],
             ACCESS, NOT_ALLOWED),
            ("clinic.referral.code", "write", [current.ids, {"code": "MYCODE22"}], ACCESS, NOT_ALLOWED),
            ("clinic.referral.code", "write", [current.ids, {"referrer_id": self.doctor.id}], ACCESS, NOT_ALLOWED),
            ("clinic.referral.code", "unlink", [current.ids], ACCESS, NOT_ALLOWED),
            ("clinic.referrer", "write", [referrer.ids, {"name": "Boris"}], ACCESS, only_managers),
            ("clinic.referrer", "write", [referrer.ids, {"kind": "staff", "user_id": self.desk.id}],
             ACCESS, only_managers),
            ("clinic.referrer", "write", [referrer.ids, {"partner_id": self.stranger.id}], ACCESS, only_managers),
            ("clinic.referrer", "write", [referrer.ids, {"company_id": self.company_b.id}], ACCESS, only_managers),
            ("clinic.referrer", "write", [referrer.ids, {"active": False}], ACCESS, only_managers),
            ("clinic.referrer", "write", [self.doctor.ids, {"user_id": self.desk.id}], ACCESS, only_managers),
            ("clinic.referrer", "write", [referrer.ids, {"code_ids": [(0, 0, {"code": "MYCODE22", "current": True})]}],
             ACCESS, only_managers),
            ("clinic.referrer", "create", [[{"name": "My poster", "kind": "channel"}]], ACCESS, only_managers),
            ("clinic.referrer", "create", [[{"name": "Me", "kind": "staff", "user_id": self.desk.id}]],
             ACCESS, only_managers),
            ("clinic.referrer", "unlink", [referrer.ids], ACCESS, NOT_ALLOWED),
            ("clinic.referrer", "action_regenerate_code", [referrer.ids], ACCESS, only_managers),
            # Nor the programme's rules.
            ("clinic.referral.program", "write", [self.referral_program.ids, {"rewards_forbidden": True}],
             ACCESS, NOT_ALLOWED),
            ("clinic.referral.program", "write", [self.referral_program.ids, {"referrer_points": 50000}],
             ACCESS, NOT_ALLOWED),
            ("clinic.referral.program", "create", [[{"company_id": self.company_b.id, "newcomer_points": 9000}]],
             ACCESS, NOT_ALLOWED),
        ]  # fmt: skip
        for model, method, args, error, message in attempts:
            for context in ({}, CRAFTED_CONTEXT):
                with self.subTest(model=model, method=method, args=args, context=context):
                    self.assertRefused(self.desk, error, message, model, method, *args, context=context)
        referrer.invalidate_recordset()
        self.assertEqual((referrer.code, referrer.code_ids, referrer.kind), (code, current, "patient"))
        self.assertEqual(self.env["clinic.referrer"]._clinic_find(code)[0], referrer)

    def test_the_front_desk_records_only_what_the_guards_allow(self):
        """The cashier's own door (the code a newcomer gave) with crafted newcomers: refused, nothing written."""
        code = self.referrer.referral_code
        record = ("res.partner", "action_clinic_record_referral")
        self.assertRefused(self.desk, USER, "Boris Referrer cannot use their own referral code", *record,
                           self.referrer.ids, code)  # fmt: skip
        self.assertRefused(self.desk, USER, "Medical Supplies LLC is not enrolled as a patient", *record,
                           self.supplier.ids, code)  # fmt: skip
        self.assertRefused(self.desk, USER, "Vera Newcomer was already referred by Boris Referrer", *record,
                           self.newcomer.ids, self.doctor.code)  # fmt: skip
        # Another company's patient is out of reach, whatever company the client claims.
        self.assertRefused(self.desk, ACCESS, "", *record, self.patient_b.ids, code)
        self.assertRefused(self.desk, ACCESS, "", *record, self.patient_b.ids, code,
                           context={"allowed_company_ids": [self.company.id, self.company_b.id]})  # fmt: skip
        self.assertRefused(self.desk, ACCESS, "", "res.partner", "clinic_referral_info", self.patient_b.ids)
        # The same through the partner form's field.
        self.assertRefused(self.desk, USER, "cannot use their own referral code", "res.partner", "write",
                           self.referrer.ids, {"clinic_referral_code_entry": code})  # fmt: skip
        self.assertRefused(self.desk, ACCESS, "", "res.partner", "write",
                           self.patient_b.ids, {"clinic_referral_code_entry": code})  # fmt: skip
        # What is allowed is allowed once: the stranger is referred, with the gift, and not twice.
        info = self.assertAllowed(self.desk, *record, self.stranger.ids, code, "pos")
        self.assertEqual(info["referred_by"], "Boris Referrer")
        referral = self.stranger.with_company(self.company).clinic_referral_id
        self.assertEqual((referral.source, referral.user_id), ("pos", self.desk))
        self.assertEqual(self.stranger.clinic_card_ids.points, 200)
        self.assertRefused(self.desk, USER, "already referred", *record, self.stranger.ids, self.doctor.code)

    # A salesperson without clinic groups --------------------------------------------------

    def test_a_salesperson_cannot_record_a_referral_through_a_sales_order(self):
        code = self.referrer.referral_code
        front_desk = r"Only the clinic's front desk \(Loyalty User\) records a referral code"
        self.assertRefused(
            self.salesperson, ACCESS, front_desk, "sale.order", "create",
            [{"partner_id": self.stranger.id, "clinic_referral_code": code}],
        )  # fmt: skip
        order = self.env["sale.order"].create({"partner_id": self.stranger.id, "user_id": self.salesperson.id})
        for context in ({}, CRAFTED_CONTEXT):
            self.assertRefused(
                self.salesperson, ACCESS, front_desk, "sale.order", "write",
                [order.id], {"clinic_referral_code": code}, context=context,
            )  # fmt: skip
        self.assertFalse(order.clinic_referral_code)
        # Nor through the patient, nor by reading who referred whom.
        self.assertRefused(self.salesperson, ACCESS, "", "res.partner", "write",
                           self.stranger.ids, {"clinic_referral_code_entry": code})  # fmt: skip
        self.assertRefused(self.salesperson, ACCESS, front_desk, "res.partner", "action_clinic_record_referral",
                           self.stranger.ids, code)  # fmt: skip
        self.assertRefused(self.salesperson, ACCESS, "front desk", "res.partner", "clinic_referral_info",
                           self.newcomer.ids)  # fmt: skip
        self.assertRefused(self.salesperson, ACCESS, "front desk", "res.partner", "action_assign_referral_code",
                           self.supplier.ids)  # fmt: skip
        for model in ("clinic.referral", "clinic.referral.reward", "clinic.referrer", "clinic.referral.code"):
            self.assertRefused(self.salesperson, ACCESS, NOT_ALLOWED, model, "search_read", [])
        self.assertFalse(self.env["clinic.referral"].search([("newcomer_id", "=", self.stranger.id)]))
        self.assertEqual(self.stranger.clinic_card_ids.points, 0)

    # A portal patient ------------------------------------------------------------------

    def test_a_portal_patient_cannot_read_referrals_nor_record_one(self):
        for model in ("clinic.referral", "clinic.referral.reward", "clinic.referrer", "clinic.referral.code",
                      "clinic.referral.program"):  # fmt: skip
            self.assertRefused(self.portal, ACCESS, NOT_ALLOWED, model, "search_read", [], ["id"])
        self.assertRefused(self.portal, ACCESS, NOT_ALLOWED, "clinic.referral.reward", "read", self.gift.ids)
        self.assertRefused(self.portal, ACCESS, NOT_ALLOWED, "clinic.referral", "read", self.referral.ids)
        # Not even on themself: the front desk records a code; the referrer's full name stays private.
        for partner in (self.newcomer, self.stranger):
            self.assertRefused(self.portal, ACCESS, "front desk", "res.partner", "action_clinic_record_referral",
                               partner.ids, self.doctor.code)  # fmt: skip
            self.assertRefused(self.portal, ACCESS, "front desk", "res.partner", "clinic_referral_info", partner.ids)
        self.assertRefused(self.portal, ACCESS, "", "res.partner", "write",
                           self.stranger.ids, {"clinic_referral_code_entry": self.doctor.code})  # fmt: skip
        self.assertRefused(self.portal, ACCESS, NOT_ALLOWED, "clinic.referrer", "action_print_invitation",
                           self.doctor.ids)  # fmt: skip
        self.assertRefused(self.portal, ACCESS, "Only a loyalty manager", "clinic.referral.reward", "action_approve",
                           self.commission.ids)  # fmt: skip

    def test_who_referred_whom_is_the_front_desks_to_read(self):
        """A salesperson and the portal patient do not read, nor search by, who referred whom."""
        fields_ = ["referral_code", "referral_count", "clinic_referrer_id", "clinic_referral_id",
                   "clinic_referred_by_id", "clinic_referral_code_entry"]  # fmt: skip
        by_code = [("referral_code", "=", self.referrer.referral_code)]
        for user in (self.salesperson, self.portal):
            for field in fields_:
                self.assertRefused(user, ACCESS, "You do not have enough rights to access the field", "res.partner",
                                   "read", self.newcomer.ids, [field])  # fmt: skip
            for domain in ([("clinic_referred_by_id", "=", "Boris Referrer")], by_code):
                self.assertRefused(user, ACCESS, NOT_ALLOWED, "res.partner", "search_read", domain, ["name"])
        row = self.assertAllowed(self.desk, "res.partner", "read", self.newcomer.ids, fields_)[0]
        found = self.assertAllowed(self.desk, "res.partner", "search_read", by_code, ["id"])
        self.assertEqual(found, [{"id": self.referrer.id}])
        self.assertEqual(row["clinic_referred_by_id"][1], "Boris Referrer")
        self.assertEqual(row["clinic_referral_code_entry"], self.referral.code_used)

    # Managers ---------------------------------------------------------------------------

    def test_another_companys_manager_cannot_read_approve_or_pay_our_commissions(self):
        manager_b = self.manager_b
        for method in ("action_approve", "action_mark_paid"):
            self.assertRefused(manager_b, ACCESS, "", "clinic.referral.reward", method, self.commission.ids)
            self.assertRefused(
                manager_b, ACCESS, "unauthorized or invalid companies", "clinic.referral.reward", method,
                self.commission.ids, context={"allowed_company_ids": [self.company.id, self.company_b.id]},
            )  # fmt: skip
        self.assertRefused(manager_b, ACCESS, "", "clinic.referral", "action_refuse", self.referral.ids)
        self.assertRefused(manager_b, ACCESS, "", "clinic.referral.reward", "read", self.commission.ids, ["amount"])
        self.assertRefused(manager_b, ACCESS, "", "clinic.referral", "read", self.by_doctor.ids, ["newcomer_id"])
        self.assertRefused(manager_b, ACCESS, "", "clinic.referrer", "action_regenerate_code", self.doctor.ids)
        self.assertRefused(manager_b, ACCESS, "", "clinic.referrer", "write", self.doctor.ids, {"active": False})
        self.assertRefused(manager_b, ACCESS, "", "clinic.referral.program", "write",
                           self.referral_program.ids, {"rewards_forbidden": True})  # fmt: skip
        self.assertRefused(manager_b, ACCESS, "", "clinic.referrer", "create",
                           [{"name": "Their poster", "kind": "channel", "company_id": self.company.id}])  # fmt: skip
        # Searching finds nothing of ours, whatever the context says.
        for context in ({}, CRAFTED_CONTEXT):
            for model in ("clinic.referral", "clinic.referral.reward"):
                found = self.assertAllowed(manager_b, model, "search_read", [], ["company_id"], context=context)
                self.assertFalse([row for row in found if row["company_id"][0] == self.company.id], model)
            groups = self.assertAllowed(
                manager_b, "clinic.referral.reward", "read_group", [], ["amount:sum"], ["referrer_id"], context=context
            )
            self.assertFalse(groups, "another company's commissions summed")
        self.assertEqual(self.commission.state, "pending")

    def test_the_managers_approve_and_pay_commissions_but_not_their_own(self):
        manager = self.manager
        # A manager cannot post or change a reward either, except through approval and payout.
        for model, method, args, kwargs in self._attempts_on_rewards():
            if method in ("action_approve", "action_mark_paid", "action_refuse"):
                continue
            error = ACCESS if method in ("create", "unlink") else USER
            self.assertRefused(manager, error, "", model, method, *args, context=CRAFTED_CONTEXT, **kwargs)
        self.assertRefused(manager, USER, "Only pending commissions can be approved", "clinic.referral.reward",
                           "action_approve", self.gift.ids)  # fmt: skip
        self.assertRefused(manager, USER, "Only payable commissions can be marked paid", "clinic.referral.reward",
                           "action_mark_paid", self.commission.ids)  # fmt: skip
        self.assertRefused(manager, USER, "A referrer's kind and person cannot change", "clinic.referrer", "write",
                           self.doctor.ids, {"user_id": manager.id}, context=CRAFTED_CONTEXT)  # fmt: skip

        self.assertAllowed(manager, "clinic.referral.reward", "action_approve", self.commission.ids)
        self.assertEqual(self.commission.state, "payable")
        self.assertAllowed(manager, "clinic.referral.reward", "action_mark_paid", self.commission.ids)
        self.assertEqual(
            (self.commission.state, self.commission.paid_by_id, self.commission.paid_date, self.commission.amount),
            ("paid", manager, fields.Date.today(), 300),
        )
        self.assertRefused(manager, USER, "Only payable commissions", "clinic.referral.reward", "action_mark_paid",
                           self.commission.ids)  # fmt: skip

        # A manager who also refers patients has another manager approve and pay their commission.
        as_staff = self.env["clinic.referrer"].create(
            {"name": "Manager Petrov", "kind": "staff", "user_id": manager.id}
        )
        referral = self.env["clinic.referral"]._clinic_record(self.stranger, as_staff.code, "desk")
        self._visit(2200, partner=self.stranger)
        own = referral.reward_ids.filtered(lambda r: r.kind == "commission")
        self.assertEqual((own.amount, own.state, own.partner_id), (300, "pending", manager.partner_id))
        self.assertRefused(manager, ACCESS, "their own commission", "clinic.referral.reward", "action_approve",
                           own.ids)  # fmt: skip
        self.assertRefused(manager, ACCESS, "their own commission", "clinic.referral.reward", "action_approve",
                           (own | self.commission).ids)  # fmt: skip
        other_manager = new_test_user(
            self.env, login="ref_rpc_manager_2", groups="base.group_user,clinic_loyalty.group_clinic_loyalty_manager",
            company_id=self.company.id,
        )  # fmt: skip
        self.assertAllowed(other_manager, "clinic.referral.reward", "action_approve", own.ids)
        self.assertRefused(manager, ACCESS, "their own commission", "clinic.referral.reward", "action_mark_paid",
                           own.ids)  # fmt: skip
        self.assertAllowed(other_manager, "clinic.referral.reward", "action_mark_paid", own.ids)
        self.assertEqual((own.state, own.paid_by_id), ("paid", other_manager))
