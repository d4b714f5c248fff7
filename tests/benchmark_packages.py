"""Benchmark of treatment packages at the Point of Sale with many packages (not a pytest test).

The POS loads no package at start: the cashier's panel fetches the selected patient's packages
(``clinic.package.clinic_pos_packages``) and checks the lines paid by packages before payment
(``pos.order.clinic_check_packages``). This script fills a database with N packages of the
company's package product (active, used up, expired, cancelled), their session counters and
the visits that used their sessions (so that every counter matches its visits), for generated
patients, all with set-based SQL, then measures:

1. the POS start, ``pos.session.load_data([])`` (every model, as the browser does): time, SQL
   queries, size of the JSON payload, and that no package, counter or package code is in it;
2. the package lookup ``clinic.package.clinic_pos_packages(partner_id)`` as a cashier, for the
   generated patient with the most active packages: median time of several cold runs, queries;
3. the check before payment ``pos.order.clinic_check_packages`` of two lines paid by packages;
4. the plans (EXPLAIN ANALYZE) of the package queries these two calls run: each must reach
   the package tables through an index, never by a sequential scan.

Everything runs in one transaction that is rolled back at the end: the database is left as it
was. Run it on a copy, never on production, since the rows are locked while it runs:

    createdb -T clinic_dev clinic_bench_packages
    cp -r <data_dir>/filestore/clinic_dev <data_dir>/filestore/clinic_bench_packages
    ~/.cache/clinic-loyalty/venv/bin/python tests/benchmark_packages.py \\
        -c ~/.cache/clinic-loyalty/odoo-<hash>.conf -d clinic_bench_packages --packages 100000
    dropdb clinic_bench_packages && rm -r <data_dir>/filestore/clinic_bench_packages

(``createdb -T`` does not copy the attachments: without the filestore the POS load logs a
missing file for each image it reads, which also slows it down.)

The database must have clinic_loyalty_packages installed and up to date with the code
(``-u clinic_loyalty_packages``), the demo clinic (or the company given with ``--company``)
with a POS configuration, and a package product in that company (the demo's massage course,
or any product with ``is_clinic_package``).
"""

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from unittest.mock import patch

from benchmark_common import BenchBase, run_rolled_back

from odoo import fields
from odoo.tools import SQL

# Models whose stored fields the benchmark writes or reads: their columns must exist.
CHECKED_MODELS = (
    "res.partner",
    "product.template",
    "clinic.package",
    "clinic.package.counter",
    "clinic.package.use",
    "clinic.package.line",
    "pos.config",
    "pos.session",
)
# Generated package codes start with it: the POS start payload must not contain one.
CODE_PREFIX = "BENCHPK"
PACKAGE_TABLES = ("clinic_package", "clinic_package_counter", "clinic_package_use")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database (a throw-away copy)")
    parser.add_argument("--packages", type=int, default=100000, help="packages to generate")
    parser.add_argument("--per-patient", type=int, default=4, help="packages per generated patient")
    parser.add_argument("--runs", type=int, default=7, help="measured calls of each kind, after a warm-up")
    parser.add_argument(
        "--company", default="clinic_loyalty.res_company_clinic_demo", help="XML id of the clinic's company"
    )
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL random seed, -1..1")
    args = parser.parse_args(argv)
    if args.packages < 1 or args.per_patient < 1 or args.runs < 1:
        parser.error("--packages, --per-patient and --runs must be positive")
    return args


