import logging
import threading
import uuid
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(BaseCase):
    """Two Odoo workers, each with its own cursor and transaction, act on one card at once.

    The data is committed (other transactions must see it) and removed afterwards. Each
    worker runs its call the way Odoo's RPC layer does (``retrying``: a serialization
    failure rolls back and replays the whole call).
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            # The demo clinic (a company of the module's demo data) and its programme.
            clinic = api.Environment(cr, SUPERUSER_ID, {}).ref("clinic_loyalty.res_company_clinic_demo")
            self.context = {"allowed_company_ids": [clinic.id]}
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            program = env.company.clinic_loyalty_program_id
            self.assertTrue(program.clinic_bonus, "the demo clinic's programme is a clinic bonus programme")
            product = env["product.product"].create(
                {"name": "Concurrency service", "type": "service", "list_price": 2000.0, "taxes_id": [(5, 0, 0)]}
            )
            patient = env["res.partner"].create({"name": "Concurrent Patient", "is_patient": True})
            card = patient.clinic_card_ids
            card._clinic_post("adjust", 1000 - card.points, "Test opening balance")
            self.ids = {"product": product.id, "patient": patient.id, "card": card.id, "orders": []}
        self.addCleanup(self._remove_committed_data)

    def _make_household(self):
        """Commit a family membership held by the test patient, with one more member."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            fee = env["product.product"].create({"name": "Concurrency family card", "list_price": 199})
            plan = env["clinic.loyalty.membership.plan"].create({"name": "Concurrency plan", "product_id": fee.id})
            patient = env["res.partner"].browse(self.ids["patient"])
            household = env["clinic.loyalty.household"]._clinic_sell_membership(
                patient, plan, 199, "test:concurrency", "T"
            )
            member = env["res.partner"].create({"name": "Concurrent Member", "is_patient": True})
            member.clinic_household_id = household
            self.ids.update(fee=fee.id, plan=plan.id, household=household.id, member=member.id)

    def _remove_committed_data(self):
        """Remove what the test committed. Ledger lines are never deleted by the application:
        the test removes its own by SQL."""
        ids = self.ids
        partners = list({ids["patient"], ids.get("member", ids["patient"]), ids.get("other", ids["patient"])})
        with self.registry.cursor() as cr:
            cr.execute(
                """
                DELETE FROM clinic_loyalty_lot_use use
                 USING clinic_loyalty_ledger line, loyalty_card card
                 WHERE (use.line_id = line.id OR use.lot_id = line.id)
                   AND line.card_id = card.id AND card.partner_id = ANY(%s)
                """,
                [partners],
            )
            for table in ("clinic_loyalty_ledger", "clinic_loyalty_tier_history", "clinic_loyalty_reminder"):
                cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE card_id IN (SELECT id FROM loyalty_card WHERE partner_id = ANY(%s))",
                        SQL.identifier(table),
                        partners,
                    )
                )
            cr.execute("DELETE FROM sale_order WHERE partner_id = ANY(%s)", [partners])
            if ids.get("session"):
                cr.execute("DELETE FROM pos_order WHERE session_id = %s", [ids["session"]])
                cr.execute("DELETE FROM pos_session WHERE id = %s", [ids["session"]])
            cr.execute("UPDATE res_partner SET clinic_household_id = NULL WHERE id = ANY(%s)", [partners])
            if ids.get("household"):
                cr.execute("DELETE FROM clinic_loyalty_household WHERE id = %s", [ids["household"]])
                cr.execute("DELETE FROM clinic_loyalty_membership_plan WHERE id = %s", [ids["plan"]])
            cr.execute("DELETE FROM loyalty_card WHERE partner_id = ANY(%s)", [partners])
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            env["res.partner"].browse(partners).unlink()
            products = env["product.product"].browse({ids["product"], ids.get("fee", ids["product"])})
            products.product_tmpl_id.unlink()
            if ids.get("config"):
                env["pos.config"].browse(ids["config"]).unlink()

    def _open_pos_session(self):
        """Commit an open session of a front desk of the demo clinic (a copy of its POS)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            config = env.ref("clinic_loyalty.pos_config_front_desk_demo").copy({"name": "Concurrency desk"})
            config.open_ui()
            session = config.current_session_id
            session.set_opening_control(0, None)
            methods = config.payment_method_ids
            method = methods.filtered(lambda m: not m.is_cash_count and not m.split_transactions)[:1] or methods[:1]
            reward = env.company.clinic_loyalty_program_id.reward_ids.filtered(
                lambda r: r.discount_mode == "per_point"
            )[:1]
            self.ids.update(
                config=config.id,
                session=session.id,
                method=method.id,
                pricelist=config.pricelist_id.id,
                reward=reward.id,
                reward_product=reward.discount_line_product_id.id,
                reward_value=reward.discount,
            )

    def _pos_payload(self, partner_id, points, card_id=None):
        """A paid POS order of the service (2000, no tax) that pays ``points`` with the card."""
        ids = self.ids
        discount = -round(points * ids["reward_value"], 2)
        total = 2000.0 + discount
        lines = [
            {"product_id": ids["product"], "qty": 1, "price_unit": 2000.0, "price_subtotal": 2000.0,
             "price_subtotal_incl": 2000.0, "tax_ids": [[6, 0, []]], "discount": 0},
            {"product_id": ids["reward_product"], "qty": 1, "price_unit": discount, "price_subtotal": discount,
             "price_subtotal_incl": discount, "tax_ids": [[6, 0, []]], "discount": 0, "reward_id": ids["reward"],
             "coupon_id": card_id or ids["card"], "is_reward_line": True, "points_cost": points,
             "reward_identifier_code": str(uuid.uuid4())[:8]},
        ]  # fmt: skip
        key = str(uuid.uuid4())
        now = fields.Datetime.to_string(fields.Datetime.now())
        return {
            "uuid": key,
            "name": f"Concurrency {key[:8]}",
            "session_id": ids["session"],
            "partner_id": partner_id,
            "pricelist_id": ids["pricelist"],
            "user_id": SUPERUSER_ID,
            "sequence_number": 1,
            "date_order": now,
            "amount_paid": total,
            "amount_total": total,
            "amount_tax": 0,
            "amount_return": 0,
            "lines": [[0, 0, line] for line in lines],
            "payment_ids": [[0, 0, {"amount": total, "payment_method_id": ids["method"], "name": now}]],
            "state": "paid",
            "to_invoice": False,
        }

    def _new_order(self, points_to_use=0.0, partner_id=None):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            order = env["sale.order"].create(
                {
                    "partner_id": partner_id or self.ids["patient"],
                    "clinic_points_to_use": points_to_use,
                    "order_line": [(0, 0, {"product_id": self.ids["product"], "product_uom_qty": 1})],
                }
            )
            if points_to_use:
                card = env["loyalty.card"].browse(self.ids["card"])
                order._update_programs_and_rewards()
                reward = card.program_id.reward_ids.filtered(lambda r: r.discount_mode == "per_point")[:1]
                error = order._apply_program_reward(reward, card).get("error")
                self.assertFalse(error)
            return order.id

    def _run_concurrently(self, order_ids):
        """Confirm each order in its own worker, released at the same instant; return the outcomes."""
        barrier = threading.Barrier(len(order_ids))
        outcomes = [None] * len(order_ids)

        def worker(index, order_id):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, self.context)
                order = env["sale.order"].browse(order_id)
                barrier.wait(timeout=30)
                try:
                    retrying(order.action_confirm, env)
                    outcomes[index] = "confirmed"
                except UserError as error:
                    outcomes[index] = f"refused: {error.args[0]}"

        threads = [threading.Thread(target=worker, args=(i, oid)) for i, oid in enumerate(order_ids)]
        # The losing worker's serialization failure or deadlock is logged by the cursor
        # before ``retrying`` replays its call: expected here.
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        return outcomes

    def _card_state(self):
        """(balance, ledger sum, [(kind, points, sale order id)]) of the card, as committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            card = env["loyalty.card"].browse(self.ids["card"])
            lines = [(line.kind, line.points, line.sale_order_id.id) for line in card.clinic_ledger_ids]
            return card.points, sum(line[1] for line in lines), lines

    def test_two_workers_confirming_one_order_earn_once(self):
        order_id = self._new_order()
        outcomes = self._run_concurrently([order_id, order_id])

        self.assertEqual(sorted(o.split(":")[0] for o in outcomes), ["confirmed", "refused"], outcomes)
        points, ledger_sum, lines = self._card_state()
        earned = [line for line in lines if line[0] == "earn" and line[2] == order_id]
        self.assertEqual(len(earned), 1)
        self.assertEqual(points, 1000 + earned[0][1])
        self.assertEqual(points, ledger_sum)

    def test_two_workers_spending_the_same_balance_never_overdraw(self):
        first, second = self._new_order(points_to_use=800), self._new_order(points_to_use=800)
        outcomes = self._run_concurrently([first, second])

        self.assertEqual(sorted(o.split(":")[0] for o in outcomes), ["confirmed", "refused"], outcomes)
        refusal = next(o for o in outcomes if o.startswith("refused"))
        self.assertRegex(refusal, r"(?i)uses 800 points but card \d+ has \d+ points")
        points, ledger_sum, lines = self._card_state()
        self.assertEqual(len([line for line in lines if line[0] == "spend"]), 1)
        self.assertGreaterEqual(points, 0)
        self.assertEqual(points, ledger_sum)

    def test_two_members_spending_the_household_balance_at_once_never_overdraw(self):
        self._make_household()
        # The holder and a member, at two desks, each pay 800 of the household's 1000 points.
        first = self._new_order(points_to_use=800)
        second = self._new_order(points_to_use=800, partner_id=self.ids["member"])
        outcomes = self._run_concurrently([first, second])

        self.assertEqual(sorted(o.split(":")[0] for o in outcomes), ["confirmed", "refused"], outcomes)
        points, ledger_sum, lines = self._card_state()
        self.assertEqual(len([line for line in lines if line[0] == "spend"]), 1)
        self.assertGreaterEqual(points, 0)
        self.assertEqual(points, ledger_sum)

    def _sync_at_two_desks(self, batches):
        """Each desk syncs its batch of paid orders in its own worker, at the same moment;
        returns (the order ids each desk got back, the deadlocks Odoo retried).

        Both desks meet once their first order is written and before its postings, which is
        when a shared lock taken by an order's lines would meet the other desk's row lock. A
        desk that waits for the other's lock instead lets the meeting time out.
        """
        PosOrder = self.registry["pos.order"]
        post_loyalty = PosOrder._clinic_post_loyalty
        meeting = threading.Barrier(2)

        def meet_then_post(orders):
            try:
                meeting.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass
            return post_loyalty(orders)

        outcomes = [None, None]

        def desk(index):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, self.context)
                result = retrying(lambda: env["pos.order"].sync_from_ui(batches[index]), env)
                outcomes[index] = [order["id"] for order in result["pos.order"]]

        retries = []

        class Retries(logging.Handler):
            def emit(self, record):
                retries.append(record.getMessage())

        handler = Retries(level=logging.INFO)
        model_logger = logging.getLogger("odoo.service.model")
        model_logger.addHandler(handler)
        level = model_logger.level
        # Odoo logs its retries at INFO, which a quieter log level would hide.
        model_logger.setLevel(logging.INFO)
        threads = [threading.Thread(target=desk, args=(index,)) for index in range(2)]
        try:
            with patch.object(PosOrder, "_clinic_post_loyalty", meet_then_post), mute_logger("odoo.sql_db"):
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
        finally:
            model_logger.removeHandler(handler)
            model_logger.setLevel(level)
        return outcomes, [message for message in retries if "DEADLOCK" in message]

    def test_two_members_paying_at_two_desks_at_once_do_not_deadlock(self):
        """Two members of a household pay with the household's points at two desks at the
        same moment. Each order's lines name the shared card, which takes a shared key lock
        on its row; the postings lock the card FOR NO KEY UPDATE, which does not wait for
        those, so the second desk waits for the first instead of both waiting for each other
        (found by the load run: "deadlock detected" on loyalty_card with FOR UPDATE, retried
        by Odoo)."""
        self._make_household()
        self._open_pos_session()
        outcomes, deadlocks = self._sync_at_two_desks(
            [[self._pos_payload(self.ids["patient"], 300)], [self._pos_payload(self.ids["member"], 300)]]
        )

        self.assertFalse(deadlocks)
        self.assertTrue(all(outcomes), outcomes)
        points, ledger_sum, lines = self._card_state()
        spends = [line for line in lines if line[0] == "spend"]
        self.assertEqual(len(spends), 2, lines)
        self.assertEqual(sum(line[1] for line in spends), -600)
        self.assertEqual(points, ledger_sum)

    def test_two_tills_sending_their_queues_in_another_order_do_not_deadlock(self):
        """Two tills back online send their offline queues at once: one sends the orders of
        patients A and B, the other those of B and A, each paying with points from the
        patient's own card. The cards of the whole batch are locked first, in id order, so
        the second till waits (found by the money review: each order locking only its own
        cards deadlocked, retried by Odoo)."""
        self._open_pos_session()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            other = env["res.partner"].create({"name": "Concurrent Other", "is_patient": True})
            other.clinic_card_ids._clinic_post("adjust", 1000, "Test opening balance")
            self.ids.update(other=other.id, other_card=other.clinic_card_ids.id)
        ids = self.ids

        def a_and_b():
            return [
                self._pos_payload(ids["patient"], 100),
                self._pos_payload(ids["other"], 100, card_id=ids["other_card"]),
            ]

        first, second = a_and_b(), a_and_b()
        outcomes, deadlocks = self._sync_at_two_desks([first, second[::-1]])

        self.assertFalse(deadlocks)
        self.assertTrue(all(outcomes) and all(len(ids) == 2 for ids in outcomes), outcomes)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            for card in env["loyalty.card"].browse([ids["card"], ids["other_card"]]):
                spent = card.clinic_ledger_ids.filtered(lambda line: line.kind == "spend")
                self.assertEqual(sum(spent.mapped("points")), -200, card.partner_id.name)
                self.assertEqual(card.points, sum(card.clinic_ledger_ids.mapped("points")))
