"""Benchmark of the Point of Sale start with many patients' cards (not a pytest test).

Stock pos_loyalty loads every card of the shop's loyalty programmes into each POS at start
(``loyalty.card._load_pos_data_domain``); clinic_loyalty leaves the patients' cards (loyalty
and e-wallet programmes) out and fetches the selected patient's card on demand. This script
fills a database with N patients, one card each in the company's clinic programme, all with
set-based SQL, then measures:

1. the POS start, ``pos.session.load_data([])`` (every model, as the browser does), as
   installed ("ours") and with the stock card domain ("stock"): time, SQL queries, cards
   loaded, size of the JSON payload the browser downloads (whole and loyalty.card part);
2. what the POS asks instead when a patient is selected (``clinic_pos_card_info`` and
   pos_loyalty's ``search_read`` of the patient's card);
3. the synchronisation of a paid POS order of a generated patient paying part with points
   (``pos.order.sync_from_ui``): time, SQL queries and the ledger lines posted.

Everything runs in one transaction that is rolled back at the end: the database is left as it
was. Run it on a copy, never on production, since the rows are locked while it runs:

    createdb -T clinic_dev clinic_bench_pos
    cp -r <data_dir>/filestore/clinic_dev <data_dir>/filestore/clinic_bench_pos
    ~/.cache/clinic-loyalty/venv/bin/python tests/benchmark_pos_loading.py \\
        -c ~/.cache/clinic-loyalty/odoo-<hash>.conf -d clinic_bench_pos --cards 100000
    dropdb clinic_bench_pos && rm -r <data_dir>/filestore/clinic_bench_pos

(``createdb -T`` does not copy the attachments: without the filestore the POS load logs a
missing file for each image it reads, which also slows it down.)

The database must have clinic_loyalty and pos_loyalty installed, clinic_loyalty up to date
with the code (``-u clinic_loyalty``), and a POS configuration in the company.
"""

import argparse
import json
import statistics
import sys
import time
import uuid
from unittest.mock import patch

from benchmark_common import BenchBase, run_rolled_back

from odoo import fields

# Models whose stored fields the benchmark writes or reads: their columns must exist.
CHECKED_MODELS = (
    "res.partner",
    "loyalty.program",
    "loyalty.card",
    "clinic.loyalty.ledger",
    "pos.config",
    "pos.session",
    "pos.order",
    "pos.order.line",
)


def stock_load_pos_data_domain(self, data):
    """pos_loyalty 18.0's ``loyalty.card._load_pos_data_domain``: every card of the shop's programmes."""
    return [("program_id", "in", [program["id"] for program in data["loyalty.program"]["data"]])]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database (a throw-away copy)")
    parser.add_argument("--cards", type=int, default=100000, help="patients (one card each) to generate")
    parser.add_argument("--runs", type=int, default=3, help="measured POS loads per variant, after a warm-up")
    parser.add_argument("--orders", type=int, default=5, help="measured POS orders synced, after a warm-up")
    parser.add_argument("--price", type=float, default=2000.0, help="price of the service sold in the POS orders")
    parser.add_argument("--spend", type=float, default=300.0, help="points each POS order pays with")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL random seed, -1..1")
    args = parser.parse_args(argv)
    if args.cards < 1 or args.runs < 1 or args.orders < 1:
        parser.error("--cards, --runs and --orders must be positive")
    if args.spend <= 0 or args.price <= 0:
        parser.error("--spend and --price must be positive")
    return args


def fmt_ratio(a, b):
    return f"{a / b:.1f}x" if b else "-"


