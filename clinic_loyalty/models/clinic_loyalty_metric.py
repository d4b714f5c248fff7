from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date, formatLang

from ..tools.visits import visits_query

METRIC_GROUPS = [
    ("all", "All Patients"),
    ("pilot", "Pilot Group"),
    ("rest", "Rest"),
]
METRIC_PHASES = [
    ("none", "No Launch Date"),
    ("before", "Before Launch"),
    ("launch", "Launch Period"),
    ("after", "After Launch"),
]
# Figures of a row, in the order the SQL returns them.
VISIT_FIGURES = (
    "patients_start",
    "patients_end",
    "paying_patients",
    "repeat_patients",
    "new_patients",
    "visits",
    "revenue",
)
POINT_FIGURES = (
    "points_start",
    "points_issued",
    "points_spent",
    "points_expired",
    "points_adjusted",
    "points_reversed",
    "points_outstanding",
)


class ClinicLoyaltyMetric(models.Model):
    """Programme figures of one company, one period and one group of patients.

    Rows are written only by the server (``_clinic_recompute``), set-based from the visits
    (``tools/visits.py``) and the points ledger; managers read them in pivot, graph and the
    dashboard. A period is a calendar month, or any range a manager recomputes as one period.
    """

    _name = "clinic.loyalty.metric"
    _description = "Loyalty Programme Metrics"
    _order = "date_from desc, company_id, group_type"
    _rec_name = "period_label"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_type = fields.Selection(
        [("month", "Month"), ("range", "Custom Range")], required=True, readonly=True, default="month"
    )
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    period_label = fields.Char(string="Period", required=True, readonly=True)
    group_type = fields.Selection(
        METRIC_GROUPS,
        string="Group",
        required=True,
        readonly=True,
        help="All patients, the pilot group (patients with the company's pilot tag) or the rest.",
    )
    phase = fields.Selection(
        METRIC_PHASES,
        compute="_compute_phase",
        store=True,
        help="Whether the period lies before or after the programme's launch date; a period that "
        "contains the launch date is the launch period.",
    )
    patients_start = fields.Integer(
        string="Patients at Start",
        readonly=True,
        aggregator="sum",
        help="Patients with a paid visit in the months before the period.",
    )
    patients_end = fields.Integer(
        string="Patients at End",
        readonly=True,
        help="Patients with a paid visit in the months up to the end of the period.",
    )
    paying_patients = fields.Integer(readonly=True, help="Patients with at least one paid visit in the period.")
    repeat_patients = fields.Integer(readonly=True, help="Patients with two or more paid visits in the period.")
    new_patients = fields.Integer(readonly=True, help="Patients whose first paid visit ever falls in the period.")
    visits = fields.Integer(
        readonly=True, help="Paid visits, net of refunds: a patient's orders of one day are one visit."
    )
    revenue = fields.Monetary(readonly=True, help="Amount paid in the period's visits, net of refunds, taxes included.")
    repeat_purchase_rate = fields.Float(
        string="Repeat Purchase Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Patients with 2+ paid visits in the period / patients with at least one, in %.",
    )
    average_order_value = fields.Monetary(
        readonly=True, aggregator="avg", help="Net amount paid in the period / visits in the period."
    )
    retention_rate = fields.Float(
        string="Customer Retention Rate (%)",
        readonly=True,
        aggregator="avg",
        help="(Patients at end - new patients) / patients at start, in %; 0 without patients at start.",
    )
    points_start = fields.Float(
        string="Points at Start",
        readonly=True,
        aggregator="max",
        help="Points on the cards the day before the period starts.",
    )
    points_issued = fields.Float(readonly=True, help="Points earned in the period.")
    points_spent = fields.Float(readonly=True, help="Points spent in the period.")
    points_expired = fields.Float(readonly=True, help="Points expired in the period.")
    points_adjusted = fields.Float(
        string="Points Adjusted", readonly=True, help="Manual adjustments of balances in the period (net)."
    )
    points_reversed = fields.Float(
        string="Points Reversed",
        readonly=True,
        help="Points given back or taken back by refunds and cancellations in the period (net).",
    )
    points_outstanding = fields.Float(
        readonly=True, aggregator="max", help="Points on the cards at the end of the period."
    )
    liability = fields.Monetary(
        string="Outstanding Liability",
        readonly=True,
        aggregator="max",
        help="Outstanding points valued at the programme's money per point.",
    )

    _sql_constraints = [
        (
            "period_group_uniq",
            "UNIQUE(company_id, period_type, date_from, date_to, group_type)",
            "The figures of a period and group are stored once.",
        )
    ]

    @api.depends("date_from", "date_to", "company_id.clinic_program_launch_date")
    def _compute_phase(self):
        for row in self:
            launch = row.company_id.clinic_program_launch_date
            if not launch:
                row.phase = "none"
            elif row.date_to < launch:
                row.phase = "before"
            elif row.date_from >= launch:
                row.phase = "after"
            else:
                row.phase = "launch"

    # Computation ------------------------------------------------------------------------

    @api.model
    def _clinic_months(self, date_from, date_to):
        """The calendar months that overlap ``date_from``..``date_to``, as (first day, last day)."""
        month = date_from.replace(day=1)
        months = []
        while month <= date_to:
            months.append((month, month + relativedelta(months=1, days=-1)))
            month += relativedelta(months=1)
        return months

    @api.model
    def _clinic_compute_figures(self, company, periods):
        """Figures of ``company`` for each period (a list of (date_from, date_to), both
        included): ``{(index, group_type): {figure: value}}`` for groups all, and pilot and
        rest when the company has a pilot tag. Three queries, whatever the number of periods
        and patients."""
        result = {}
        if not periods:
            return result
        pilot_tag = company.clinic_pilot_tag_id
        groups = ["all", "pilot", "rest"] if pilot_tag else ["all"]
        for index in range(len(periods)):
            for group in groups:
                result[index, group] = dict.fromkeys(VISIT_FIGURES + POINT_FIGURES, 0)
        starts = [period[0] for period in periods]
        ends = [period[1] for period in periods]
        window = f"{company.clinic_active_patient_months or 12} months"
        common = {
            "starts": starts,
            "ends": ends,
            "tag": pilot_tag.id or 0,
        }
        periods_sql = SQL(
            """periods AS (
                   SELECT p.date_from, p.date_to, (p.idx - 1)::int AS idx
                     FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS p(date_from, date_to, idx)
               ), pilot AS (
                   SELECT partner_id FROM res_partner_res_partner_category_rel WHERE category_id = %(tag)s
               )""",
            **common,
        )
        cr = self.env.cr
        # The orders, refunds and ledger lines of this transaction must be in the tables
        # the SQL below reads: pending ORM writes would count as nothing.
        self.env.flush_all()
        # Every visit up to the last day: a patient's first visit ever decides whether they
        # are new; the per-period join only reads the window before each period.
        cr.execute(
            SQL(
                """
                WITH %(periods)s,
                -- Every visit up to the last day, with the patient's first visit ever and
                -- pilot flag on each row: no join left for the planner to get wrong at
                -- 100,000 patients (the pilot test is a hashed subplan).
                visits AS MATERIALIZED (
                    SELECT v.partner_id, v.day, v.amount,
                           MIN(v.day) OVER (PARTITION BY v.partner_id) AS first_day,
                           v.partner_id IN (SELECT partner_id FROM pilot) AS is_pilot
                      FROM (%(visits)s) v
                ),
                per_patient AS (
                    SELECT p.idx, v.partner_id, bool_or(v.is_pilot) AS is_pilot,
                           MIN(v.first_day) >= p.date_from AS is_new,
                           bool_or(v.day < p.date_from) AS at_start,
                           bool_or(v.day >= (p.date_to + 1 - %(window)s::interval)::date) AS at_end,
                           COUNT(*) FILTER (WHERE v.day >= p.date_from) AS visits,
                           COALESCE(SUM(v.amount) FILTER (WHERE v.day >= p.date_from), 0) AS revenue
                      FROM periods p
                      JOIN visits v ON v.day >= (p.date_from - %(window)s::interval)::date AND v.day <= p.date_to
                     GROUP BY p.idx, p.date_from, v.partner_id
                )
                SELECT idx, GROUPING(is_pilot) = 1, is_pilot,
                       COUNT(*) FILTER (WHERE at_start),
                       COUNT(*) FILTER (WHERE at_end),
                       COUNT(*) FILTER (WHERE visits > 0),
                       COUNT(*) FILTER (WHERE visits > 1),
                       COUNT(*) FILTER (WHERE is_new),
                       COALESCE(SUM(visits), 0),
                       COALESCE(SUM(revenue), 0)::float
                  FROM per_patient
              GROUP BY GROUPING SETS ((idx), (idx, is_pilot))
                """,
                visits=visits_query(company_ids=[company.id], date_to=max(ends)),
                periods=periods_sql,
                window=window,
            )
        )
        for idx, is_all, is_pilot, *figures in cr.fetchall():
            group = "all" if is_all else ("pilot" if is_pilot else "rest")
            if (idx, group) in result:
                result[idx, group].update(zip(VISIT_FIGURES, figures, strict=True))

        program = company.clinic_loyalty_program_id
        if program:
            # Per day, kind and group first (a few thousand rows), then per period: the
            # outstanding points at the end of a period are every line up to its last day.
            cr.execute(
                SQL(
                    """
                    WITH %(periods)s,
                    per_day AS (
                        SELECT (l.date)::date AS day, l.kind,
                               COALESCE(l.patient_id, l.partner_id) IN (SELECT partner_id FROM pilot) AS is_pilot,
                               SUM(l.points)::float AS points
                          FROM clinic_loyalty_ledger l
                         WHERE l.program_id = %(program)s AND l.date < %(end)s::date + 1
                      GROUP BY 1, 2, 3
                    )
                    SELECT p.idx, GROUPING(d.is_pilot) = 1, d.is_pilot,
                           COALESCE(SUM(d.points) FILTER (WHERE d.day < p.date_from), 0),
                           COALESCE(SUM(d.points) FILTER (WHERE d.kind = 'earn' AND d.day >= p.date_from), 0),
                           COALESCE(-SUM(d.points) FILTER (WHERE d.kind = 'spend' AND d.day >= p.date_from), 0),
                           COALESCE(-SUM(d.points) FILTER (WHERE d.kind = 'expire' AND d.day >= p.date_from), 0),
                           COALESCE(SUM(d.points) FILTER (WHERE d.kind = 'adjust' AND d.day >= p.date_from), 0),
                           COALESCE(SUM(d.points) FILTER (WHERE d.kind = 'reversal' AND d.day >= p.date_from), 0),
                           COALESCE(SUM(d.points), 0)
                      FROM periods p
                      JOIN per_day d ON d.day <= p.date_to
                  GROUP BY GROUPING SETS ((p.idx), (p.idx, d.is_pilot))
                    """,
                    periods=periods_sql,
                    program=program.id,
                    end=max(ends),
                )
            )
            for idx, is_all, is_pilot, *figures in cr.fetchall():
                group = "all" if is_all else ("pilot" if is_pilot else "rest")
                if (idx, group) in result:
                    result[idx, group].update(zip(POINT_FIGURES, figures, strict=True))
        point_value = program._clinic_points_reward().discount if program else 0.0
        for values in result.values():
            values.update(self._clinic_rates(values, point_value))
        return result

    @api.model
    def _clinic_rates(self, values, point_value):
        """The ratios of a row's counts (see the fields' help for their definitions)."""
        return {
            "repeat_purchase_rate": (
                100.0 * values["repeat_patients"] / values["paying_patients"] if values["paying_patients"] else 0.0
            ),
            "average_order_value": values["revenue"] / values["visits"] if values["visits"] else 0.0,
            "retention_rate": (
                100.0 * (values["patients_end"] - values["new_patients"]) / values["patients_start"]
                if values["patients_start"]
                else 0.0
            ),
            "liability": values["points_outstanding"] * point_value,
        }

    @api.model
    def _clinic_recompute(self, companies, date_from, date_to, split_months=True):
        """Store the figures of ``companies`` for ``date_from``..``date_to``: one row per
        calendar month overlapping it (``split_months``) or one row for the range itself;
        rows of the same periods are replaced. Return the rows."""
        rows = self.browse()
        for company in companies:
            if split_months:
                periods = self._clinic_months(date_from, date_to)
                period_type = "month"
            else:
                periods = [(date_from, date_to)]
                period_type = "range"
            figures = self._clinic_compute_figures(company, periods)
            old = (
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("period_type", "=", period_type),
                        ("date_from", "in", [p[0] for p in periods]),
                    ]
                )
            )
            wanted = set(periods)
            old.filtered(lambda row, wanted=wanted: (row.date_from, row.date_to) in wanted).unlink()
            vals_list = []
            for (idx, group), values in sorted(figures.items()):
                start, end = periods[idx]
                label = start.strftime("%Y-%m") if period_type == "month" else f"{start} – {end}"
                vals_list.append(
                    {
                        "company_id": company.id,
                        "period_type": period_type,
                        "date_from": start,
                        "date_to": end,
                        "period_label": label,
                        "group_type": group,
                        **values,
                    }
                )
            rows |= self.sudo().create(vals_list)
        return rows.sudo(False)

    @api.model
    def _clinic_recompute_recent(self, companies=None, months=12):
        """Store the figures of the last ``months`` complete months and of the month in
        progress for ``companies`` (default: every company with a clinic programme): what
        the dashboard shows after install, on the demo clinic, or when nothing was computed."""
        if companies is None:
            companies = self.env["res.company"].sudo().search([("clinic_loyalty_program_id", "!=", False)])
        today = fields.Date.context_today(self)
        first = today.replace(day=1) - relativedelta(months=months)
        return self._clinic_recompute(companies, first, today)

    # Scheduled report -------------------------------------------------------------------

    @api.model
    def _cron_clinic_monthly_metrics(self):
        """Recompute last month for every company with a clinic programme and mail its
        figures to the company's loyalty managers."""
        today = fields.Date.context_today(self)
        first = today.replace(day=1) - relativedelta(months=1)
        last = today.replace(day=1) - relativedelta(days=1)
        companies = self.env["res.company"].search([("clinic_loyalty_program_id", "!=", False)])
        template = self.env.ref("clinic_loyalty.mail_template_clinic_metrics", raise_if_not_found=False)
        group = self.env.ref("clinic_loyalty.group_clinic_loyalty_manager")
        for company in companies:
            rows = self._clinic_recompute(company, first, last)
            headline = rows.filtered(lambda row: row.group_type == "all")[:1]
            managers = group.users.filtered(lambda user, company=company: company in user.company_ids and user.email)
            if not template or not headline or not managers:
                continue
            for lang in set(managers.mapped("lang")):
                partners = managers.filtered(lambda user, lang=lang: user.lang == lang).partner_id
                template.with_context(lang=lang).send_mail(
                    headline.id,
                    email_values={"recipient_ids": [(6, 0, partners.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )

    def _clinic_summary_html(self):
        """The headline figures of this 'all' row's period with the trend against the
        previous month, the pilot group against the rest, and the months before against
        the months after the launch (counts only: no patient names, no treatments)."""
        self.ensure_one()
        siblings = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("period_type", "=", self.period_type),
                ("date_from", "=", self.date_from),
                ("date_to", "=", self.date_to),
            ]
        )
        previous = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("period_type", "=", "month"),
                ("group_type", "=", "all"),
                ("date_to", "<", self.date_from),
            ],
            limit=1,
            order="date_from desc",
        )
        months = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("period_type", "=", "month"),
                ("group_type", "=", "all"),
                ("phase", "in", ("before", "after")),
            ]
        )
        phases = []
        for phase, label in (("before", self.env._("Before launch")), ("after", self.env._("After launch"))):
            rows = months.filtered(lambda row, phase=phase: row.phase == phase)
            visits = sum(rows.mapped("visits"))
            figures = None
            if rows:
                figures = {
                    "months": len(rows),
                    "repeat_purchase_rate": sum(rows.mapped("repeat_purchase_rate")) / len(rows),
                    "retention_rate": sum(rows.mapped("retention_rate")) / len(rows),
                    "average_order_value": sum(rows.mapped("revenue")) / visits if visits else 0.0,
                }
            phases.append((label, figures))
        _ = self.env._
        points = [
            (_("Points at start"), "points_start", ""),
            (_("Points issued"), "points_issued", "+"),
            (_("Points spent"), "points_spent", "-"),
            (_("Points expired"), "points_expired", "-"),
            (_("Points adjusted"), "points_adjusted", "+"),
            (_("Points reversed by refunds"), "points_reversed", "+"),
            (_("Points outstanding"), "points_outstanding", "="),
        ]
        figures = [
            (_("Repeat purchase rate"), "repeat_purchase_rate", "rate"),
            (_("Average order value"), "average_order_value", "money"),
            (_("Customer retention rate"), "retention_rate", "rate"),
            (_("Patients at start"), "patients_start", "count"),
            (_("Patients at end"), "patients_end", "count"),
            (_("Paying patients"), "paying_patients", "count"),
            (_("New patients"), "new_patients", "count"),
            (_("Visits"), "visits", "count"),
            (_("Revenue"), "revenue", "money"),
            (_("Outstanding liability"), "liability", "money"),
        ]
        today = fields.Date.context_today(self)
        return self.env["ir.qweb"]._render(
            "clinic_loyalty.clinic_loyalty_metric_summary",
            {
                "row": self,
                "previous": previous,
                "pilot": siblings.filtered(lambda row: row.group_type == "pilot")[:1],
                "rest": siblings.filtered(lambda row: row.group_type == "rest")[:1],
                "phases": phases,
                "figures": figures,
                "points": points,
                "in_progress": self.date_to >= today,
                "format_amount": lambda amount: format_amount(self.env, amount, self.currency_id),
                "format_number": self._clinic_format_number,
                "points_text": self._clinic_points_text,
                "format_date": lambda day: format_date(self.env, day),
            },
        )

    def _clinic_points_text(self, row, field, sign):
        """A movement of the points table as it adds up: ``+ 50``, ``- 30``, ``= 105``."""
        value = row[field]
        if sign == "-":
            value = -value
        if sign in ("+", "-"):
            prefix = "+ " if value >= 0 else "- "
            return prefix + self._clinic_format_number(abs(value), "points")
        prefix = "= " if sign == "=" else ""
        return prefix + self._clinic_format_number(value, "points")

    def _clinic_format_number(self, value, kind="count"):
        """``value`` in the reader's number format (``self.env.lang``): rates with one
        decimal, counts whole, points with decimals only when they have some."""
        if kind == "rate":
            digits = 1
        elif kind == "points":
            digits = 0 if float(value).is_integer() else 2
        else:
            digits = 0
        return formatLang(self.env, value, digits=digits)


