"""Two Odoo workers act on one package at once: its last session is used once, and a sale
processed twice at the same instant gives one package per unit."""

import copy
import threading
import traceback
import uuid
from functools import partial

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestPackageConcurrentWorkers(BaseCase):
    """Each worker has its own cursor and transaction, and runs its call the way Odoo's RPC
    layer does (``retrying``: a serialization failure rolls back and replays the whole call).

    The data is committed (the other worker must see it) and removed afterwards by SQL:
    packages, their sessions and visits are never deleted by the application.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            clinic = api.Environment(cr, SUPERUSER_ID, {}).ref("clinic_loyalty.res_company_clinic_demo")
            self.context = {"allowed_company_ids": [clinic.id]}
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            Product = env["product.product"]
            massage = Product.create(
                {"name": "Concurrency massage", "type": "service", "list_price": 1000, "taxes_id": [(5, 0, 0)]}
            )
            # 3 massages for 2700: the patient's course.
            course = Product.create(
                {
                    "name": "Concurrency massage course",
                    "type": "service",
                    "list_price": 2700,
                    "taxes_id": [(5, 0, 0)],
                    "available_in_pos": True,
                    "is_clinic_package": True,
                    "clinic_package_line_ids": [(0, 0, {"service_id": massage.id, "sessions": 3})],
                }
            )
            patient = env["res.partner"].create({"name": "Concurrent Package Patient", "is_patient": True})
            self.ids = {"massage": massage.id, "course": course.id, "patient": patient.id}
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        ids = self.ids
        with self.registry.cursor() as cr:
            records = {}
            for model in ("clinic.package", "sale.order", "pos.order", "loyalty.card"):
                cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE partner_id = %s",
                        SQL.identifier(model.replace(".", "_")),
                        ids["patient"],
                    )
                )
                records[model] = [row[0] for row in cr.fetchall()]
                cr.execute("DELETE FROM mail_message WHERE model = %s AND res_id = ANY(%s)", [model, records[model]])
                cr.execute(
                    "DELETE FROM mail_followers WHERE res_model = %s AND res_id = ANY(%s)", [model, records[model]]
                )
            # Session counters and visits go with their package (ON DELETE CASCADE).
            cr.execute("DELETE FROM clinic_package WHERE id = ANY(%s)", [records["clinic.package"]])
            # The patient's card earned on the sales: its ledger goes too.
            cards = records["loyalty.card"]
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
            cr.execute("DELETE FROM pos_order WHERE id = ANY(%s)", [records["pos.order"]])
            if ids.get("pos_session"):
                cr.execute("DELETE FROM mail_message WHERE model = 'pos.session' AND res_id = %s", [ids["pos_session"]])
                cr.execute("DELETE FROM pos_session WHERE id = %s", [ids["pos_session"]])
            cr.execute("DELETE FROM sale_order WHERE id = ANY(%s)", [records["sale.order"]])
            cr.execute("DELETE FROM loyalty_card WHERE id = ANY(%s)", [cards])
            env = api.Environment(cr, SUPERUSER_ID, self.context)
            env["res.partner"].browse(ids["patient"]).unlink()
            # The package first: its contents name the massage.
            env["product.product"].browse(ids["course"]).product_tmpl_id.unlink()
            env["product.product"].browse(ids["massage"]).product_tmpl_id.unlink()

    # Helpers ---------------------------------------------------------------------------

    def _env(self, cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, self.context)

    def _new_order(self, product, quantity, package_id=None):
        """Commit a quotation of the test patient; ``package_id`` pays its line."""
        with self.registry.cursor() as cr:
            line = {"product_id": self.ids[product], "product_uom_qty": quantity}
            if package_id:
                line["clinic_package_id"] = package_id
            order = self._env(cr)["sale.order"].create(
                {"partner_id": self.ids["patient"], "order_line": [(0, 0, line)]}
            )
            return order.id

    def _confirm(self, order_id):
        with self.registry.cursor() as cr:
            self._env(cr)["sale.order"].browse(order_id).action_confirm()

    def _confirming(self, order_id):
        """A worker's call: confirm the quotation ``order_id`` (as the superuser)."""
        return (lambda env: env["sale.order"].browse(order_id).action_confirm()), SUPERUSER_ID

    def _run_concurrently(self, calls):
        """Run each ``call(env)`` in its own worker, released at the same instant, through
        ``retrying``; return the outcomes: ("done", result), ("refused", message) or
        ("crashed", traceback)."""
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def worker(index, call, uid):
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr, uid)
                    barrier.wait(timeout=30)
                    try:
                        outcomes[index] = ("done", retrying(partial(call, env), env))
                    except UserError as error:
                        outcomes[index] = ("refused", error.args[0])
            except Exception:
                outcomes[index] = ("crashed", traceback.format_exc())

        threads = [threading.Thread(target=worker, args=(i, call, uid)) for i, (call, uid) in enumerate(calls)]
        # The losing worker's serialization failure is logged by the cursor before
        # ``retrying`` replays its call: expected here.
        with mute_logger("odoo.sql_db", "odoo.service.model"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        return outcomes

    def _kinds(self, outcomes):
        return sorted(outcome[0] for outcome in outcomes)

    def _packages(self):
        """[(source_key, state, [(sessions, used, left)])] of the patient's packages, as committed."""
        with self.registry.cursor() as cr:
            packages = self._env(cr)["clinic.package"].search([("partner_id", "=", self.ids["patient"])], order="id")
            return [
                (p.source_key, p.state, [(c.sessions, c.sessions_used, c.sessions_left) for c in p.counter_ids])
                for p in packages
            ]

    def _two_new_packages(self, order_id):
        """What selling 2 courses on the order's line gives: 2 packages of 3 massages, one per unit."""
        with self.registry.cursor() as cr:
            line_id = self._env(cr)["sale.order"].browse(order_id).order_line.id
        return [(f"sale.order.line:{line_id}:{unit}", "active", [(3, 0, 3)]) for unit in (0, 1)]

    # 1. The last session ---------------------------------------------------------------

    def test_two_desks_taking_the_last_session_take_it_once(self):
        self._confirm(self._new_order("course", 1))
        with self.registry.cursor() as cr:
            package = self._env(cr)["clinic.package"].search([("partner_id", "=", self.ids["patient"])])
            package_id = package.id
        # A first visit takes 2 of the 3 massages: 1 left.
        self._confirm(self._new_order("massage", 2, package_id))
        self.assertEqual(self._packages()[0][2], [(3, 2, 1)])

        # Two desks each confirm a visit paid by the package's last massage, at the same instant.
        first, second = self._new_order("massage", 1, package_id), self._new_order("massage", 1, package_id)
        outcomes = self._run_concurrently([self._confirming(first), self._confirming(second)])

        self.assertEqual(self._kinds(outcomes), ["done", "refused"], outcomes)
        refusal = next(message for kind, message in outcomes if kind == "refused")
        self.assertRegex(refusal, r"cannot be confirmed:\n.*has no Concurrency massage session left \(3 used\)")
        with self.registry.cursor() as cr:
            env = self._env(cr)
            package = env["clinic.package"].browse(package_id)
            counter = package.counter_ids
            self.assertEqual((counter.sessions, counter.sessions_used, counter.sessions_left), (3, 3, 0))
            self.assertEqual((package.sessions_left, package.state), (0, "used"))
            orders = env["sale.order"].browse([first, second])
            confirmed = orders.filtered(lambda o: o.state == "sale")
            self.assertEqual(len(confirmed), 1)
            self.assertEqual(orders.filtered(lambda o: o.state == "draft"), orders - confirmed)
            # Exactly one visit of the two racing orders used the last session.
            racing_uses = counter.use_ids.filtered(lambda use: use.sale_line_id.order_id in orders)
            self.assertEqual(len(racing_uses), 1)
            self.assertEqual(racing_uses.sale_line_id.order_id, confirmed)
            self.assertEqual(len(counter.use_ids), 3, "2 massages of the first visit + the last one")

    # 2. One sale processed twice -------------------------------------------------------

    def test_two_workers_confirming_one_sale_of_two_packages_give_two_packages(self):
        order_id = self._new_order("course", 2)
        outcomes = self._run_concurrently([self._confirming(order_id)] * 2)

        self.assertEqual(self._kinds(outcomes), ["done", "refused"], outcomes)
        self.assertEqual(self._packages(), self._two_new_packages(order_id))

    def test_two_workers_selling_the_same_units_give_one_package_per_unit(self):
        order_id = self._new_order("course", 2)

        def sell(env):
            # What a confirmation or a POS sync hands the packages, for the same order lines.
            return env["clinic.package"]._clinic_sell(env["sale.order"].browse(order_id)._clinic_package_sales()).ids

        outcomes = self._run_concurrently([(sell, SUPERUSER_ID)] * 2)

        self.assertEqual(self._packages(), self._two_new_packages(order_id))
        sold = [result for kind, result in outcomes if kind == "done"]
        self.assertTrue(sold, outcomes)
        self.assertTrue(all(result == sold[0] for result in sold), "a caller after the first gets its packages")
        # A caller that raced the first one is stopped by the unique sale key: its insert waits
        # for the first transaction, then violates the key, which ``retrying`` does not replay.
        for kind, message in outcomes:
            if kind != "done":
                self.assertEqual(
                    (kind, message),
                    ("refused", "The operation cannot be completed: This sale already gave its package."),
                )

    def test_a_pos_order_synced_twice_at_once_gives_its_package_once(self):
        # Odoo keeps no unique index on pos_order.uuid: the second sync is serialized by the
        # patient's card, which the package's earning locks, then ignored as a paid order.
        outcomes, order = self._sync_twice_at_once()
        self.assertEqual(outcomes, [("done", order.ids)] * 2, "the second sync answers with the same order")

    def test_a_pos_order_synced_twice_at_once_gives_its_package_once_even_earning_nothing(self):
        # Nothing locks the card then: the second sync would create a second order, whose
        # package the line's uuid refuses, so that sync fails whole (the POS syncs it again
        # later and finds the order).
        with self.registry.cursor() as cr:
            self._env(cr)["product.product"].browse(self.ids["course"]).clinic_package_earns = False
        outcomes, order = self._sync_twice_at_once()
        for outcome in outcomes:
            self.assertIn(
                outcome,
                [
                    ("done", order.ids),
                    ("refused", "The operation cannot be completed: This sale already gave its package."),
                ],
            )
        self.assertIn(("done", order.ids), outcomes)

    def _sync_twice_at_once(self):
        """Sync one paid POS order selling the course from two workers at the same instant;
        check one order and one package came of it; return the outcomes and the order."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Odoo refuses to open a POS as the superuser: the cashier is the administrator.
            admin = env.ref("base.user_admin")
            config = env.ref("clinic_loyalty.pos_config_front_desk_demo").with_user(admin)
            if not config.current_session_id:
                config.open_ui()
                self.ids["pos_session"] = config.current_session_id.id
            session = config.current_session_id
            if session.state == "opening_control":
                session.set_opening_control(0, None)
            cash = config.payment_method_ids.filtered(lambda pm: pm.is_cash_count)[:1]
            course = env["product.product"].browse(self.ids["course"])
            price = config.pricelist_id._get_product_price(course, 1.0)
            now = fields.Datetime.to_string(fields.Datetime.now())
            data = {
                "uuid": str(uuid.uuid4()),
                "name": "Order concurrency-package",
                "session_id": session.id,
                "sequence_number": 1,
                "user_id": admin.id,
                "partner_id": self.ids["patient"],
                "pricelist_id": config.pricelist_id.id,
                "fiscal_position_id": False,
                "date_order": now,
                "amount_paid": price,
                "amount_total": price,
                "amount_tax": 0,
                "amount_return": 0,
                "to_invoice": False,
                "last_order_preparation_change": "{}",
                "lines": [
                    (
                        0,
                        0,
                        {
                            "product_id": course.id,
                            "qty": 1,
                            "price_unit": price,
                            "price_subtotal": price,
                            "price_subtotal_incl": price,
                            "discount": 0,
                            "tax_ids": [(6, 0, [])],
                            "pack_lot_ids": [],
                            "uuid": str(uuid.uuid4()),
                        },
                    )
                ],
                "payment_ids": [(0, 0, {"amount": price, "name": now, "payment_method_id": cash.id})],
            }
            uid = admin.id

        def sync(env):
            result = env["pos.order"].sync_from_ui([copy.deepcopy(data)])
            return [order["id"] for order in result["pos.order"]]

        outcomes = self._run_concurrently([(sync, uid)] * 2)

        with self.registry.cursor() as cr:
            env = self._env(cr)
            orders = env["pos.order"].search([("uuid", "=", data["uuid"])])
            packages = env["clinic.package"].search([("partner_id", "=", self.ids["patient"])])
            self.assertEqual(len(orders), 1, f"one order per uuid: {outcomes}")
            self.assertEqual(orders.state, "paid")
            self.assertEqual(
                [(p.pos_line_id, p.state, p.sessions_left, p.price_paid) for p in packages],
                [(orders.lines, "active", 3, price)],
                outcomes,
            )
            return outcomes, orders
