import threading

from odoo import SUPERUSER_ID, api
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
        partners = list({ids["patient"], ids.get("member", ids["patient"])})
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
            cr.execute("UPDATE res_partner SET clinic_household_id = NULL WHERE id = ANY(%s)", [partners])
            if ids.get("household"):
                cr.execute("DELETE FROM clinic_loyalty_household WHERE id = %s", [ids["household"]])
                cr.execute("DELETE FROM clinic_loyalty_membership_plan WHERE id = %s", [ids["plan"]])
            cr.execute("DELETE FROM loyalty_card WHERE partner_id = ANY(%s)", [partners])
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            env["res.partner"].browse(partners).unlink()
            products = env["product.product"].browse({ids["product"], ids.get("fee", ids["product"])})
            products.product_tmpl_id.unlink()

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