def plan_nodes(node):
    """Every node of an EXPLAIN (FORMAT JSON) plan, depth first."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


class Bench(BenchBase):
    checked_models = CHECKED_MODELS
    announce_steps = True

    def __init__(self, env, args):
        super().__init__(env, args)
        self.figures = {}  # label -> measure dict

    # Set-up ----------------------------------------------------------------------------

    def prepare(self):
        """The clinic's POS and an open session (as the administrator), its package product
        and a cashier of the front desk."""
        env = self.env
        company = env.ref(self.args.company, raise_if_not_found=False)
        if not company:
            sys.exit(f"No company {self.args.company!r}: give the clinic's company with --company.")
        self.company = company
        context = {"allowed_company_ids": [company.id]}
        env = self.env = env(context=context)
        # Odoo refuses to open a POS as the superuser: the POS is opened by the administrator.
        admin = env.ref("base.user_admin")
        self.aenv = env(user=admin.id)
        config = self.aenv["pos.config"].search([("company_id", "=", company.id)], order="id", limit=1)
        if not config:
            sys.exit(f"{company.name} has no POS configuration (pos.config).")
        if not config.current_session_id:
            config.open_ui()
        self.config, self.session = config, config.current_session_id

        template = env.ref("clinic_loyalty_packages.product_package_massage_course_demo", raise_if_not_found=False)
        if not template:
            template = env["product.template"].search(
                [("is_clinic_package", "=", True), ("company_id", "in", [company.id, False])], limit=1
            )
        if not template or not template.clinic_package_line_ids:
            sys.exit(f"{company.name} sells no package product (product.template.is_clinic_package).")
        self.template = template
        groups = [
            env.ref("base.group_user").id,
            env.ref("point_of_sale.group_pos_user").id,
            env.ref("clinic_loyalty.group_clinic_loyalty_user").id,
        ]
        cashier = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Benchmark Cashier",
                    "login": "benchmark_packages_cashier",
                    "company_id": company.id,
                    "company_ids": [(6, 0, [company.id])],
                    "groups_id": [(6, 0, groups)],
                }
            )
        )
        self.cenv = env(user=cashier.id)
        env.flush_all()
        contents = ", ".join(f"{line.service_id.name} x{line.sessions}" for line in template.clinic_package_line_ids)
        self.log(
            f"  Company {company.name!r} (id {company.id}); POS {config.name!r} (id {config.id}), session "
            f"{self.session.name} ({self.session.state}); package product {template.name!r} ({contents}); "
            f"cashier {cashier.login!r} (POS user, clinic loyalty user)"
        )

    def generate(self):
        args, cr = self.args, self.cr
        n = args.packages
        params = {
            "n": n,
            "patients": max(1, -(-n // args.per_patient)),
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
            "today": fields.Date.context_today(self.template),
            "company": self.company.id,
            "product": self.template.product_variant_id.id,
            "template": self.template.id,
            "price": self.template.list_price,
            "prefix": CODE_PREFIX,
        }
        cr.execute("SELECT setseed(%s)", [args.seed])
        self.insert_patients(params["patients"], self.company.id, "Bench Package Patient")

        # The plan of every package and counter first, with the ids they will get: the
        # packages' stored totals are then inserted once, never updated.
        with self.step(f"plan {n} packages and their counters (temporary tables)"):
            cr.execute(
                """
                CREATE TEMP TABLE bench_package ON COMMIT DROP AS
                SELECT g AS rn, nextval('clinic_package_id_seq')::int AS id, p.partner_id,
                       CASE WHEN s.r < 0.75 THEN 'active' WHEN s.r < 0.85 THEN 'used'
                            WHEN s.r < 0.95 THEN 'expired' ELSE 'cancelled' END AS state,
                       (random() * 300)::int AS age
                  FROM (SELECT g, random() AS r FROM generate_series(1, %(n)s) g) s
                  JOIN bench_partner p ON p.rn = (s.g - 1) %% %(patients)s + 1
                """,
                params,
            )
            cr.execute(
                """
                CREATE TEMP TABLE bench_counter ON COMMIT DROP AS
                SELECT nextval('clinic_package_counter_id_seq')::int AS id, b.id AS package_id, b.partner_id,
                       line.service_id, line.sessions, tmpl.list_price,
                       CASE WHEN b.state = 'used' THEN line.sessions
                            WHEN b.state = 'cancelled' THEN 0
                            ELSE LEAST(line.sessions, floor(random() * (line.sessions + 1))::int) END AS used
                  FROM bench_package b
                 CROSS JOIN clinic_package_line line
                  JOIN product_product service ON service.id = line.service_id
                  JOIN product_template tmpl ON tmpl.id = service.product_tmpl_id
                 WHERE line.package_tmpl_id = %(template)s
                 ORDER BY b.id, line.sequence, line.id
                """,
                params,
            )
            # An active package whose every session was used is used up.
            cr.execute(
                """
                UPDATE bench_package b SET state = 'used'
                 WHERE b.state = 'active'
                   AND NOT EXISTS (SELECT 1 FROM bench_counter c WHERE c.package_id = b.id AND c.used < c.sessions)
                """
            )

        package_cols = {
            "id": "b.id",
            "partner_id": "b.partner_id",
            "company_id": "%(company)s",
            "product_id": "%(product)s",
            "state": "b.state",
            "code": "%(prefix)s || lpad(b.rn::text, 8, '0')",
            "source_key": "'benchmark:package:' || b.rn",
            "line_key": "'benchmark:line:' || b.rn",
            "origin": "'Benchmark ' || b.rn",
            "price_paid": "%(price)s",
            "household_shared": "false",
            "sessions_total": "t.total",
            "sessions_left": "t.total - t.used",
            # Sold up to 300 days ago, valid a year; an expired one was sold over a year ago.
            "date_sold": "d.sold",
            "date_start": "d.sold",
            "date_end": "d.sold + 364",
            "refund_rule": "'pro_rata'",
            "create_uid": "%(uid)s",
            "create_date": "%(now)s",
            "write_uid": "%(uid)s",
            "write_date": "%(now)s",
        }
        cols = self.insertable("clinic_package", package_cols)
        with self.step(f"insert {n} packages (clinic_package)"):
            cr.execute(
                f"""
                INSERT INTO clinic_package ({", ".join(cols)})
                SELECT {", ".join(package_cols[col] for col in cols)}
                  FROM bench_package b
                  JOIN (SELECT package_id, SUM(sessions) AS total, SUM(used) AS used
                          FROM bench_counter GROUP BY package_id) t ON t.package_id = b.id
                 CROSS JOIN LATERAL (SELECT CASE WHEN b.state = 'expired' THEN %(today)s::date - 366 - b.age
                                                 ELSE %(today)s::date - b.age END AS sold) d
                 ORDER BY b.id
                """,
                params,
            )
        counter_cols = {
            "id": "c.id",
            "package_id": "c.package_id",
            "company_id": "%(company)s",
            "service_id": "c.service_id",
            "sessions": "c.sessions",
            "sessions_used": "c.used",
            "sessions_left": "c.sessions - c.used",
            "list_price": "c.list_price",
            "create_uid": "%(uid)s",
            "create_date": "%(now)s",
            "write_uid": "%(uid)s",
            "write_date": "%(now)s",
        }
        cols = self.insertable("clinic_package_counter", counter_cols)
        with self.step("insert their session counters (clinic_package_counter)"):
            cr.execute(
                f"""
                INSERT INTO clinic_package_counter ({", ".join(cols)})
                SELECT {", ".join(counter_cols[col] for col in cols)} FROM bench_counter c ORDER BY c.id
                """,
                params,
            )
            counters = cr.rowcount
        use_cols = {
            "counter_id": "c.id",
            "package_id": "c.package_id",
            "company_id": "%(company)s",
            "service_id": "c.service_id",
            "partner_id": "c.partner_id",
            "date": "%(now)s::timestamp - (n || ' days')::interval",
            "origin": "'Benchmark visit'",
            "key": "'benchmark:use:' || c.id || ':' || n",
            "restored": "false",
            "create_uid": "%(uid)s",
            "create_date": "%(now)s",
            "write_uid": "%(uid)s",
            "write_date": "%(now)s",
        }
        cols = self.insertable("clinic_package_use", use_cols)
        with self.step("insert the visits that used their sessions (clinic_package_use)"):
            cr.execute(
                f"""
                INSERT INTO clinic_package_use ({", ".join(cols)})
                SELECT {", ".join(use_cols[col] for col in cols)}
                  FROM bench_counter c CROSS JOIN LATERAL generate_series(1, c.used) n
                 ORDER BY c.id, n
                """,
                params,
            )
            uses = cr.rowcount
        with self.step("ANALYZE"):
            for table in ("res_partner", *PACKAGE_TABLES):
                cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        cr.execute("SELECT state, COUNT(*) FROM bench_package GROUP BY state ORDER BY state")
        states = ", ".join(f"{state} {count}" for state, count in cr.fetchall())
        self.log(
            f"  Generated: {n} packages ({states}) of {params['patients']} patients, "
            f"{counters} counters, {uses} visits"
        )
        self.generated = {"packages": n, "patients": params["patients"], "counters": counters, "uses": uses}
        self.env.invalidate_all()

    def insertable(self, table, values):
        """The columns of ``values`` that ``table`` has; stop when a mandatory one is not filled."""
        self.cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
            """,
            [table],
        )
        unfilled = {row[0] for row in self.cr.fetchall()} - set(values)
        if unfilled:
            sys.exit(f"{table} has mandatory columns the benchmark does not fill: {', '.join(sorted(unfilled))}")
        present = self.columns(table)
        return [col for col in values if col in present]

    # Measures --------------------------------------------------------------------------

    def timed(self, func):
        """(seconds, queries, result) of ``func()`` from a cold cache."""
        self.cold()
        queries = self.cr.sql_log_count
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
        return seconds, self.cr.sql_log_count - queries, result

    def repeat(self, label, func):
        """Call ``func`` once to warm Odoo's caches, then ``--runs`` times; log and keep the figures."""
        self.timed(func)
        runs = [self.timed(func) for _run in range(self.args.runs)]
        times = [seconds * 1000 for seconds, _queries, _result in runs]
        result = runs[-1][2]
        measure = {
            "median_ms": statistics.median(times),
            "best_ms": min(times),
            "queries": statistics.median(queries for _seconds, queries, _result in runs),
            "bytes": len(json.dumps(result, default=str).encode()),
            "result": result,
        }
        self.log(
            f"  {label}: median {measure['median_ms']:.1f} ms (best {measure['best_ms']:.1f}) of "
            f"{self.args.runs}, {measure['queries']:g} queries, {measure['bytes']} bytes of JSON"
        )
        self.figures[label] = measure
        return measure

    # 1. POS start ------------------------------------------------------------------------

    def bench_pos_start(self):
        session = self.session.with_env(self.aenv)
        measure = self.repeat("POS start", lambda: session.load_data([]))
        result = measure.pop("result")
        payload = json.dumps(result, default=str)
        package_models = sorted(model for model in result if model.startswith("clinic.package"))
        package_fields = sorted(
            f"{model}.{name}"
            for model, part in result.items()
            if isinstance(part, dict)
            for name in (part.get("fields") or {})
            if "package" in name
        )
        codes = payload.count(CODE_PREFIX)
        self.log(
            f"  {len(result)} models loaded; package models: {', '.join(package_models) or 'none'}; "
            f"fields naming packages: {', '.join(package_fields) or 'none'}; generated package codes in "
            f"the payload: {codes}"
        )
        measure.update(models=len(result), package_models=package_models, codes=codes)
        if package_models or codes:
            self.problems.append(f"the POS start loads packages: models {package_models}, {codes} package codes")
        del result, payload

    # 2. and 3. The patient's packages ----------------------------------------------------

    def pick_patient(self):
        """The generated patient with the most active packages (the lookup's worst case)."""
        self.cr.execute(
            """
            SELECT partner_id, COUNT(*), COUNT(*) FILTER (WHERE state = 'active')
              FROM bench_package GROUP BY partner_id
             ORDER BY 3 DESC, 1 LIMIT 1
            """
        )
        partner_id, total, active = self.cr.fetchone()
        self.partner = self.env["res.partner"].browse(partner_id)
        self.cr.execute(
            """
            SELECT p.code, c.service_id, c.sessions_left
              FROM clinic_package p JOIN clinic_package_counter c ON c.package_id = p.id
             WHERE p.partner_id = %s AND p.state = 'active' AND c.sessions_left > 0
             ORDER BY p.date_end, p.id, c.id
            """,
            [partner_id],
        )
        self.usable = self.cr.fetchall()
        self.log(
            f"  Patient {self.partner.name} (id {partner_id}): {total} packages, {active} active, "
            f"{len(self.usable)} counters with sessions left"
        )
        self.patient_figures = (total, active)

    def bench_lookup(self):
        Package = self.cenv["clinic.package"]
        measure = self.repeat("clinic_pos_packages", lambda: Package.clinic_pos_packages(self.partner.id))
        result = measure.pop("result")
        codes = {code for code, _service, _left in self.usable}
        returned = [package["code"] for package in result]
        self.log(f"  returned {len(returned)} packages: {', '.join(returned)}")
        if set(returned) != codes:
            self.problems.append(f"clinic_pos_packages returned {sorted(returned)}, expected {sorted(codes)}")

    def check_lines(self):
        """Two lines paid by the patient's first two usable counters, one session each."""
        return [
            {"product_id": service_id, "qty": 1, "package_code": code} for code, service_id, _left in self.usable[:2]
        ]

    def bench_check(self):
        PosOrder = self.cenv["pos.order"]
        lines = self.check_lines()
        measure = self.repeat("clinic_check_packages", lambda: PosOrder.clinic_check_packages(self.partner.id, lines))
        result = measure.pop("result")
        self.log(f"  {len(lines)} lines checked: {result}")
        if result != {"problems": []}:
            self.problems.append(f"clinic_check_packages refused usable sessions: {result}")

    # 4. Plans --------------------------------------------------------------------------

    @contextmanager
    def capturing(self):
        """Collect the (query, params) the cursor runs on the package tables."""
        captured = []
        cursor_class = type(self.cr)
        execute = cursor_class.execute
        cr = self.cr

        def capture(cursor, query, params=None, log_exceptions=True):
            if cursor is cr:
                code, args = (query.code, query.params) if isinstance(query, SQL) else (query, params)
                if any(f'"{table}"' in code or f" {table} " in code for table in PACKAGE_TABLES):
                    captured.append((code, args))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(cursor_class, "execute", capture):
            yield captured

    def explain(self, label, func):
        self.cold()
        with self.capturing() as captured:
            func()
        seen = set()
        self.log(f"  {label}: {len(captured)} queries on the package tables")
        for code, args in captured:
            if not code.lstrip().upper().startswith("SELECT") or code in seen:
                continue
            seen.add(code)
            self.cr.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {code}", args)
            plan = self.cr.fetchone()[0][0]
            steps = []
            for node in plan_nodes(plan["Plan"]):
                relation, index = node.get("Relation Name"), node.get("Index Name")
                if not relation and not index:
                    continue
                steps.append(
                    node["Node Type"] + (f" on {relation}" if relation else "") + (f" using {index}" if index else "")
                )
                if node["Node Type"] == "Seq Scan" and relation in PACKAGE_TABLES:
                    self.problems.append(f"{label}: sequential scan of {relation} in: {' '.join(code.split())[:200]}")
            query = " ".join(code.split())
            self.log(f"    {query[:150]}{' ...' if len(query) > 150 else ''}")
            self.log(f"      -> {'; '.join(steps) or 'no table'}; {plan['Execution Time']:.2f} ms")

    def bench_explain(self):
        Package = self.cenv["clinic.package"]
        PosOrder = self.cenv["pos.order"]
        lines = self.check_lines()
        self.explain("clinic_pos_packages", lambda: Package.clinic_pos_packages(self.partner.id))
        self.explain("clinic_check_packages", lambda: PosOrder.clinic_check_packages(self.partner.id, lines))

    # Report ----------------------------------------------------------------------------

    def print_summary(self):
        self.log("\n" + "=" * 78)
        generated = getattr(self, "generated", {})
        self.log(
            f"SUMMARY ({generated.get('packages')} packages of {generated.get('patients')} patients, "
            f"{generated.get('counters')} counters, {generated.get('uses')} visits; database {self.cr.dbname}; "
            f"{os.cpu_count()} CPUs)"
        )
        start = self.figures.get("POS start")
        if start:
            self.log(
                f"  {'POS start, session.load_data([])':40} {start['median_ms']:.0f} ms median "
                f"(best {start['best_ms']:.0f}), {start['queries']:g} queries, {start['bytes'] / 1024:.1f} KB, "
                f"{start['models']} models"
            )
            self.log(
                f"  {'  packages loaded at start':40} models {', '.join(start['package_models']) or 'none'}, "
                f"{start['codes']} package codes"
            )
        if getattr(self, "patient_figures", None):
            self.log(f"  {'patient looked up':40} {self.patient_figures[0]} packages, {self.patient_figures[1]} active")
        for label in ("clinic_pos_packages", "clinic_check_packages"):
            measure = self.figures.get(label)
            if measure:
                self.log(
                    f"  {label:40} {measure['median_ms']:.1f} ms median (best {measure['best_ms']:.1f}), "
                    f"{measure['queries']:g} queries, {measure['bytes']} bytes"
                )
        for label, value in self.summary:
            self.log(f"  {label:40} {value}")
        self.log_problems()
        self.log("=" * 78)

    def run(self):
        args = self.args
        started = time.perf_counter()
        self.cr.execute("SHOW server_version")
        pg_version = self.cr.fetchone()[0]
        self.log(
            f"Database {self.cr.dbname}: {args.packages} packages, {args.per_patient} per patient; "
            f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), PostgreSQL {pg_version}"
        )
        self.log("Everything below runs in ONE transaction that is ROLLED BACK at the end: the database is unchanged.")
        self.check_schema(hint=": is clinic_loyalty_packages installed?")
        self.log("\n== Set-up")
        self.prepare()
        self.log("\n== Data generation (set-based SQL)")
        t0 = time.perf_counter()
        with self.generating():
            self.generate()
        self.record("data generation", f"{time.perf_counter() - t0:.1f} s")

        self.log(f"\n== 1. POS start: session.load_data([]), {args.runs} runs after a warm-up")
        self.measure("POS start", self.bench_pos_start)
        self.log("\n== 2. Patient selected: clinic.package.clinic_pos_packages as the cashier")
        self.measure("patient", self.pick_patient)
        if getattr(self, "usable", None):
            self.measure("package lookup", self.bench_lookup)
            self.log("\n== 3. Before payment: pos.order.clinic_check_packages as the cashier")
            self.measure("package check", self.bench_check)
            self.log("\n== 4. Plans of the package queries (EXPLAIN ANALYZE)")
            self.measure("plans", self.bench_explain)
        else:
            self.problems.append("no generated patient has an active package with sessions left")
        self.record("whole benchmark", f"{time.perf_counter() - started:.1f} s")
        self.print_summary()


def main(argv=None):
    run_rolled_back(Bench, parse_args(argv))


if __name__ == "__main__":
    main()
