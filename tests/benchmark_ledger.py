"""Benchmark of the clinic loyalty ledger at production size (not a pytest test).

Fills a database with N patients, one card each, and M earned lots spread over the last
24 months, all with set-based SQL, then measures:

1. the expiry scheduler (``loyalty.card._cron_clinic_expire_lots``) until it has nothing left;
2. the tier recomputation (``loyalty.card._cron_clinic_recompute_tiers``), first run (every
   card gets its tier) and a steady-state rerun (every card checked again, little changes);
3. the queries and time of confirming a sales order of 1 and of 50 lines for a patient with a
   card, and of the points accrual alone (``sale.order._clinic_post_loyalty``).

Generated patients have no email unless ``--email-share`` says so: with emails, every tier
change queues a mail, which dominates the tier job (see its "mails queued" figure).

Everything runs in one transaction that is rolled back at the end: the database is left as it
was. The figures are somewhat pessimistic: rows inserted in the same transaction are checked
again by their foreign keys when updated, and no autovacuum/ANALYZE runs between two calls of
a job, as it could in production where each call commits.

Run it on a copy, never on production, since the rows are locked while it runs:

    createdb -T clinic_dev clinic_bench
    ~/.cache/clinic-loyalty/venv/bin/python tests/benchmark_ledger.py \\
        -c ~/.cache/clinic-loyalty/odoo-<hash>.conf -d clinic_bench --patients 100000 --lines 1000000
    dropdb clinic_bench

The database must have clinic_loyalty installed and up to date with the code (``-u
clinic_loyalty``); the script stops with the missing columns otherwise.
"""

import argparse
import sys
import time

from benchmark_common import BenchBase, run_rolled_back

from odoo import fields
from odoo.tools import SQL

# Models whose stored fields the benchmark writes or reads: their columns must exist.
CHECKED_MODELS = (
    "res.partner",
    "loyalty.program",
    "loyalty.card",
    "clinic.loyalty.ledger",
    "clinic.loyalty.lot.use",
    "clinic.loyalty.tier",
    "clinic.loyalty.tier.history",
    "sale.order",
    "sale.order.line",
)

DEFAULT_TIERS = (("Bronze", 0.0, 3.0), ("Silver", 50000.0, 5.0), ("Gold", 150000.0, 7.0))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database (a throw-away copy)")
    parser.add_argument("--patients", type=int, default=100000, help="patients (one card each) to generate")
    parser.add_argument("--lines", type=int, default=1000000, help="earned lots (ledger lines) to generate")
    parser.add_argument("--history-months", type=int, default=24, help="lots are dated over this many months")
    parser.add_argument(
        "--expired-share",
        type=float,
        default=0.10,
        help="share of the lots left open past their expiry date, for the expiry job (default 0.10)",
    )
    parser.add_argument(
        "--email-share",
        type=float,
        default=0.0,
        help="share of the generated patients with an email address (notifications are then queued "
        "for them, e.g. on tier changes); default 0",
    )
    parser.add_argument(
        "--year-end",
        action="store_true",
        help="every lot falls due the same day (clinics that expire points on a fixed date): all "
        "--lines lots are open and expired yesterday, for the expiry job",
    )
    parser.add_argument("--expiry-only", action="store_true", help="generate, run the expiry job, stop")
    parser.add_argument(
        "--committed",
        action="store_true",
        help="commit the generated data before measuring (as in production, where lots were written on "
        "earlier days; rows of the measured transaction itself are otherwise checked again by their "
        "foreign keys when a job updates them); the database keeps that data: drop it afterwards",
    )
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL random seed, -1..1")
    parser.add_argument("--expiry-batch", type=int, default=50000, help="the scheduled action's default")
    parser.add_argument("--tier-batch", type=int, default=50000)
    args = parser.parse_args(argv)
    if args.patients < 1 or args.lines < 1:
        parser.error("--patients and --lines must be positive")
    if not 0 <= args.expired_share <= 1 or not 0 <= args.email_share <= 1:
        parser.error("--expired-share and --email-share are between 0 and 1")
    return args


