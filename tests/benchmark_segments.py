"""Benchmark of the programme metrics and the grades/RFM segments at production size (not a pytest test).

Fills a database with N patients (a tenth of them in the pilot group, one loyalty card each)
and about M POS order lines over the last 24 months (orders of 1 to 4 lines, a few per cent
refunded in part or in full, a tenth of the orders as confirmed sales orders instead), one
earned ledger line per paid order and some spending, all with set-based SQL; then measures:

1. the programme metrics of last month (``clinic.loyalty.metric._clinic_recompute``);
2. the metrics of the last 12 months, stored month by month, and as one period;
3. the grades and RFM scores (``res.partner._clinic_compute_segments``), when that entry
   point exists in the code (else it says so and skips it).

Targets (issue 16, on the 2-core machine): a metrics period under 30 s, grades and RFM
under 60 s. Everything runs in one transaction that is rolled back at the end; the generated
rows are analysed (``ANALYZE``) before measuring, as production tables are.

    createdb -T clinic_dev clinic_bench
    ~/.cache/clinic-loyalty/venv/bin/python tests/benchmark_segments.py \\
        -c ~/.cache/clinic-loyalty/odoo-<hash>.conf -d clinic_bench --patients 100000 --lines 1000000
    dropdb clinic_bench
"""

import argparse
import os
import sys
import time

from benchmark_common import BenchBase, run_rolled_back
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools import SQL

