"""What the benchmarks under tests/ share: the rolled-back transaction, the helpers that
measure and report, the schema check and the fast generation mode (not a pytest module)."""

import sys
import time
import traceback
from contextlib import contextmanager

import odoo
from odoo import fields


class BenchBase:
    """A benchmark run in one transaction; subclasses set ``checked_models`` and define ``run``."""

    checked_models = ()
    # Print a line when a step starts, not only when it ends (long generation steps).
    announce_steps = False

    def __init__(self, env, args):
        self.env = env
        self.cr = env.cr
        self.args = args
        self.summary = []  # (label, value)
        self.problems = []

    def log(self, message=""):
        sys.stdout.write(f"{message}\n")
        sys.stdout.flush()

    def record(self, label, value):
        self.summary.append((label, value))

    @contextmanager
    def step(self, label):
        if self.announce_steps:
            self.log(f"  {label} ...")
        start = time.perf_counter()
        yield
        self.log(f"  {label}: {time.perf_counter() - start:.2f} s")

    def scalar(self, query, params=None):
        self.cr.execute(query, params)
        return self.cr.fetchone()[0]

    def columns(self, table):
        self.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
        return {row[0] for row in self.cr.fetchall()}

    def insert_patients(self, count, company_id, prefix):
        """``bench_partner`` (rn, partner_id): ``count`` patients of ``company_id`` named
        ``<prefix> <n>``, inserted set-based. Columns the ORM fills with defaults are set when
        the table has them."""
        cr = self.cr
        cr.execute("CREATE TEMP TABLE bench_partner (rn int PRIMARY KEY, partner_id int) ON COMMIT DROP")
        optional = {
            "lang": "'en_US'",
            "is_company": "false",
            "partner_share": "true",
            "autopost_bills": "'ask'",
            "clinic_consent_reminders": "true",
            "color": "0",
            "customer_rank": "0",
            "supplier_rank": "0",
            "message_bounce": "0",
            "invoice_warn": "'no-message'",
            "sale_warn": "'no-message'",
            "picking_warn": "'no-message'",
        }
        present = self.columns("res_partner")
        extra = {col: expr for col, expr in optional.items() if col in present}
        extra_cols = "".join(f", {col}" for col in extra)
        extra_vals = "".join(f", {expr}" for expr in extra.values())
        with self.step(f"insert {count} patients (res_partner)"):
            cr.execute(
                f"""
                WITH ins AS (
                    INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, type, active, is_patient,
                                             company_id, create_uid, create_date, write_uid, write_date{extra_cols})
                    SELECT s.id, s.id, s.name, s.name, 'contact', true, true,
                           %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s{extra_vals}
                      FROM (SELECT nextval('res_partner_id_seq') AS id, %(prefix)s || ' ' || g AS name
                              FROM generate_series(1, %(count)s) g) s
                 RETURNING id
                )
                INSERT INTO bench_partner (rn, partner_id)
                SELECT row_number() OVER (ORDER BY id), id FROM ins
                """,
                {
                    "company": company_id,
                    "uid": self.env.uid,
                    "now": fields.Datetime.now(),
                    "prefix": prefix,
                    "count": count,
                },
            )

    def cold(self):
        """Write what is pending and empty the record cache, as a new request would start."""
        self.env.flush_all()
        self.env.invalidate_all()

    def measure(self, label, func):
        """Run ``func`` in a savepoint; on error print the traceback, note it and go on."""
        try:
            with self.cr.savepoint():
                return func()
        except Exception:
            self.log(f"!!! {label} FAILED:")
            self.log(traceback.format_exc())
            self.problems.append(f"{label}: {traceback.format_exc().strip().splitlines()[-1]}")
            self.env.invalidate_all()
            return None

    def log_problems(self):
        if self.problems:
            self.log("  Problems:")
            for problem in self.problems:
                self.log(f"    - {problem}")
        else:
            self.log("  No problem detected.")

    def check_schema(self, hint=""):
        """Stop, naming the missing columns, when the database is older than the code."""
        missing = []
        for name in self.checked_models:
            model = self.env.get(name)
            if model is None:
                missing.append(f"{name} (model not loaded{hint})")
                continue
            cols = self.columns(model._table)
            missing += [
                f"{model._table}.{fname}"
                for fname, field in model._fields.items()
                if field.store and field.column_type and fname not in cols
            ]
        if missing:
            sys.exit(
                "The database is older than the code, these columns are missing: "
                + ", ".join(missing)
                + f"\nUpdate it first: odoo-bin -c <conf> -d {self.cr.dbname} -u clinic_loyalty --stop-after-init"
            )

    @contextmanager
    def generating(self):
        """Skip the foreign key triggers while generating (the rows are consistent by construction).

        Needs a PostgreSQL superuser; it divides the generation time by about four. The
        setting is local to the transaction and reset before anything is measured.
        """
        fast = bool(self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if fast:
            self.cr.execute("SET LOCAL session_replication_role = replica")
        else:
            self.log("  (not a PostgreSQL superuser: foreign keys are checked while generating, which is slower)")
        try:
            yield
        finally:
            if fast:
                self.cr.execute("SET LOCAL session_replication_role = origin")


def run_rolled_back(bench_class, args):
    """Run ``bench_class(env, args).run()`` in one transaction that can't commit and is rolled back."""
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    cr = registry.cursor()
    # --committed: the generated data is committed once (as production data is, days before
    # the jobs run); everything measured afterwards is still rolled back.
    cr.commit_generated_data = cr.commit

    def refuse_commit():
        raise RuntimeError("the benchmark never commits: its transaction is rolled back")

    cr.commit = refuse_commit
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench_class(env, args).run()
    finally:
        cr.rollback()
        cr.close()
        if getattr(args, "committed", False):
            sys.stdout.write("Measured transaction rolled back; the generated data was committed: drop the database.\n")
        else:
            sys.stdout.write("Transaction rolled back: the database is unchanged.\n")