class Bench(BenchBase):
    checked_models = CHECKED_MODELS

    def __init__(self, env, args):
        super().__init__(env, args)

    # Set-up ----------------------------------------------------------------------------

    def prepare_program(self):
        env = self.env
        company = env.company
        program = company.clinic_loyalty_program_id
        if not program:
            sys.exit(f"{company.name} has no clinic loyalty programme (res.company.clinic_loyalty_program_id).")
        if not program.clinic_tier_ids:
            env["clinic.loyalty.tier"].create(
                [
                    {"program_id": program.id, "name": name, "threshold": threshold, "earn_rate": rate}
                    for name, threshold, rate in DEFAULT_TIERS
                ]
            )
            self.log(f"  The programme had no tiers: created {', '.join(t[0] for t in DEFAULT_TIERS)}.")
        env.flush_all()
        self.company = company
        self.program = program
        self.window = program.clinic_tier_window_months
        self.validity = program.clinic_points_validity_months or 12
        tiers = ", ".join(f"{t.name} {t.threshold:g} ({t.earn_rate:g}%)" for t in program.clinic_tier_ids)
        self.log(
            f"  Programme {program.name!r} (id {program.id}), company {company.name!r}: tiers {tiers}; "
            f"qualifying period {self.window or 'whole history'} months; points valid {self.validity} months"
        )

    def generate(self):
        args, cr = self.args, self.cr
        n, m = args.patients, args.lines
        uid = self.env.uid
        now = fields.Datetime.now()
        today = fields.Date.context_today(self.program)
        history = args.history_months
        if history <= self.validity:
            sys.exit(f"--history-months must exceed the points validity ({self.validity} months)")
        # Lots older than the validity are past their expiry date; keep this share of them open
        # so that --expired-share of all lots is left for the expiry job. The others were used:
        # one 'spend' line per card takes them, so the balance stays the sum of the ledger and
        # the sum of the open lots.
        old_share = (history - self.validity) / history
        keep_open = min(1.0, args.expired_share / old_share)
        params = {
            "n": n,
            "m": m,
            "uid": uid,
            "now": now,
            "today": today,
            "company": self.company.id,
            "program": self.program.id,
            "history": f"{history} months",
            "validity": f"{self.validity} months",
            "keep_open": keep_open,
            "year_end": args.year_end,
            "email_share": args.email_share,
            "rate": 5.0,
        }
        cr.execute("SELECT setseed(%s)", [args.seed])

        # Patients. Columns that the ORM fills with defaults are set when the table has them.
        email = SQL("s.email")
        optional = {
            "email": email,
            "email_normalized": email,
            "lang": "en_US",
            "is_company": False,
            "partner_share": True,
            "autopost_bills": "ask",
            "clinic_consent_reminders": True,
            "color": 0,
            "customer_rank": 0,
            "supplier_rank": 0,
            "message_bounce": 0,
            "invoice_warn": "no-message",
            "sale_warn": "no-message",
            "picking_warn": "no-message",
        }
        present = self.columns("res_partner")
        extra = {col: value for col, value in optional.items() if col in present}
        extra_cols = SQL("").join(SQL(", %s", SQL.identifier(col)) for col in extra)
        extra_vals = SQL("").join(SQL(", %s", value) for value in extra.values())
        with self.step(f"insert {n} patients (res_partner)"):
            cr.execute("CREATE TEMP TABLE bench_card (rn int PRIMARY KEY, card_id int, partner_id int)")
            cr.execute("CREATE TEMP TABLE bench_partner (rn int PRIMARY KEY, partner_id int)")
            cr.execute(
                SQL(
                    """
                    WITH ins AS (
                        INSERT INTO res_partner (id, commercial_partner_id, name, complete_name, type, active,
                                                 is_patient, company_id, create_uid, create_date, write_uid,
                                                 write_date%(extra_cols)s)
                        SELECT s.id, s.id, s.name, s.name, 'contact', true, true,
                               %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s%(extra_vals)s
                          FROM (SELECT nextval('res_partner_id_seq') AS id, 'Bench Patient ' || g AS name,
                                       CASE WHEN random() < %(email_share)s
                                            THEN 'bench.patient.' || g || '@example.com' END AS email
                                  FROM generate_series(1, %(n)s) g) s
                     RETURNING id
                    )
                    INSERT INTO bench_partner (rn, partner_id)
                    SELECT row_number() OVER (ORDER BY id), id FROM ins
                    """,
                    extra_cols=extra_cols,
                    extra_vals=extra_vals,
                    company=params["company"],
                    uid=uid,
                    now=now,
                    email_share=args.email_share,
                    n=n,
                )
            )
        with self.step(f"insert {n} loyalty cards"):
            cr.execute(
                """
                WITH ins AS (
                    INSERT INTO loyalty_card (program_id, partner_id, company_id, code, points, active,
                                              create_uid, create_date, write_uid, write_date)
                    SELECT %(program)s, p.partner_id, %(company)s, 'B' || p.partner_id, 0, true,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM bench_partner p
                  ORDER BY p.rn
                 RETURNING id, partner_id
                )
                INSERT INTO bench_card (rn, card_id, partner_id)
                SELECT row_number() OVER (ORDER BY id), id, partner_id FROM ins
                """,
                params,
            )
            cr.execute("ANALYZE bench_card")
        with self.step(f"draw {m} lots (temporary table)"):
            cr.execute(
                """
                CREATE TEMP TABLE bench_lot AS
                SELECT c.card_id, c.partner_id, x.date, x.amount,
                       floor(x.amount * %(rate)s / 100.0)::float AS points,
                       CASE WHEN %(year_end)s THEN %(today)s::date - 1
                            ELSE (x.date + %(validity)s::interval)::date END AS expiry_date,
                       %(year_end)s OR (x.date + %(validity)s::interval)::date >= %(today)s OR x.keep AS open
                  FROM (SELECT 1 + floor(random() * %(n)s)::int AS rn,
                               date_trunc('second', %(now)s - random() * %(history)s::interval) AS date,
                               round((500 + random() * 19500)::numeric)::float AS amount,
                               random() < %(keep_open)s AS keep
                          FROM generate_series(1, %(m)s)) x
                  JOIN bench_card c ON c.rn = x.rn
                """,
                params,
            )
        with self.step(f"insert {m} earned lots + one spend line per card that used its old lots"):
            # Ids follow the dates, as in a real ledger; balance_after is the running balance.
            # The patient who earned is the card holder (when the ledger records it).
            with_patient = "patient_id" in self.columns("clinic_loyalty_ledger")
            cr.execute(
                SQL(
                    """
                    INSERT INTO clinic_loyalty_ledger (
                        card_id, partner_id, program_id, company_id, kind, points, date, user_id, reason,
                        remaining_points, expiry_date, amount, balance_after, source_key,
                        create_uid, create_date, write_uid, write_date%(patient_col)s)
                    SELECT u.card_id, u.partner_id, %(program)s, %(company)s, u.kind, u.points, u.date, %(uid)s,
                           u.reason, u.remaining_points, u.expiry_date, u.amount,
                           SUM(u.points) OVER (PARTITION BY u.card_id ORDER BY u.date, u.kind, u.points
                                               ROWS UNBOUNDED PRECEDING),
                           NULL, %(uid)s, %(now)s, %(uid)s, %(now)s%(patient_val)s
                      FROM (SELECT card_id, partner_id, 'earn' AS kind, points, date, 'Benchmark visit' AS reason,
                                   CASE WHEN open THEN points ELSE 0 END AS remaining_points, expiry_date, amount
                              FROM bench_lot
                            UNION ALL
                            SELECT card_id, MIN(partner_id), 'spend', -SUM(points),
                                   date_trunc('second', %(now)s - %(validity)s::interval), 'Benchmark: points used',
                                   0, NULL, 0
                              FROM bench_lot
                             WHERE NOT open
                          GROUP BY card_id
                            HAVING SUM(points) > 0) u
                  ORDER BY u.date, u.card_id
                    """,
                    patient_col=SQL(", patient_id") if with_patient else SQL(""),
                    patient_val=SQL(", u.partner_id") if with_patient else SQL(""),
                    **{key: params[key] for key in ("program", "company", "uid", "now", "validity")},
                )
            )
            self.spend_lines = cr.rowcount - m
        with self.step("set each card's balance to the sum of its ledger (one UPDATE)"):
            cr.execute(
                """
                UPDATE loyalty_card card
                   SET points = s.points
                  FROM (SELECT l.card_id, SUM(l.points) AS points
                          FROM clinic_loyalty_ledger l
                          JOIN bench_card c ON c.card_id = l.card_id
                      GROUP BY l.card_id) s
                 WHERE card.id = s.card_id
                """
            )
        with self.step("ANALYZE"):
            for table in ("res_partner", "loyalty_card", "clinic_loyalty_ledger", "clinic_loyalty_lot_use"):
                cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        cr.execute(
            """
            SELECT COUNT(*), COUNT(*) FILTER (WHERE open AND expiry_date < %(today)s),
                   COUNT(*) FILTER (WHERE NOT open), COUNT(DISTINCT card_id),
                   SUM(amount) FILTER (WHERE date >= %(now)s - interval '12 months') / %(n)s
              FROM bench_lot
            """,
            params,
        )
        lots, expired, used, cards, avg_year = cr.fetchone()
        self.expected_expired = expired
        self.log(
            f"  Generated: {n} patients/cards ({cards} with lots), {lots} earned lots "
            f"({expired} open past expiry = {100.0 * expired / lots:.1f}%, {used} old lots used), "
            f"{self.spend_lines} spend lines; average spend over the last 12 months {avg_year:.0f} per card; "
            f"{self.scalar('SELECT COUNT(*) FROM res_partner WHERE email LIKE %s', ['bench.patient.%'])} "
            "patients with an email"
        )
        self.env.invalidate_all()

    def check_balances(self, label):
        mismatches = self.scalar(
            """
            SELECT COUNT(*) FROM bench_card c
              JOIN loyalty_card card ON card.id = c.card_id
             WHERE abs(card.points - (SELECT COALESCE(SUM(points), 0) FROM clinic_loyalty_ledger l
                                       WHERE l.card_id = c.card_id)) > 0.005
                OR abs(card.points - (SELECT COALESCE(SUM(remaining_points), 0) FROM clinic_loyalty_ledger l
                                       WHERE l.card_id = c.card_id AND remaining_points > 0)) > 0.005
            """
        )
        self.log(f"  Check {label}: {mismatches} card(s) whose balance differs from its ledger or open lots")
        if mismatches:
            self.problems.append(f"{label}: {mismatches} card balances differ from their ledger / open lots")

    def outbox(self):
        mails = self.scalar("SELECT COUNT(*) FROM mail_mail")
        sms = self.scalar("SELECT COUNT(*) FROM sms_sms") if self.columns("sms_sms") else 0
        return mails, sms

    # Measurements ----------------------------------------------------------------------

    def bench_expiry(self):
        Card = self.env["loyalty.card"]
        today = fields.Date.context_today(Card)
        before = self.scalar("SELECT COUNT(*) FROM clinic_loyalty_ledger WHERE kind = 'expire'")
        calls, expired, times = 0, 0, []
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            done = Card._cron_clinic_expire_lots(batch_size=self.args.expiry_batch)
            times.append(time.perf_counter() - t0)
            calls += 1
            expired += done
            if not done:
                break
            if calls > 10000:
                raise RuntimeError("the expiry job still reports work after 10000 calls")
        self.env.flush_all()
        total = time.perf_counter() - start
        lines = self.scalar("SELECT COUNT(*) FROM clinic_loyalty_ledger WHERE kind = 'expire'") - before
        left = self.scalar(
            "SELECT COUNT(*) FROM clinic_loyalty_ledger WHERE remaining_points > 0 AND expiry_date < %s", [today]
        )
        self.log(
            f"  {total:.2f} s, {expired} lots expired in {calls} calls (expected about {self.expected_expired}); "
            f"{lines} expiry lines written; {left} lots still open past expiry"
        )
        self.log("  per call (s): " + ", ".join(f"{t:.2f}" for t in times))
        self.record("1. expiry run", f"{total:.2f} s, {expired} lots expired, {calls} calls")
        self.check_balances("after expiry")
        # Exact per lot: what a card's expiry lines burnt is what its lots record as expired.
        inexact = self.scalar(
            """
            SELECT COUNT(*) FROM (
                SELECT card_id FROM clinic_loyalty_ledger
                 WHERE kind = 'expire' OR expired_points <> 0
              GROUP BY card_id
                HAVING abs(SUM(CASE WHEN kind = 'expire' THEN points ELSE 0 END) + SUM(expired_points)) > 0.005
            ) cards
            """
        )
        self.log(f"  Check per lot: {inexact} card(s) whose expiry lines differ from what their lots lost")
        if inexact:
            self.problems.append(f"expiry: {inexact} cards' expiry lines differ from their lots")
        if left:
            self.problems.append(f"expiry: {left} lots are still open past their expiry date")

    def _tier_run(self, label):
        Card = self.env["loyalty.card"]
        history_before = self.scalar("SELECT COUNT(*) FROM clinic_loyalty_tier_history")
        mails_before, sms_before = self.outbox()
        calls, cards, times = 0, 0, []
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            done = Card._cron_clinic_recompute_tiers(batch_size=self.args.tier_batch)
            times.append(time.perf_counter() - t0)
            calls += 1
            cards += done
            if not done:
                break
            if calls > 10000:
                raise RuntimeError("the tier job still reports work after 10000 calls")
        self.env.flush_all()
        total = time.perf_counter() - start
        changes = self.scalar("SELECT COUNT(*) FROM clinic_loyalty_tier_history") - history_before
        mails, sms = self.outbox()
        self.log(
            f"  {total:.2f} s, {cards} cards processed in {calls} calls, {changes} tier changes recorded, "
            f"{mails - mails_before} mails and {sms - sms_before} SMS queued"
        )
        self.log("  per call (s): " + ", ".join(f"{t:.2f}" for t in times))
        self.record(
            label, f"{total:.2f} s, {cards} cards, {calls} calls, {changes} tier changes, {mails - mails_before} mails"
        )
        return total

    def bench_tiers(self):
        before = fields.Datetime.now()
        self._tier_run("2. tier recomputation (first run)")
        after = fields.Datetime.now()
        self.cr.execute(
            """
            SELECT COALESCE(tier.name->>'en_US', '(none)'), COUNT(*)
              FROM bench_card c
              JOIN loyalty_card card ON card.id = c.card_id
         LEFT JOIN clinic_loyalty_tier tier ON tier.id = card.clinic_tier_id
          GROUP BY 1 ORDER BY 1
            """
        )
        self.log("  Generated cards per tier: " + ", ".join(f"{name} {count}" for name, count in self.cr.fetchall()))
        # The job took the period from its own clock: a line dated between the start and
        # the end of the run may count or not, so a card is wrong when it matches neither.
        wrong = self.scalar(
            """
            SELECT COUNT(*) FROM (
                SELECT card.clinic_qualifying_spend AS stored,
                       COALESCE(SUM(l.amount) FILTER (WHERE l.date >= %(before)s::timestamp - %(window)s::interval), 0)
                           AS early,
                       COALESCE(SUM(l.amount) FILTER (WHERE l.date >= %(after)s::timestamp - %(window)s::interval), 0)
                           AS late
                  FROM bench_card c
                  JOIN loyalty_card card ON card.id = c.card_id
             LEFT JOIN clinic_loyalty_ledger l ON l.card_id = c.card_id AND l.amount <> 0
              GROUP BY card.id
            ) s
             WHERE abs(stored - early) > 0.01 AND abs(stored - late) > 0.01
            """,
            {"before": before, "after": after, "window": f"{self.window or 1200} months"},
        )
        self.log(f"  Check: {wrong} card(s) whose qualifying spend differs from the ledger over the period")
        if wrong:
            self.problems.append(f"tiers: {wrong} cards' qualifying spend differs from their ledger")

    def bench_tiers_rerun(self):
        # The nightly run of the next day: every card is due again, (almost) nothing changes.
        self.cr.execute(
            """
            UPDATE loyalty_card card SET clinic_tier_checked_on = clinic_tier_checked_on - 1
              FROM bench_card c WHERE card.id = c.card_id
            """
        )
        self.env.invalidate_all()
        self._tier_run("2b. tier recomputation (steady-state rerun)")

    def prepare_orders(self):
        env = self.env
        self.product = env["product.product"].create(
            {"name": "Benchmark consultation", "type": "service", "list_price": 1000.0}
        )
        # A generated patient from the middle of the list; an email so that the
        # "points earned" notice is queued as for a real patient.
        self.cr.execute(
            """
            SELECT c.card_id, c.partner_id, (SELECT COUNT(*) FROM clinic_loyalty_ledger l WHERE l.card_id = c.card_id)
              FROM bench_card c
             WHERE c.rn = (SELECT MAX(rn) / 2 + 1 FROM bench_card)
            """
        )
        card_id, partner_id, n_lines = self.cr.fetchone()
        self.cr.execute(
            """
            UPDATE res_partner SET email = COALESCE(email, 'bench.buyer@example.com'),
                                   email_normalized = COALESCE(email_normalized, 'bench.buyer@example.com')
             WHERE id = %s
            """,
            [partner_id],
        )
        env.invalidate_all()
        self.card = env["loyalty.card"].browse(card_id)
        self.partner = env["res.partner"].browse(partner_id)
        self.log(
            f"  Patient {self.partner.name} (id {partner_id}), card {self.card.code} with {n_lines} ledger lines, "
            f"balance {self.card.points:g}, tier {self.card.clinic_tier_id.name or '-'}"
        )

    def new_order(self, lines):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1.0}) for _i in range(lines)],
            }
        )
        self.env.flush_all()
        return order

    def count(self, func):
        """(queries, seconds) of ``func`` followed by a flush, from a cold record cache."""
        env, cr = self.env, self.cr
        env.flush_all()
        env.invalidate_all()
        queries = cr.sql_log_count
        start = time.perf_counter()
        func()
        env.flush_all()
        return cr.sql_log_count - queries, time.perf_counter() - start

    def earned(self, order):
        self.cr.execute(
            "SELECT COALESCE(SUM(points), 0), COUNT(*) FROM clinic_loyalty_ledger WHERE sale_order_id = %s",
            [order.id],
        )
        return self.cr.fetchone()

    def side_effects(self, order, mails_before, tier_before):
        """What else the measured call did: mails queued, tier change of the card."""
        points, ledger = self.earned(order)
        mails = self.outbox()[0] - mails_before
        tier_after = self.card.clinic_tier_id.name or "-"
        tier = f"tier {tier_before} -> {tier_after}" if tier_after != tier_before else f"tier stays {tier_after}"
        return f"{ledger} ledger line(s), {points:g} points, {mails} mail(s) queued, {tier}"

    def bench_confirm(self, lines, label, warmup=False):
        order = self.new_order(lines)
        mails, tier = self.outbox()[0], self.card.clinic_tier_id.name or "-"
        queries, seconds = self.count(order.action_confirm)
        _points, ledger = self.earned(order)
        effects = self.side_effects(order, mails, tier)
        self.log(
            f"  {label}: {queries} queries, {seconds * 1000:.0f} ms (order {order.name}, state {order.state}, "
            f"{effects})"
        )
        if not warmup:
            self.record(label, f"{queries} queries, {seconds * 1000:.0f} ms ({effects})")
        if order.state == "sale" and not ledger:
            self.problems.append(f"{label}: the confirmed order wrote no ledger line")

    def bench_accrual(self, lines, label):
        order = self.new_order(lines)
        order.write({"state": "sale"})
        self.env.flush_all()
        mails, tier = self.outbox()[0], self.card.clinic_tier_id.name or "-"
        queries, seconds = self.count(order._clinic_post_loyalty)
        effects = self.side_effects(order, mails, tier)
        self.log(f"  {label}: {queries} queries, {seconds * 1000:.0f} ms ({effects})")
        self.record(label, f"{queries} queries, {seconds * 1000:.0f} ms ({effects})")

    def bench_orders(self):
        self.prepare_orders()
        # The first confirmation fills Odoo's caches (templates, sequences, ...): not counted.
        self.measure("warm-up confirmation", lambda: self.bench_confirm(1, "warm-up confirm, 1 line", warmup=True))
        self.measure("confirm 1 line", lambda: self.bench_confirm(1, "3a. action_confirm, 1 line"))
        self.measure("confirm 50 lines", lambda: self.bench_confirm(50, "3b. action_confirm, 50 lines"))
        self.measure("accrual 1 line", lambda: self.bench_accrual(1, "3c. _clinic_post_loyalty, 1 line"))
        self.measure("accrual 50 lines", lambda: self.bench_accrual(50, "3d. _clinic_post_loyalty, 50 lines"))

    def run(self):
        args = self.args
        started = time.perf_counter()
        self.log(f"Database {self.cr.dbname}: {args.patients} patients, {args.lines} ledger lines")
        self.log("Everything below runs in ONE transaction that is ROLLED BACK at the end: the database is unchanged.")
        self.check_schema()
        self.log("\n== Data generation (set-based SQL)")
        t0 = time.perf_counter()
        self.prepare_program()
        with self.generating():
            self.generate()
        generation = time.perf_counter() - t0
        if args.committed:
            self.cr.commit_generated_data()
            self.log("  generated data committed (--committed)")
        self.record("data generation", f"{generation:.1f} s")
        self.check_balances("after generation")

        self.log(f"\n== 1. Expiry job: _cron_clinic_expire_lots(batch_size={args.expiry_batch}) until it returns 0")
        self.measure("expiry", self.bench_expiry)
        if args.expiry_only:
            self.log_summary(started)
            return
        self.log(f"\n== 2. Tier job: _cron_clinic_recompute_tiers(batch_size={args.tier_batch}) until it returns 0")
        self.measure("tier recomputation", self.bench_tiers)
        self.log("\n== 2b. Tier job again, every card due (the next night's run)")
        self.measure("tier recomputation rerun", self.bench_tiers_rerun)
        self.log("\n== 3. Sales orders of a generated patient")
        self.measure("sales orders", self.bench_orders)

        self.log_summary(started)

    def log_summary(self, started):
        args = self.args
        self.record("whole benchmark", f"{time.perf_counter() - started:.1f} s")
        width = max(len(label) for label, _value in self.summary)
        self.log("\n" + "=" * 78)
        self.log(f"SUMMARY ({args.patients} patients, {args.lines} lines, database {self.cr.dbname})")
        for label, value in self.summary:
            self.log(f"  {label.ljust(width)}  {value}")
        self.log_problems()
        self.log("=" * 78)


def main(argv=None):
    run_rolled_back(Bench, parse_args(argv))


if __name__ == "__main__":
    main()