CHECKED_MODELS = (
    "res.partner",
    "loyalty.card",
    "clinic.loyalty.ledger",
    "clinic.loyalty.metric",
    "pos.order",
    "pos.order.line",
    "sale.order",
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database (a throw-away copy)")
    parser.add_argument("--patients", type=int, default=100000)
    parser.add_argument("--lines", type=int, default=1000000, help="order lines to generate (about)")
    parser.add_argument("--history-months", type=int, default=24)
    parser.add_argument("--refund-share", type=float, default=0.04, help="share of POS orders refunded")
    parser.add_argument("--sale-share", type=float, default=0.10, help="share of orders that are sales orders")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL random seed, -1..1")
    parser.add_argument("--committed", action="store_true", help="commit the generated data (drop the database after)")
    args = parser.parse_args(argv)
    if args.patients < 1 or args.lines < 1:
        parser.error("--patients and --lines must be positive")
    return args


class Bench(BenchBase):
    checked_models = CHECKED_MODELS
    announce_steps = True

    def prepare(self):
        env = self.env
        self.company = env.company
        if not self.company.clinic_loyalty_program_id:
            # The demo clinic, when the main company runs no clinic programme.
            self.company = env["res.company"].search([("clinic_loyalty_program_id", "!=", False)], limit=1)
            self.env = env = env(context=dict(env.context, allowed_company_ids=self.company.ids))
        program = self.company.clinic_loyalty_program_id
        if not program:
            sys.exit(f"{self.company.name} has no clinic loyalty programme (res.company.clinic_loyalty_program_id).")
        self.program = program
        config = env["pos.config"].search([("company_id", "=", self.company.id)], limit=1)
        if not config:
            sys.exit(f"{self.company.name} has no point of sale (pos.config) to attach the generated orders to.")
        self.session = env["pos.session"].search(
            [("config_id", "=", config.id), ("state", "!=", "closed")], limit=1
        ) or env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
        self.tag = env["res.partner.category"].create({"name": "Benchmark pilot group"})
        self.company.write(
            {
                "clinic_pilot_tag_id": self.tag.id,
                "clinic_program_launch_date": fields.Date.context_today(program) - relativedelta(months=6),
            }
        )
        self.product = env["product.product"].create({"name": "Benchmark service", "type": "service"})
        env.flush_all()

    def generate(self):
        args, cr = self.args, self.cr
        n = args.patients
        orders = max(1, round(args.lines / 2.5))  # 1 to 4 lines, 2.5 on average
        now = fields.Datetime.now()
        params = {
            "n": n,
            "orders": orders,
            "uid": self.env.uid,
            "now": now,
            "company": self.company.id,
            "program": self.program.id,
            "session": self.session.id,
            "product": self.product.id,
            "tag": self.tag.id,
            "history": f"{args.history_months} months",
            "refund_share": args.refund_share,
            "sale_share": args.sale_share,
            "partner": self.env.user.partner_id.id,
            "pricelist": self.session.config_id.pricelist_id.id,
        }
        cr.execute("SELECT setseed(%s)", [args.seed])
        self.insert_patients(n, self.company.id, "Bench Segment Patient")
        with self.step("pilot tag on 10% of the patients"):
            cr.execute(
                """
                INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
                SELECT %(tag)s, partner_id FROM bench_partner WHERE rn %% 10 = 0
                """,
                params,
            )
        with self.step(f"insert {n} loyalty cards"):
            cr.execute(
                """
                INSERT INTO loyalty_card (program_id, partner_id, company_id, code, points, active,
                                          create_uid, create_date, write_uid, write_date)
                SELECT %(program)s, partner_id, %(company)s, 'S' || partner_id, 0, true,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM bench_partner
                """,
                params,
            )
        with self.step(f"draw {orders} orders (temporary table)"):
            # Patients are skewed (a few come often), as in a clinic: rn = n * random()^2.
            cr.execute(
                """
                CREATE TEMP TABLE bench_order ON COMMIT DROP AS
                SELECT d.rn, p.partner_id, d.date_order, d.lines, d.line_amount, d.is_sale, d.refund_draw
                  FROM (SELECT g AS rn, 1 + floor(power(random(), 2) * %(n)s)::int AS patient,
                               date_trunc('second', %(now)s - random() * %(history)s::interval) AS date_order,
                               1 + floor(random() * 4)::int AS lines,
                               round((500 + random() * 4500)::numeric, 0) AS line_amount,
                               random() < %(sale_share)s AS is_sale,
                               random() AS refund_draw
                          FROM generate_series(1, %(orders)s) g) d
                  JOIN bench_partner p ON p.rn = d.patient
                """,
                params,
            )
        with self.step("insert POS orders"):
            cr.execute(
                """
                CREATE TEMP TABLE bench_pos ON COMMIT DROP AS
                WITH ins AS (
                    INSERT INTO pos_order (session_id, company_id, partner_id, name, date_order, state,
                                           amount_tax, amount_total, amount_paid, amount_return,
                                           pricelist_id, create_uid, create_date, write_uid, write_date)
                    SELECT %(session)s, %(company)s, o.partner_id, 'Bench/' || o.rn, o.date_order, 'paid',
                           0, o.lines * o.line_amount, o.lines * o.line_amount, 0,
                           %(pricelist)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM bench_order o
                     WHERE NOT o.is_sale
                     ORDER BY o.rn
                 RETURNING id, partner_id, date_order, amount_total, name
                )
                SELECT ins.id, ins.partner_id, ins.date_order, ins.amount_total, o.lines, o.line_amount, o.refund_draw
                  FROM ins JOIN bench_order o ON 'Bench/' || o.rn = ins.name
                """,
                params,
            )
        with self.step("insert POS order lines"):
            cr.execute(
                """
                INSERT INTO pos_order_line (order_id, company_id, product_id, name, full_product_name, qty,
                                            price_unit, price_subtotal, price_subtotal_incl, discount,
                                            create_uid, create_date, write_uid, write_date)
                SELECT p.id, %(company)s, %(product)s, 'Bench line', 'Benchmark service', 1,
                       p.line_amount, p.line_amount, p.line_amount, 0,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM bench_pos p, generate_series(1, p.lines)
                """,
                params,
            )
        # Statistics of the fresh rows, else the planner joins the refunds to the lines blindly.
        cr.execute("ANALYZE pos_order; ANALYZE pos_order_line")
        with self.step("insert POS refunds (half of them full)"):
            # A refund order per refunded order, its lines pointing at the refunded lines:
            # the full refunds return every line, the partial ones the first line.
            cr.execute(
                """
                CREATE TEMP TABLE bench_refund ON COMMIT DROP AS
                SELECT p.id AS order_id, p.partner_id, p.date_order + interval '2 days' AS date_order,
                       p.refund_draw < %(refund_share)s / 2 AS full_refund
                  FROM bench_pos p
                 WHERE p.refund_draw < %(refund_share)s;
                WITH ins AS (
                    INSERT INTO pos_order (session_id, company_id, partner_id, name, date_order, state,
                                           amount_tax, amount_total, amount_paid, amount_return,
                                           pricelist_id, create_uid, create_date, write_uid, write_date)
                    SELECT %(session)s, %(company)s, r.partner_id, 'Bench/R/' || r.order_id, r.date_order, 'paid',
                           0, 0, 0, 0, %(pricelist)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM bench_refund r
                 RETURNING id, name
                )
                INSERT INTO pos_order_line (order_id, company_id, product_id, name, full_product_name, qty,
                                            price_unit, price_subtotal, price_subtotal_incl, discount,
                                            refunded_orderline_id, create_uid, create_date, write_uid, write_date)
                SELECT ins.id, %(company)s, %(product)s, 'Bench refund', 'Benchmark service', -1,
                       sold.price_unit, -sold.price_subtotal, -sold.price_subtotal_incl, 0,
                       sold.id, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM bench_refund r
                  JOIN ins ON ins.name = 'Bench/R/' || r.order_id
                  JOIN LATERAL (
                        SELECT l.* FROM pos_order_line l WHERE l.order_id = r.order_id
                         ORDER BY l.id LIMIT CASE WHEN r.full_refund THEN 4 ELSE 1 END
                       ) sold ON true;
                UPDATE pos_order refund
                   SET amount_total = s.amount, amount_paid = s.amount
                  FROM (SELECT order_id, SUM(price_subtotal_incl) AS amount FROM pos_order_line
                         WHERE order_id IN (SELECT id FROM pos_order WHERE name LIKE 'Bench/R/%%')
                         GROUP BY order_id) s
                 WHERE refund.id = s.order_id;
                """,
                params,
            )
        picking = self.columns("sale_order")
        with self.step("insert sales orders"):
            cr.execute(
                SQL(
                    """
                    INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                            date_order, state, amount_untaxed, amount_tax, amount_total,
                                            pricelist_id, currency_id, create_uid, create_date, write_uid,
                                            write_date%(extra_cols)s)
                    SELECT 'BenchSO/' || o.rn, o.partner_id, o.partner_id, o.partner_id, %(company)s,
                           o.date_order, 'sale', o.lines * o.line_amount, 0, o.lines * o.line_amount,
                           %(pricelist)s, (SELECT currency_id FROM res_company WHERE id = %(company)s),
                           %(uid)s, %(now)s, %(uid)s, %(now)s%(extra_vals)s
                      FROM bench_order o
                     WHERE o.is_sale
                    """,
                    # sale_stock's required column, when it is installed
                    extra_cols=SQL(", picking_policy") if "picking_policy" in picking else SQL(""),
                    extra_vals=SQL(", 'direct'") if "picking_policy" in picking else SQL(""),
                    company=params["company"],
                    pricelist=params["pricelist"] or None,
                    uid=params["uid"],
                    now=now,
                )
            )
        with self.step("earned ledger lines (one per POS order) and spending"):
            cr.execute(
                """
                INSERT INTO clinic_loyalty_ledger (card_id, partner_id, program_id, company_id, kind, points, date,
                                                   user_id, reason, remaining_points, expired_points, amount,
                                                   balance_after, create_uid, create_date, write_uid, write_date)
                SELECT c.id, c.partner_id, %(program)s, %(company)s,
                       CASE WHEN p.refund_draw > 0.8 THEN 'spend' ELSE 'earn' END,
                       CASE WHEN p.refund_draw > 0.8 THEN -floor(p.amount_total / 40)
                            ELSE floor(p.amount_total / 20) END,
                       p.date_order, %(uid)s, 'Benchmark', 0, 0, p.amount_total, 0,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM bench_pos p
                  JOIN loyalty_card c ON c.partner_id = p.partner_id AND c.program_id = %(program)s
                """,
                params,
            )
        with self.step("ANALYZE"):
            for table in (
                "res_partner",
                "loyalty_card",
                "pos_order",
                "pos_order_line",
                "sale_order",
                "clinic_loyalty_ledger",
            ):
                cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        self.cr.execute("SELECT COUNT(*) FROM pos_order_line WHERE name LIKE 'Bench%%'")
        pos_lines = self.cr.fetchone()[0]
        self.cr.execute("SELECT COUNT(*) FROM pos_order WHERE name LIKE 'Bench/%%'")
        pos_orders = self.cr.fetchone()[0]
        self.cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BenchSO/%%'")
        sales = self.cr.fetchone()[0]
        self.cr.execute("SELECT COUNT(*) FROM bench_refund")
        refunds = self.cr.fetchone()[0]
        self.log(
            f"  Generated: {n} patients, {pos_orders} POS orders ({refunds} refunds) with {pos_lines} lines, "
            f"{sales} sales orders (1 to 4 lines each, counted by their totals)"
        )
        self.record("generated", f"{n} patients, {pos_lines} POS lines, {pos_orders} POS orders, {sales} sales orders")

    def timed(self, label, func):
        env, cr = self.env, self.cr
        env.flush_all()
        env.invalidate_all()
        queries = cr.sql_log_count
        start = time.perf_counter()
        result = func()
        env.flush_all()
        seconds = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        self.log(f"  {label}: {seconds:.2f} s, {queries} queries")
        self.record(label, f"{seconds:.2f} s, {queries} queries")
        return result

    def bench_metrics(self):
        # Imported once Odoo's configuration has set the addons path.
        from odoo.addons.clinic_loyalty.tools.visits import visits_query

        Metric = self.env["clinic.loyalty.metric"]
        today = fields.Date.context_today(Metric)
        first = today.replace(day=1) - relativedelta(months=1)
        last = today.replace(day=1) - relativedelta(days=1)
        self.timed(
            "0. the visits alone (tools/visits.py, all history)",
            lambda: self.cr.execute(SQL("SELECT COUNT(*) FROM (%s) v", visits_query(company_ids=self.company.ids))),
        )
        rows = self.timed(
            f"1. metrics of one month ({first:%Y-%m})", lambda: Metric._clinic_recompute(self.company, first, last)
        )
        headline = rows.filtered(lambda row: row.group_type == "all")[:1]
        self.log(
            f"     all patients: {headline.patients_start} at start, {headline.patients_end} at end, "
            f"{headline.paying_patients} paying, {headline.new_patients} new, {headline.visits} visits, "
            f"RPR {headline.repeat_purchase_rate:.1f} %, AOV {headline.average_order_value:.0f}, "
            f"CRR {headline.retention_rate:.1f} %, {headline.points_outstanding:.0f} points outstanding"
        )
        year_from = today.replace(day=1) - relativedelta(months=12)
        rows = self.timed(
            "2a. metrics of 12 months, month by month",
            lambda: Metric._clinic_recompute(self.company, year_from, last),
        )
        headline = rows.filtered(lambda row: row.group_type == "all").sorted("date_from")[-1:]
        self.timed(
            "2b. metrics of 12 months as one period",
            lambda: Metric._clinic_recompute(self.company, year_from, last, split_months=False),
        )
        self.timed("2c. dashboard summary (reads the stored rows)", lambda: headline._clinic_summary_html())

    def bench_segments(self):
        Partner = self.env["res.partner"]
        if not hasattr(Partner, "_clinic_compute_segments"):
            message = "skipped: res.partner._clinic_compute_segments does not exist in this code yet"
            self.log(f"  {message}")
            self.record("3. grades and RFM", message)
            return
        self.timed(
            "3. grades and RFM (res.partner._clinic_compute_segments)",
            lambda: Partner._clinic_compute_segments(self.company),
        )
        self.cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' "
            "AND column_name IN ('clinic_grade', 'clinic_rfm_segment')"
        )
        column = next(iter(row[0] for row in self.cr.fetchall()), None)
        if column:
            self.cr.execute(
                SQL(
                    "SELECT %s, COUNT(*) FROM res_partner JOIN bench_partner b ON b.partner_id = res_partner.id "
                    "GROUP BY 1 ORDER BY 1",
                    SQL.identifier(column),
                )
            )
            self.log(f"     {column}: " + ", ".join(f"{value} {count}" for value, count in self.cr.fetchall()))

    def run(self):
        args = self.args
        started = time.perf_counter()
        self.log(
            f"Database {self.cr.dbname}: {args.patients} patients, about {args.lines} order lines; "
            f"nproc {os.cpu_count()}"
        )
        self.log("Everything below runs in ONE transaction that is ROLLED BACK at the end: the database is unchanged.")
        self.check_schema()
        self.log("\n== Data generation (set-based SQL)")
        t0 = time.perf_counter()
        self.prepare()
        with self.generating():
            self.generate()
        self.record("data generation", f"{time.perf_counter() - t0:.1f} s")
        if args.committed:
            self.cr.commit_generated_data()
        self.log("\n== 1-2. Programme metrics")
        self.measure("metrics", self.bench_metrics)
        self.log("\n== 3. Grades and RFM")
        self.measure("segments", self.bench_segments)
        self.record("whole benchmark", f"{time.perf_counter() - started:.1f} s")
        width = max(len(label) for label, _value in self.summary)
        self.log("\n" + "=" * 78)
        self.log(f"SUMMARY (nproc {os.cpu_count()}, database {self.cr.dbname})")
        for label, value in self.summary:
            self.log(f"  {label.ljust(width)}  {value}")
        self.log_problems()
        self.log("=" * 78)


def main(argv=None):
    run_rolled_back(Bench, parse_args(argv))


if __name__ == "__main__":
    main()
