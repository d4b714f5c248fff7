"""Two Odoo workers handle paid visits of referred newcomers at once: the referrer is
rewarded once per newcomer, within the monthly limit and the monthly cap."""

import threading
import traceback
from functools import partial

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger

# The referral programme's figures the tests change, restored afterwards.
PROGRAM_FIELDS = [
    "sides",
    "referrer_reward",
    "referrer_points",
    "commission_amount",
    "reward_percent",
    "reward_months",
    "cap_per_newcomer",
    "cap_per_referrer_month",
    "qualify_min_amount",
    "qualify_days",
    "monthly_limit",
]


@tagged("post_install", "-at_install")
class TestReferralConcurrentWorkers(BaseCase):
    """Each worker has its own cursor and transaction and runs its call the way Odoo's RPC
    layer does (``retrying``: a serialization failure rolls back and replays the whole call).

    The demo clinic earns points when invoices are paid, so confirming the newcomers' visits
    rewards nobody; each worker then hands a paid visit to the referral, as the payment does.
    The data is committed (the other worker must see it) and removed afterwards by SQL:
    referrals, their rewards and ledger lines are never deleted by the application.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            clinic = api.Environment(cr, SUPERUSER_ID, {}).ref("clinic_loyalty.res_company_clinic_demo")
            self.context = {"allowed_company_ids": [clinic.id]}
            env = self._env(cr)
            loyalty = clinic.clinic_loyalty_program_id
            program = env["clinic.referral.program"]._clinic_for(clinic)
            self.assertTrue(loyalty.clinic_bonus and program, "the demo clinic has bonus and referral programmes")
            self.saved = {
                "trigger": loyalty.clinic_earn_trigger,
                "program": {name: program[name] for name in PROGRAM_FIELDS},
            }
            service = env["product.product"].create(
                {"name": "Concurrency referral visit", "type": "service", "list_price": 2000, "taxes_id": [(5, 0, 0)]}
            )
            Partner = env["res.partner"]
            referrer = Partner.create({"name": "Concurrent Referrer", "is_patient": True})
            newcomers = Partner.create(
                [
                    {"name": "Concurrent Newcomer A", "is_patient": True},
                    {"name": "Concurrent Newcomer B", "is_patient": True},
                ]
            )
            channel = env["clinic.referrer"].create(
                {"name": "Concurrency partner clinic", "kind": "channel", "company_id": clinic.id}
            )
            self.ids = {
                "loyalty": loyalty.id,
                "program": program.id,
                "service": service.id,
                "referrer": referrer.id,
                "referrer_card": referrer.clinic_card_ids.id,
                # What the card holds before any referral (a welcome bonus, if any).
                "opening": referrer.clinic_card_ids.points,
                "newcomers": newcomers.ids,
                "channel": channel.id,
            }
        self.addCleanup(self._remove_committed_data)
        self._set_program(
            trigger="paid",
            sides="one",
            referrer_reward="fixed",
            referrer_points=500,
            commission_amount=300,
            cap_per_newcomer=0,
            cap_per_referrer_month=0,
            qualify_min_amount=1000,
            qualify_days=90,
            monthly_limit=0,
        )

    def _remove_committed_data(self):
        ids = self.ids
        partners = [ids["referrer"], *ids["newcomers"]]
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["loyalty.program"].browse(ids["loyalty"]).clinic_earn_trigger = self.saved["trigger"]
            env["clinic.referral.program"].browse(ids["program"]).write(self.saved["program"])
            cr.execute("SELECT id FROM loyalty_card WHERE partner_id = ANY(%s)", [partners])
            cards = [row[0] for row in cr.fetchall()]
            cr.execute("SELECT id FROM sale_order WHERE partner_id = ANY(%s)", [partners])
            orders = [row[0] for row in cr.fetchall()]
            cr.execute(
                """
                DELETE FROM clinic_loyalty_lot_use use
                 USING clinic_loyalty_ledger line
                 WHERE (use.line_id = line.id OR use.lot_id = line.id) AND line.card_id = ANY(%s)
                """,
                [cards],
            )
            for table in ("clinic_loyalty_ledger", "clinic_loyalty_tier_history", "clinic_loyalty_reminder"):
                cr.execute(SQL("DELETE FROM %s WHERE card_id = ANY(%s)", SQL.identifier(table), cards))
            cr.execute("DELETE FROM clinic_referral_reward WHERE newcomer_id = ANY(%s)", [partners])
            cr.execute("DELETE FROM clinic_referral WHERE newcomer_id = ANY(%s)", [partners])
            for model, records in (("sale.order", orders), ("loyalty.card", cards)):
                cr.execute("DELETE FROM mail_message WHERE model = %s AND res_id = ANY(%s)", [model, records])
                cr.execute("DELETE FROM mail_followers WHERE res_model = %s AND res_id = ANY(%s)", [model, records])
            cr.execute("DELETE FROM sale_order WHERE id = ANY(%s)", [orders])
            cr.execute("DELETE FROM loyalty_card WHERE id = ANY(%s)", [cards])
            # Each patient refers under a code of their own; codes go with their referrer.
            cr.execute("DELETE FROM clinic_referrer WHERE partner_id = ANY(%s) OR id = %s", [partners, ids["channel"]])
            env["res.partner"].browse(partners).unlink()
            env["product.product"].browse(ids["service"]).product_tmpl_id.unlink()

    # Helpers ---------------------------------------------------------------------------

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, self.context)

    def _set_program(self, trigger=None, **figures):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if trigger:
                env["loyalty.program"].browse(self.ids["loyalty"]).clinic_earn_trigger = trigger
            env["clinic.referral.program"].browse(self.ids["program"]).write(figures)

    def _refer(self, newcomer_index, channel=False):
        """Commit the referral of a newcomer by the test patient (or the partner clinic)."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            if channel:
                code = env["clinic.referrer"].browse(self.ids["channel"]).code
            else:
                code = env["res.partner"].browse(self.ids["referrer"]).referral_code
            newcomer = env["res.partner"].browse(self.ids["newcomers"][newcomer_index])
            return env["clinic.referral"]._clinic_record(newcomer, code, "desk").id

    def _paid_visit(self, newcomer_index):
        """Commit a confirmed visit of a newcomer for 2000 (whose payment is awaited)."""
        with self.registry.cursor() as cr:
            order = self._env(cr)["sale.order"].create(
                {
                    "partner_id": self.ids["newcomers"][newcomer_index],
                    "order_line": [(0, 0, {"product_id": self.ids["service"], "product_uom_qty": 1})],
                }
            )
            order.action_confirm()
            return order.id

    def _visit_paid(self, order_id):
        """A worker's call: the payment of the visit ``order_id`` reaches the referral."""

        def call(env):
            return env["clinic.referral"]._clinic_visit_paid(env["sale.order"].browse(order_id))

        return call

    def _run_concurrently(self, calls):
        """Run each ``call(env)`` in its own worker, through ``retrying``, and check that each
        one returned (neither saw an error: "refused" with the message, or "crashed") and
        that the second was replayed after the first committed.

        Both transactions take their snapshot before either goes on (Odoo's transactions are
        REPEATABLE READ: the snapshot is taken at the first query), as two requests arriving
        together do: what one worker commits stays invisible to the other unless the locks
        make it wait and replay.
        """
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)
        runs = []

        def run(call, env):
            runs.append(call)
            return call(env)

        def worker(index, call):
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    cr.execute("SELECT 1")
                    barrier.wait(timeout=30)
                    try:
                        outcomes[index] = ("done", retrying(partial(run, call, env), env))
                    except UserError as error:
                        outcomes[index] = ("refused", error.args[0])
            except Exception:
                outcomes[index] = ("crashed", traceback.format_exc())

        threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
        # The losing worker's serialization failure is logged by the cursor before
        # ``retrying`` replays its call: expected here.
        with mute_logger("odoo.sql_db", "odoo.service.model"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertEqual(outcomes, [("done", None)] * len(calls), "neither worker sees an error")
        # The workers did race: the one that waited was replayed once, on the other's result.
        self.assertEqual(len(runs), len(calls) + 1)

    def _state(self, referral_ids):
        """What was committed: [(state, no_reward_reason, qualifying order id)] of the referrals,
        [(referral id, kind, amount, order id)] of the referrer's rewards, what the referrer's
        card gained, [(points, reward id)] of its referral ledger lines and the reward ids."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            referrals = env["clinic.referral"].browse(referral_ids)
            rewards = referrals.reward_ids.filtered(lambda r: r.kind != "gift").sorted("id")
            card = env["loyalty.card"].browse(self.ids["referrer_card"])
            lines = card.clinic_ledger_ids.filtered("referral_reward_id")
            return (
                [(r.state, r.no_reward_reason, r.sale_order_id.id) for r in referrals],
                [(r.referral_id.id, r.kind, r.amount, r.sale_order_id.id) for r in rewards],
                card.points - self.ids["opening"],
                [(line.points, line.referral_reward_id.id) for line in lines],
                rewards.ids,
            )

    # 1. One newcomer, two visits paid at once ------------------------------------------

    def test_two_visits_of_one_newcomer_paid_at_once_reward_the_referrer_once(self):
        referral_id = self._refer(0)
        first, second = self._paid_visit(0), self._paid_visit(0)

        self._run_concurrently([self._visit_paid(first), self._visit_paid(second)])

        referrals, rewards, points, ledger, reward_ids = self._state([referral_id])
        [(state, reason, order_id)] = referrals
        self.assertEqual((state, reason), ("rewarded", False))
        self.assertIn(order_id, (first, second))
        self.assertEqual(rewards, [(referral_id, "points", 500, order_id)], "the qualifying visit's reward only")
        self.assertEqual(points, 500)
        self.assertEqual(ledger, [(500, reward_ids[0])])

    # 2. One visit handed over twice at once --------------------------------------------

    def test_one_visit_paid_twice_at_once_rewards_once(self):
        # A replayed payment (or POS order) reaching two workers hands over the same order.
        referral_id = self._refer(0)
        order_id = self._paid_visit(0)

        self._run_concurrently([self._visit_paid(order_id)] * 2)

        referrals, rewards, points, ledger, reward_ids = self._state([referral_id])
        self.assertEqual(referrals, [("rewarded", False, order_id)])
        self.assertEqual(rewards, [(referral_id, "points", 500, order_id)])
        self.assertEqual(points, 500)
        self.assertEqual(ledger, [(500, reward_ids[0])])

    # 3. Two newcomers qualifying at once, one reward a month ---------------------------

    def _two_newcomers_at_once(self, channel=False):
        """Both newcomers of one referrer pay their first visit at the same instant; return
        the referral ids and the order ids."""
        referral_ids = [self._refer(0, channel), self._refer(1, channel)]
        order_ids = [self._paid_visit(0), self._paid_visit(1)]
        self._run_concurrently([self._visit_paid(order_id) for order_id in order_ids])
        return referral_ids, order_ids

    def _assert_one_rewarded_one_over_the_limit(self, referral_ids, order_ids, kind, amount):
        referrals, rewards, *_rest = self._state(referral_ids)
        self.assertEqual(sorted(state for state, _reason, _order in referrals), ["qualified", "rewarded"], referrals)
        for (state, reason, order_id), expected_order in zip(referrals, order_ids, strict=True):
            self.assertEqual(reason, "limit" if state == "qualified" else False)
            self.assertEqual(order_id, expected_order, "both count as converted by their visit")
        rewarded = referral_ids[[state for state, _r, _o in referrals].index("rewarded")]
        self.assertEqual(
            rewards, [(rewarded, kind, amount, order_ids[referral_ids.index(rewarded)])], "one reward this month"
        )

    def test_two_newcomers_qualifying_at_once_respect_the_monthly_limit(self):
        self._set_program(monthly_limit=1)
        referral_ids, order_ids = self._two_newcomers_at_once()

        self._assert_one_rewarded_one_over_the_limit(referral_ids, order_ids, "points", 500)
        _referrals, _rewards, points, ledger, reward_ids = self._state(referral_ids)
        self.assertEqual(points, 500)
        self.assertEqual(ledger, [(500, reward_ids[0])])

    def test_two_newcomers_of_a_channel_qualifying_at_once_respect_the_monthly_limit(self):
        # A commission touches no card: only the referrer's lock orders the two workers.
        self._set_program(monthly_limit=1)
        referral_ids, order_ids = self._two_newcomers_at_once(channel=True)

        self._assert_one_rewarded_one_over_the_limit(referral_ids, order_ids, "commission", 300)

    # 4. A share of two newcomers' visits at once, within the month's cap ---------------

    def _assert_shares_within_the_cap(self, referral_ids, kind):
        referrals, rewards, *_rest = self._state(referral_ids)
        self.assertEqual([state for state, _reason, _order in referrals], ["rewarded", "rewarded"])
        # 5% of 2000 each: 100 to the first, what is left of the month's 150 to the second.
        self.assertEqual(sorted(amount for _referral, _kind, amount, _order in rewards), [50, 100], rewards)
        self.assertEqual({reward[1] for reward in rewards}, {kind})
        return sum(reward[2] for reward in rewards)

    def test_shares_of_two_newcomers_paid_at_once_stay_within_the_months_cap(self):
        self._set_program(referrer_reward="percent", reward_percent=5, reward_months=6, cap_per_referrer_month=150)
        referral_ids, _order_ids = self._two_newcomers_at_once()

        self.assertEqual(self._assert_shares_within_the_cap(referral_ids, "points"), 150)
        _referrals, _rewards, points, ledger, reward_ids = self._state(referral_ids)
        self.assertEqual(points, 150)
        self.assertEqual(sum(line[0] for line in ledger), 150)
        self.assertEqual(sorted(line[1] for line in ledger), reward_ids, "one ledger line per reward")

    def test_commissions_of_two_newcomers_paid_at_once_stay_within_the_months_cap(self):
        self._set_program(referrer_reward="percent", reward_percent=5, reward_months=6, cap_per_referrer_month=150)
        referral_ids, _order_ids = self._two_newcomers_at_once(channel=True)

        self.assertEqual(self._assert_shares_within_the_cap(referral_ids, "commission"), 150)