class ClinicLoyaltyMetricDashboard(models.TransientModel):
    """The manager's page: the latest month's headline figures of the current company."""

    _name = "clinic.loyalty.metric.dashboard"
    _description = "Loyalty Programme Dashboard"

    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, readonly=True)
    metric_id = fields.Many2one("clinic.loyalty.metric", compute="_compute_summary", string="Latest Month")
    summary_html = fields.Html(compute="_compute_summary", sanitize=False, string="Summary")

    @api.depends("company_id")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._("Programme Dashboard")

    @api.depends("company_id")
    def _compute_summary(self):
        Metric = self.env["clinic.loyalty.metric"]
        for dashboard in self:
            latest = Metric.search(
                [
                    ("company_id", "=", dashboard.company_id.id),
                    ("period_type", "=", "month"),
                    ("group_type", "=", "all"),
                ],
                limit=1,
                order="date_from desc",
            )
            dashboard.metric_id = latest
            dashboard.summary_html = latest._clinic_summary_html() if latest else False

    @api.model
    def action_open_dashboard(self):
        dashboard = self.create({})
        Metric = self.env["clinic.loyalty.metric"]
        company = dashboard.company_id
        if company.clinic_loyalty_program_id and not Metric.search_count([("company_id", "=", company.id)], limit=1):
            # Nothing computed yet (a new database, a new company): the page opens on figures,
            # not on an empty table. The create above checked the manager's right.
            Metric._clinic_recompute_recent(company)
            dashboard.invalidate_recordset()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Programme Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }


class ClinicLoyaltyMetricRecompute(models.TransientModel):
    """Recompute the stored figures of a date range (loyalty managers)."""

    _name = "clinic.loyalty.metric.recompute"
    _description = "Recompute Loyalty Programme Metrics"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(months=1),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(days=1),
    )
    split_months = fields.Boolean(
        string="One Row per Month",
        default=True,
        help="Store the figures of each calendar month of the range; otherwise of the whole range as one period.",
    )

    def action_recompute(self):
        self.ensure_one()
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only loyalty managers recompute the programme metrics."))
        if self.date_to < self.date_from:
            raise UserError(
                self.env._(
                    "The period ends (%(end)s) before it starts (%(start)s): choose an end date after the start.",
                    end=self.date_to,
                    start=self.date_from,
                )
            )
        rows = self.env["clinic.loyalty.metric"]._clinic_recompute(
            self.env.company, self.date_from, self.date_to, split_months=self.split_months
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("clinic_loyalty.clinic_loyalty_metric_action")
        action["domain"] = [("id", "in", rows.ids)]
        return action
