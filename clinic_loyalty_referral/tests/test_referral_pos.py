from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.point_of_sale.tests.common import TestPoSCommon


def _referral_program(env, company):
    """The tests' referral programme: both sides rewarded, 200 welcome points, 500 per newcomer."""
    Program = env["clinic.referral.program"].sudo()
    Program.search([("company_id", "=", company.id)]).unlink()
    return Program.create(
        {
            "company_id": company.id,
            "sides": "two",
            "newcomer_gift": "points",
            "newcomer_points": 200,
            "referrer_reward": "fixed",
            "referrer_points": 500,
        }
    )


def _clinic_program(env, company):
    program = (
        env["loyalty.program"]
        .sudo()
        .create(
            {
                "name": "Clinic Referral Bonus",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "company_id": company.id,
                "pos_ok": True,
                "clinic_bonus": True,
                "clinic_earn_rate": 10,
                "rule_ids": [(0, 0, {"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount_mode": "per_point", "discount": 1})],
            }
        )
    )
    company.sudo().clinic_loyalty_program_id = program
    return program


@tagged("post_install", "-at_install")
class TestReferralPos(TestPoSCommon):
    """A referred newcomer's POS orders, synced as the browser sends them (``sync_from_ui``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        _clinic_program(cls.env, cls.company)
        cls.referral_program = _referral_program(cls.env, cls.company)
        cls.massage = cls.create_product("Referral Massage", cls.categ_basic, 1100.0, tax_ids=[])
        # The test user is an accountant: enrolling is the front desk's, done here as the system.
        Partner = cls.env["res.partner"].sudo()
        cls.referrer = Partner.create({"name": "POS Referrer", "is_patient": True})
        cls.newcomer = Partner.create({"name": "POS Newcomer", "is_patient": True})
        cls.referrer_card = cls.referrer.clinic_card_ids.sudo()
        cls.newcomer_card = cls.newcomer.clinic_card_ids.sudo()
        cls.cashier = new_test_user(
            cls.env,
            login="referral_pos_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=cls.company.id,
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()
        # The cashier records the code the newcomer gave, as the POS referral button does.
        info = self.newcomer.with_user(self.cashier).action_clinic_record_referral(self.referrer.referral_code, "pos")
        self.assertEqual(
            (info["referred_by"], info["referral_state"], info["can_enter_code"]), ("POS Referrer", "Pending", False)
        )
        self.referral = self.env["clinic.referral"].sudo().search([("newcomer_id", "=", self.newcomer.id)])
        self.assertEqual((self.referral.source, self.newcomer_card.points), ("pos", 200))

    def _order_data(self, lines, **kwargs):
        data = self.create_ui_order_data(lines, customer=self.newcomer)
        return data | kwargs

    def _sync(self, data):
        result = self.env["pos.order"].sync_from_ui([data])
        self.env.invalidate_all()
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _referrer_rewards(self):
        return self.referral.reward_ids.filtered(lambda reward: reward.kind == "points")

    def test_the_first_visit_rewards_the_referrer_once_however_often_it_is_synced(self):
        data = self._order_data([(self.massage, 2)])
        order = self._sync(data)
        again = self._sync(self._order_data([(self.massage, 2)], uuid=data["uuid"], name=data["name"]))
        self.assertEqual(again, order)
        self.assertEqual((self.referral.state, self.referral.pos_order_id), ("rewarded", order))
        self.assertEqual(self.referrer_card.points, 500)
        self.assertEqual(len(self._referrer_rewards()), 1)
        self.assertEqual(self.referrer_card.clinic_ledger_ids.mapped("points"), [500])
        # The posting runs again (a back-office payment, a retried job): nothing more.
        order._clinic_post_loyalty()
        self.env.invalidate_all()
        self.assertEqual(self.referrer_card.points, 500)
        self.assertEqual(len(self._referrer_rewards()), 1)
        self.assertEqual(len(self.referrer_card.clinic_ledger_ids), 1)
        # The newcomer: the welcome gift, then 10% of the 2200 paid.
        self.assertEqual(self.newcomer_card.points, 200 + 220)
        info = self.referrer.with_user(self.cashier).clinic_referral_info()
        self.assertEqual((info["referred"], info["qualified"]), (1, 1))
        # A later visit of the newcomer rewards nothing more (a fixed reward per newcomer).
        self._sync(self._order_data([(self.massage, 1)]))
        self.assertEqual(self.referrer_card.points, 500)

    def test_refunding_half_the_visit_takes_back_half_the_referrers_points(self):
        order = self._sync(self._order_data([(self.massage, 2)]))
        self.assertEqual((self.referrer_card.points, self.newcomer_card.points), (500, 420))
        massage_line = order.lines.filtered(lambda line: line.product_id == self.massage)

        self._sync(
            self.create_ui_order_data(
                [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
                customer=self.newcomer,
            )
        )
        reward = self._referrer_rewards()
        self.assertEqual(self.referrer_card.points, 250)
        self.assertEqual(sorted(self.referrer_card.clinic_ledger_ids.mapped("points")), [-250, 500])
        self.assertEqual((reward.amount, reward.reversed_amount, reward.net_amount), (500, 250, 250))
        self.assertEqual((self.referral.state, self.referral.referrer_reward), ("rewarded", 250))
        # The newcomer's gift stays; half of what the visit earned goes.
        self.assertEqual(self.newcomer_card.points, 200 + 220 - 110)

        # The other massage refunded too: nothing is left of the reward.
        self._sync(
            self.create_ui_order_data(
                [{"product": self.massage, "quantity": -1, "refunded_orderline_id": massage_line.id}],
                customer=self.newcomer,
            )
        )
        self.assertEqual(self.referrer_card.points, 0)
        self.assertEqual((reward.reversed_amount, reward.state), (500, "reversed"))
        self.assertEqual(self.referral.state, "reversed")
        self.assertEqual(self.newcomer_card.points, 200)

    def test_an_order_paid_nothing_qualifies_no_referral(self):
        """[massage 200,000, massage -1 at 200,000] paid 0: the second line refunds nothing, the
        order received nothing, so it is no first paid visit."""
        data = self._order_data([(self.massage, 1)])
        line = data["lines"][0][2]
        line.update(price_unit=200000, price_subtotal=200000, price_subtotal_incl=200000)
        data["lines"].append(
            (0, 0, {**line, "uuid": "refunds-nothing", "qty": -1, "price_subtotal": -200000,
                    "price_subtotal_incl": -200000})
        )  # fmt: skip
        data.update(amount_total=0, amount_paid=0)
        data["payment_ids"] = []
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.referral.state, "pending")
        self.assertEqual(self.referrer_card.points, 0)
        self.assertEqual(self.newcomer_card.points, 200, "the gift, and nothing earned")


@tagged("post_install", "-at_install")
class TestReferralPosRpc(HttpCase):
    """The POS referral button's call, as the browser sends it: the front desk only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        _clinic_program(cls.env, company)
        _referral_program(cls.env, company)
        Partner = cls.env["res.partner"].sudo()
        cls.referrer = Partner.create({"name": "RPC Referrer", "is_patient": True})
        cls.newcomer = Partner.create({"name": "RPC Newcomer", "is_patient": True})
        cls.newcomer_card = cls.newcomer.clinic_card_ids.sudo()
        cls.cashier = new_test_user(
            cls.env,
            login="referral_rpc_cashier",
            groups="base.group_user,point_of_sale.group_pos_user,clinic_loyalty.group_clinic_loyalty_user",
            company_id=company.id,
        )
        cls.pos_only = new_test_user(
            cls.env,
            login="referral_rpc_pos_only",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=company.id,
        )

    def _record(self, user, code, **context):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "res.partner",
                "method": "action_clinic_record_referral",
                "args": [[self.newcomer.id], code, "pos"],
                "kwargs": {"context": {"lang": "en_US", **context}},
            },
        )

    def _written(self):
        self.env.invalidate_all()
        return {
            "referrals": self.env["clinic.referral"].sudo().search_count([("newcomer_id", "=", self.newcomer.id)]),
            "points": self.newcomer_card.points,
            "ledger": len(self.newcomer_card.clinic_ledger_ids),
        }

    def test_only_the_front_desk_records_a_referral_code(self):
        nothing = {"referrals": 0, "points": 0, "ledger": 0}
        self.assertEqual(self._written(), nothing)
        for context in ({}, {"active_test": False, "clinic_referral_no_code": True}):
            with self.assertRaisesRegex(JsonRpcException, r"^odoo\.exceptions\.AccessError$"):
                self._record(self.pos_only, self.referrer.referral_code, **context)
            self.assertEqual(self._written(), nothing)

        info = self._record(self.cashier, self.referrer.referral_code.lower())
        self.assertEqual(
            {key: info[key] for key in ("referred_by", "referral_state", "can_enter_code", "rewards_off")},
            {"referred_by": "RPC Referrer", "referral_state": "Pending", "can_enter_code": False, "rewards_off": ""},
        )
        self.assertEqual(self._written(), {"referrals": 1, "points": 200, "ledger": 1})
        referral = self.env["clinic.referral"].sudo().search([("newcomer_id", "=", self.newcomer.id)])
        self.assertEqual((referral.source, referral.user_id), ("pos", self.cashier))