class Bench(BenchBase):
    checked_models = CHECKED_MODELS
    announce_steps = True

    def __init__(self, env, args):
        super().__init__(env, args)
        self.loads = {}  # variant -> list of measures

    # Set-up ----------------------------------------------------------------------------

    def prepare_pos(self):
        """The company's POS (as its cashier, the administrator), its clinic programme and an open session."""
        env = self.env
        company = env.company
        program = company.clinic_loyalty_program_id
        if not program:
            sys.exit(f"{company.name} has no clinic loyalty programme (res.company.clinic_loyalty_program_id).")
        # Odoo refuses to open a POS as the superuser: the cashier is the administrator.
        cashier = env.ref("base.user_admin")
        self.uenv = env(user=cashier.id, context={"allowed_company_ids": [company.id]})
        config = self.uenv["pos.config"].search([("company_id", "=", company.id)], order="id", limit=1)
        if not config:
            sys.exit(f"{company.name} has no POS configuration (pos.config).")
        changes = []
        if not program.pos_ok:
            program.pos_ok = True
            changes.append("pos_ok set")
        if program not in config.sudo()._get_program_ids():
            program.pos_config_ids |= config.sudo()
            changes.append(f"POS {config.name!r} added to its shops")
        if program not in config.sudo()._get_program_ids():
            sys.exit(f"Programme {program.name!r} cannot be made available in POS {config.name!r}.")
        self.reward = program.reward_ids.filtered(
            lambda r: r.reward_type == "discount" and r.discount_mode == "per_point" and r.discount > 0
        )[:1]
        if not self.reward:
            sys.exit(f"Programme {program.name!r} has no per-point discount reward to pay with points.")
        if not config.current_session_id:
            config.open_ui()
            changes.append("session opened (open_ui)")
        session = config.current_session_id
        env.flush_all()
        self.company, self.program, self.config, self.session, self.cashier = (
            company,
            program,
            config,
            session,
            cashier,
        )
        programs = config.sudo()._get_program_ids()
        self.log(
            f"  POS {config.name!r} (id {config.id}), cashier {cashier.login!r}, session {session.name} "
            f"(id {session.id}, {session.state}); programmes of the shop: "
            + ", ".join(f"{p.name} [{p.program_type}]" for p in programs)
        )
        self.log(
            f"  Clinic programme {program.name!r} (id {program.id}, {program.program_type}), reward "
            f"{self.reward.description!r} (id {self.reward.id}, {self.reward.discount:g} per point), "
            f"at most {program.clinic_max_redeem_percent:g}% paid with points"
            + (f"; changed: {', '.join(changes)}" if changes else "")
        )

    def generate(self):
        args, cr = self.args, self.cr
        n = args.cards
        validity = self.program.clinic_points_validity_months
        params = {
            "n": n,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
            "today": fields.Date.context_today(self.program),
            "validity": f"{validity or 0} months",
            "has_validity": bool(validity),
            "company": self.company.id,
            "program": self.program.id,
            "existing": self.scalar("SELECT COUNT(*) FROM loyalty_card"),
        }
        cr.execute("SELECT setseed(%s)", [args.seed])
        cr.execute("CREATE TEMP TABLE bench_card (rn int PRIMARY KEY, card_id int, partner_id int) ON COMMIT DROP")

        self.insert_patients(n, params["company"], "Bench Patient")
        with self.step(f"insert {n} loyalty cards (EAN-13 numbers, as the addon gives)"):
            # 044 + 9 digits + check digit; candidates already used by a card are skipped.
            cr.execute(
                """
                CREATE TEMP TABLE bench_code ON COMMIT DROP AS
                SELECT row_number() OVER (ORDER BY c.body) AS rn,
                       c.body || ((10 - (SELECT SUM(substr(c.body, i + 1, 1)::int * (CASE WHEN i %% 2 = 1
                                                                                       THEN 3 ELSE 1 END))
                                           FROM generate_series(0, 11) i) %% 10) %% 10)::text AS code
                  FROM (SELECT '044' || lpad((900000000 + g)::text, 9, '0') AS body
                          FROM generate_series(1, %(n)s + %(existing)s) g) c
                """,
                params,
            )
            cr.execute("DELETE FROM bench_code b USING loyalty_card card WHERE card.code = b.code")
            cr.execute(
                """
                WITH ins AS (
                    INSERT INTO loyalty_card (program_id, partner_id, company_id, code, points, active,
                                              clinic_qualifying_spend, clinic_total_spend,
                                              create_uid, create_date, write_uid, write_date)
                    SELECT %(program)s, p.partner_id, %(company)s, c.code,
                           round((random() * 2000)::numeric)::float, true, 0, 0,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM bench_partner p
                      JOIN (SELECT row_number() OVER (ORDER BY rn) AS rn, code FROM bench_code) c ON c.rn = p.rn
                  ORDER BY p.rn
                 RETURNING id, partner_id
                )
                INSERT INTO bench_card (rn, card_id, partner_id)
                SELECT row_number() OVER (ORDER BY id), id, partner_id FROM ins
                """,
                params,
            )
            if cr.rowcount != n:
                sys.exit(f"only {cr.rowcount} cards of {n} could be numbered")
        # The patient who earned, on ledgers that record it (household cards), as the ORM does.
        patient = ", patient_id" if "patient_id" in self.columns("clinic_loyalty_ledger") else ""
        patient_val = ", card.partner_id" if patient else ""
        with self.step("insert one opening ledger line per card with points (balance = ledger)"):
            cr.execute(
                f"""
                INSERT INTO clinic_loyalty_ledger (
                    card_id, partner_id, program_id, company_id, kind, points, date, user_id, reason,
                    remaining_points, expiry_date, amount, balance_after,
                    create_uid, create_date, write_uid, write_date{patient})
                SELECT card.id, card.partner_id, %(program)s, %(company)s, 'earn', card.points, %(now)s, %(uid)s,
                       'Benchmark opening balance', card.points,
                       CASE WHEN %(has_validity)s THEN (%(today)s + %(validity)s::interval)::date END,
                       0, card.points, %(uid)s, %(now)s, %(uid)s, %(now)s{patient_val}
                  FROM bench_card b
                  JOIN loyalty_card card ON card.id = b.card_id
                 WHERE card.points > 0
                """,
                params,
            )
        with self.step("ANALYZE"):
            for table in ("res_partner", "loyalty_card", "clinic_loyalty_ledger"):
                cr.execute(f"ANALYZE {table}")
        cr.execute(
            """
            SELECT program.id, program.name->>'en_US', program.program_type, COUNT(card.id)
              FROM loyalty_program program
         LEFT JOIN loyalty_card card ON card.program_id = program.id AND card.active
             WHERE program.id = ANY(%s)
          GROUP BY program.id ORDER BY program.id
            """,
            [self.config.sudo()._get_program_ids().ids],
        )
        self.log(
            "  Active cards per programme of the shop: "
            + ", ".join(f"{name} [{ptype}] {count}" for _id, name, ptype, count in self.cr.fetchall())
        )
        self.env.invalidate_all()

    # 1. POS start ------------------------------------------------------------------------

    def load_once(self, variant):
        """One POS start: (seconds, queries, result) of ``session.load_data([])`` from a cold cache."""
        session = self.session
        self.cold()
        queries = self.cr.sql_log_count
        start = time.perf_counter()
        if variant == "stock":
            with patch.object(type(self.env["loyalty.card"]), "_load_pos_data_domain", stock_load_pos_data_domain):
                result = session.load_data([])
        else:
            result = session.load_data([])
        seconds = time.perf_counter() - start
        return seconds, self.cr.sql_log_count - queries, result

    def load(self, variant, warmup=False):
        seconds, queries, result = self.load_once(variant)
        cards = result.get("loyalty.card", {})
        if cards.get("error"):
            self.problems.append(f"{variant}: loyalty.card not loaded: {cards['error']}")
        clinic = sum(1 for card in cards.get("data", []) if card.get("program_id") == self.program.id)
        measure = {
            "seconds": seconds,
            "queries": queries,
            "cards": len(cards.get("data", [])),
            "clinic_cards": clinic,
            "bytes": len(json.dumps(result, default=str).encode()),
            "card_bytes": len(json.dumps(cards, default=str).encode()),
            "models": len(result),
        }
        self.log(
            f"  {'warm-up ' if warmup else ''}{variant:5}: {seconds * 1000:8.0f} ms, {queries:4d} queries, "
            f"{measure['cards']:6d} cards ({clinic} of the clinic programme), payload "
            f"{measure['bytes'] / 1024:9.1f} KB (loyalty.card {measure['card_bytes'] / 1024:9.1f} KB), "
            f"{measure['models']} models"
        )
        if not warmup:
            self.loads.setdefault(variant, []).append(measure)
        del result
        return measure

    def bench_load(self):
        self.log(
            f"  Models loaded: {', '.join(self.session._load_pos_data_models(self.config.id))}"
            "\n  (the first load of each variant fills Odoo's caches and is not counted)"
        )
        for variant in ("ours", "stock"):
            self.load(variant, warmup=True)
        # Interleaved, so that a slower moment of the machine weighs on both variants.
        for _run in range(self.args.runs):
            for variant in ("ours", "stock"):
                self.load(variant)
        ours = self.loads["ours"][0]
        if ours["clinic_cards"]:
            self.problems.append(f"ours: {ours['clinic_cards']} cards of the clinic programme loaded at POS start")
        stock = self.loads["stock"][0]
        if stock["clinic_cards"] < self.args.cards:
            self.problems.append(f"stock: only {stock['clinic_cards']} clinic cards loaded, {self.args.cards} expected")

    # 2. Patient selected -------------------------------------------------------------------

    def pick_patient(self):
        """A generated patient from the middle of the list, whose card gets points to spend."""
        self.cr.execute(
            "SELECT card_id, partner_id FROM bench_card WHERE rn = (SELECT MAX(rn) / 2 + 1 FROM bench_card)"
        )
        card_id, partner_id = self.cr.fetchone()
        self.card = self.env["loyalty.card"].browse(card_id)
        self.partner = self.env["res.partner"].browse(partner_id)
        needed = (self.args.orders + 1) * self.args.spend
        self.card._clinic_post("earn", needed + 1000, "Benchmark: points to spend")
        self.env.flush_all()
        self.log(
            f"  Patient {self.partner.name} (id {partner_id}), card {self.card.code} (id {card_id}), "
            f"balance {self.card.points:g} {self.card.point_name or 'points'}"
        )

    def bench_on_demand(self):
        """What the POS asks instead of loading all cards, when the cashier selects a patient."""
        Card = self.uenv["loyalty.card"]
        card_fields = Card._load_pos_data_fields(self.config.id)
        domain = [("partner_id", "=", self.partner.id), ("program_id", "=", self.program.id)]
        timings = {"clinic_pos_card_info": [], "search_read": []}
        results = {}
        for _run in range(self.args.runs + 1):
            self.cold()
            start = time.perf_counter()
            results["clinic_pos_card_info"] = Card.clinic_pos_card_info(self.partner.id)
            timings["clinic_pos_card_info"].append(time.perf_counter() - start)
            self.cold()
            start = time.perf_counter()
            results["search_read"] = Card.search_read(domain, card_fields, limit=1, load=False)
            timings["search_read"].append(time.perf_counter() - start)
        for name, values in timings.items():
            values = values[1:]  # the first call warms the caches
            size = len(json.dumps(results[name], default=str).encode())
            self.log(
                f"  {name}: median {statistics.median(values) * 1000:.1f} ms (best {min(values) * 1000:.1f}), "
                f"{size} bytes"
            )
            self.record(
                f"patient selected: {name}",
                f"{statistics.median(values) * 1000:.1f} ms median, {size} bytes",
            )
        info = results["clinic_pos_card_info"]
        if info.get("card_id") != self.card.id:
            self.problems.append(f"clinic_pos_card_info returned {info!r} for card {self.card.id}")

    # 3. Order synchronisation ------------------------------------------------------------

    def prepare_orders(self):
        env = self.env
        session = self.session
        if session.state == "opening_control":
            # The cashier confirms the opening cash after the POS has loaded.
            session.set_opening_control(0, None)
        self.product = env["product.product"].create(
            {
                "name": "Benchmark consultation",
                "type": "service",
                "available_in_pos": True,
                "sale_ok": True,
                "list_price": self.args.price,
                "taxes_id": [(5, 0, 0)],
                "company_id": self.company.id,
            }
        )
        self.cash_pm = self.config.payment_method_ids.filtered(
            lambda pm: pm.is_cash_count and not pm.split_transactions
        )[:1]
        if not self.cash_pm:
            sys.exit(f"POS {self.config.name!r} has no cash payment method.")
        env.flush_all()
        self.sequence = 100

    def order_data(self):
        """An order as the browser sends it (point_of_sale's ``create_ui_order_data``), with a points line."""
        config = self.config
        product = self.product
        customer = self.partner
        fiscal_position = customer.property_account_position_id or config.default_fiscal_position_id
        price = config.pricelist_id._get_product_price(product, 1.0) if config.pricelist_id else product.lst_price
        taxes = fiscal_position.map_tax(product.taxes_id.filtered(lambda t: t.company_id == self.company))
        amounts = (
            taxes.compute_all(price, config.currency_id, 1.0)
            if taxes
            else {"total_excluded": price, "total_included": price}
        )
        cap = self.program.clinic_max_redeem_percent or 100.0
        points = min(self.args.spend, amounts["total_included"] * cap / 100.0 // 1)
        discount = points * self.reward.discount
        order_uuid = str(uuid.uuid4())
        self.sequence += 1
        lines = [
            (
                0,
                0,
                {
                    "pack_lot_ids": [],
                    "price_unit": price,
                    "product_id": product.id,
                    "price_subtotal": amounts["total_excluded"],
                    "price_subtotal_incl": amounts["total_included"],
                    "qty": 1.0,
                    "discount": 0.0,
                    "tax_ids": [(6, 0, taxes.ids)],
                },
            ),
            (
                0,
                0,
                {
                    "product_id": self.reward.discount_line_product_id.id,
                    "qty": 1.0,
                    "price_unit": -discount,
                    "price_subtotal": -discount,
                    "price_subtotal_incl": -discount,
                    "reward_id": self.reward.id,
                    "coupon_id": self.card.id,
                    "is_reward_line": True,
                    "points_cost": points,
                    "reward_identifier_code": f"bench-{order_uuid[:8]}",
                    "tax_ids": [(6, 0, [])],
                },
            ),
        ]
        total = amounts["total_included"] - discount
        base = amounts["total_excluded"] - discount
        return {
            "amount_paid": total,
            "amount_return": 0,
            "amount_tax": total - base,
            "amount_total": total,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": fiscal_position.id,
            "pricelist_id": config.pricelist_id.id,
            "name": f"Order {order_uuid}",
            "last_order_preparation_change": "{}",
            "lines": lines,
            "partner_id": customer.id,
            "session_id": self.session.id,
            "sequence_number": self.sequence,
            "payment_ids": [
                (0, 0, {"amount": total, "name": fields.Datetime.now(), "payment_method_id": self.cash_pm.id})
            ],
            "uuid": order_uuid,
            "user_id": self.cashier.id,
            "to_invoice": False,
        }, points

    def sync_once(self):
        data, points = self.order_data()
        PosOrder = self.uenv["pos.order"]
        self.cold()
        queries = self.cr.sql_log_count
        start = time.perf_counter()
        result = PosOrder.sync_from_ui([data])
        self.env.flush_all()
        seconds = time.perf_counter() - start
        queries = self.cr.sql_log_count - queries
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        return order, seconds, queries, points

    def ledger_of(self, order):
        return self.env["clinic.loyalty.ledger"].sudo().search([("pos_order_id", "=", order.id)], order="id")

    def bench_sync(self):
        self.prepare_orders()
        order, seconds, queries, _points = self.sync_once()
        self.log(f"  warm-up order {order.pos_reference or order.name}: {seconds * 1000:.0f} ms, {queries} queries")
        times, counts = [], []
        for _i in range(self.args.orders):
            balance = self.card.points
            order, seconds, queries, points = self.sync_once()
            lines = self.ledger_of(order)
            times.append(seconds)
            counts.append(queries)
            self.card.invalidate_recordset(["points"])
            posted = ", ".join(f"{line.kind} {line.points:+g}" for line in lines)
            self.log(
                f"  order {order.pos_reference or order.name} ({order.state}, {order.amount_total:g} paid, "
                f"{points:g} points used): {seconds * 1000:.0f} ms, {queries} queries; ledger: {posted or 'nothing'}; "
                f"balance {balance:g} -> {self.card.points:g}"
            )
            kinds = set(lines.mapped("kind"))
            if order.state not in ("paid", "done", "invoiced") or not {"spend", "earn"} <= kinds:
                self.problems.append(f"order {order.name}: state {order.state}, ledger kinds {sorted(kinds)}")
            spend = sum(lines.filtered(lambda line: line.kind == "spend").mapped("points"))
            if abs(spend + points) > 0.005:
                self.problems.append(f"order {order.name}: {spend:g} points spent, {-points:g} expected")
        self.sync_figures = {
            "median_ms": statistics.median(times) * 1000,
            "best_ms": min(times) * 1000,
            "queries": statistics.median(counts),
            "queries_all": counts,
        }
        lines = self.ledger_of(order)
        self.log(f"  Ledger lines of the last order ({order.pos_reference or order.name}, id {order.id}):")
        for line in lines:
            self.log(
                f"    {line.kind:8} {line.points:+10g} points  amount {line.amount:10g}  "
                f"balance after {line.balance_after:10g}  {line.reason}"
            )
        self.sync_ledger = ", ".join(f"{line.kind} {line.points:+g}" for line in lines)

    # Report ----------------------------------------------------------------------------

    def print_summary(self):
        args = self.args
        self.log("\n" + "=" * 78)
        self.log(f"SUMMARY ({args.cards} generated patients/cards, database {self.cr.dbname})")
        stock, ours = self.loads.get("stock"), self.loads.get("ours")
        if stock and ours:

            def best(measures, key):
                return min(m[key] for m in measures)

            def median(measures, key):
                return statistics.median(m[key] for m in measures)

            rows = [
                (f"load time, best of {args.runs} (ms)", best(stock, "seconds") * 1000, best(ours, "seconds") * 1000),
                (
                    f"load time, median of {args.runs} (ms)",
                    median(stock, "seconds") * 1000,
                    median(ours, "seconds") * 1000,
                ),
                ("SQL queries (median)", median(stock, "queries"), median(ours, "queries")),
                ("loyalty.card records loaded", stock[0]["cards"], ours[0]["cards"]),
                ("  of them in the clinic programme", stock[0]["clinic_cards"], ours[0]["clinic_cards"]),
                ("payload, all models (KB)", stock[0]["bytes"] / 1024, ours[0]["bytes"] / 1024),
                ("payload, loyalty.card part (KB)", stock[0]["card_bytes"] / 1024, ours[0]["card_bytes"] / 1024),
            ]
            self.log(f"  POS start, session.load_data([]) of {ours[0]['models']} models")
            self.log(f"  {'':40} {'stock':>12} {'ours':>12} {'stock/ours':>11}")
            for label, a, b in rows:
                number = "{:12.1f}" if "KB" in label or "ms" in label else "{:12.0f}"
                self.log(f"  {label:40} {number.format(a)} {number.format(b)} {fmt_ratio(a, b):>11}")
        else:
            self.log("  POS start: not measured (see the problems below)")
        if getattr(self, "sync_figures", None):
            s = self.sync_figures
            self.log(
                f"  POS order sync, pos.order.sync_from_ui([order]): 1 service line + {args.spend:g} points paid, "
                f"{args.orders} orders"
            )
            self.log(f"  {'  time per order, median (best) (ms)':40} {s['median_ms']:.0f} ({s['best_ms']:.0f})")
            self.log(
                f"  {'  SQL queries per order, median':40} {s['queries']:g} "
                f"(each: {', '.join(map(str, s['queries_all']))})"
            )
            self.log(f"  {'  ledger lines of one order':40} {self.sync_ledger}")
        for label, value in self.summary:
            self.log(f"  {label:40} {value}")
        self.log_problems()
        self.log("=" * 78)

    def run(self):
        args = self.args
        started = time.perf_counter()
        self.log(f"Database {self.cr.dbname}: {args.cards} patients with a card")
        self.log("Everything below runs in ONE transaction that is ROLLED BACK at the end: the database is unchanged.")
        self.check_schema(hint=": is pos_loyalty installed?")
        self.log("\n== Set-up")
        self.prepare_pos()
        self.log("\n== Data generation (set-based SQL)")
        t0 = time.perf_counter()
        with self.generating():
            self.generate()
        self.record("data generation", f"{time.perf_counter() - t0:.1f} s")

        self.log(f"\n== 1. POS start: session.load_data([]), ours vs stock card domain, {args.runs} runs each")
        self.measure("POS start", self.bench_load)
        self.log("\n== 2. Patient selected: what the POS fetches on demand")
        self.measure("patient", self.pick_patient)
        if getattr(self, "card", None):
            self.measure("on-demand fetch", self.bench_on_demand)
            self.log(f"\n== 3. POS order sync: sync_from_ui, 1 service line + {args.spend:g} points paid")
            self.measure("POS order sync", self.bench_sync)
        self.record("whole benchmark", f"{time.perf_counter() - started:.1f} s")
        self.print_summary()


def main(argv=None):
    run_rolled_back(Bench, parse_args(argv))


if __name__ == "__main__":
    main()
