"""Patients' grades (A-F by what they paid) and RFM scores, computed set-based per company.

A patient can visit several clinics of one database: each company grades them on its own
visits, so the figures are company-dependent fields (one JSON value per company in one
column, read in the user's current company). They are written only by
``_clinic_compute_segments``, in a few SQL statements per company whatever the number of
patients: the ORM would need minutes for 100,000 patients and a million order lines.
"""

import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.guard import is_server_write
from ..tools.visits import visits_query
from .clinic_loyalty_grade import GRADES

_logger = logging.getLogger(__name__)

RFM_SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("promising", "Promising"),
    ("need_attention", "Need Attention"),
    ("at_risk", "At Risk"),
    ("lost", "Lost"),
    ("inactive", "No Visit in Period"),
]
# The fields the computation writes, each with its SQL type and the column of the computed
# row that holds its value.
SEGMENT_FIELDS = {
    "clinic_grade": "grade",
    "clinic_rfm_recency": "r",
    "clinic_rfm_frequency": "f",
    "clinic_rfm_monetary": "m",
    "clinic_rfm_code": "code",
    "clinic_rfm_segment": "segment",
    "clinic_period_amount": "amount",
    "clinic_period_visits": "visits",
    "clinic_last_visit_date": "last_visit",
    "clinic_segment_date": "computed",
}
SEGMENT_GROUP = "clinic_loyalty.group_clinic_loyalty_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    clinic_grade = fields.Selection(
        selection=GRADES,
        string="Grade",
        company_dependent=True,
        # The kanban of patients by grade shows every grade, even one nobody has today.
        group_expand=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="A to E by what the patient paid, net of refunds, over the grade period (bands in "
        "Clinic Loyalty > Configuration > Grade Bands); F: no paid visit in the period, or less "
        "than grade E asks.",
    )
    clinic_rfm_recency = fields.Integer(
        string="Recency Score",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="1 to 5 (5: most recent) by days since the last visit, among the company's patients "
        "with a visit in the grade period (patients of the most recent day score 5); 0 without one.",
    )
    clinic_rfm_frequency = fields.Integer(
        string="Frequency Score",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="1 to 5 (5: most visits) by visits in the grade period; 0 without one.",
    )
    clinic_rfm_monetary = fields.Integer(
        string="Monetary Score",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="1 to 5 (5: paid the most) by the amount paid in the grade period; 0 without a visit.",
    )
    clinic_rfm_code = fields.Char(
        string="RFM",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="The three scores read together: 545 is recency 5, frequency 4, monetary 5.",
    )
    clinic_rfm_segment = fields.Selection(
        selection=RFM_SEGMENTS,
        string="RFM Segment",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
    )
    clinic_period_amount = fields.Float(
        string="Paid in Grade Period",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
        help="What the patient paid, net of refunds, over the grade period when last graded.",
    )
    clinic_period_visits = fields.Integer(
        string="Visits in Grade Period",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
    )
    clinic_last_visit_date = fields.Date(
        string="Last Visit",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
    )
    clinic_segment_date = fields.Date(
        string="Figures Set On",
        help="Day of the grading that set these figures; later gradings found them unchanged.",
        company_dependent=True,
        copy=False,
        groups=SEGMENT_GROUP,
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._clinic_check_segment_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._clinic_check_segment_vals(vals)
        return super().write(vals)

    def _clinic_check_segment_vals(self, vals):
        if not is_server_write(self.env) and any(name in vals for name in SEGMENT_FIELDS):
            raise AccessError(
                self.env._("Grades and RFM scores are computed by the server from paid visits; they cannot be set.")
            )

    @api.model
    def _cron_clinic_compute_segments(self):
        """Grade every company's patients and score their RFM, one company after the other."""
        companies = self.env["res.company"].sudo().search([])
        figures = self.sudo()._clinic_compute_segments(companies=companies)
        self.env["ir.cron"]._notify_progress(done=figures["patients"], remaining=0)
        return figures

    @api.model
    def _clinic_compute_segments(self, companies=None, date=None):
        """Grade (A-F) and score (RFM) the patients of ``companies`` (default: all) at ``date``.

        One statement reads the companies' grade bands, one sets the memory for sorting;
        then one statement per company
        computes every patient's figures from their visits, records the grade changes and
        updates the patients whose figures changed, whatever the number of patients. Returns
        ``{"patients": graded, "updated": patients whose figures changed, "changes": grade
        changes recorded, "companies": count}``.
        """
        companies = companies if companies is not None else self.env["res.company"].sudo().search([])
        date = fields.Date.to_date(date) if date else fields.Date.context_today(self)
        # The orders the visits are read from, and grades set by an earlier run, are in SQL.
        self.env.flush_all()
        bands = self.env["clinic.loyalty.grade.band"]._clinic_ensure_bands(companies)
        # The quintiles sort every patient several times: with PostgreSQL's default 4 MB
        # the sorts of 100,000 patients spill to disk. For this transaction only.
        self.env.cr.execute(SQL("SET LOCAL work_mem = %s", "64MB"))
        figures = {"patients": 0, "updated": 0, "changes": 0, "companies": len(companies)}
        for company in companies:
            company_bands = bands.filtered(lambda b, c=company: b.company_id == c).sorted("grade")
            row = self.env.execute_query(self._clinic_segments_query(company, date, company_bands))[0]
            for name, count in zip(("patients", "updated", "changes"), row, strict=True):
                figures[name] += count
        self.env["res.partner"].invalidate_model(list(SEGMENT_FIELDS))
        self.env["clinic.loyalty.grade.history"].invalidate_model()
        _logger.info(
            "Graded %(patients)s patients of %(companies)s companies: %(updated)s with new figures, "
            "%(changes)s grade changes",
            figures,
        )
        return figures

    @api.model
    def _clinic_segments_query(self, company, date, bands):
        """The one statement that grades and scores ``company``'s patients at ``date``.

        Patients are the company's and shared patients (``is_patient``), and anyone with a
        paid visit in the company. The grade period is the ``clinic_grade_months`` months
        up to ``date``: from the day after ``date`` minus that many months to ``date``, both
        included. RFM quintiles (5 best) rank the patients with at least one visit in the
        period, and equal values share one score. Frequency and monetary (NTILE(5), fewest
        first): equal counts or amounts share the lowest score their rank reaches, so the many
        patients of a single visit score 1. Recency: patients ranked from the most recent, a
        day's patients sharing their best rank, score ``5 - 5 * (rank - 1) / patients``
        (integer division): the patients of the most recent day always score 5, however many
        they are (every patient seen today is "most recent", never "lost"). The history insert and the update
        run in one statement, so the insert reads the grades from before the update; a first
        grade is not a change and is not recorded.
        """
        date_from = date - relativedelta(months=company.clinic_grade_months or 12) + relativedelta(days=1)
        grade_case = SQL(
            "CASE WHEN pp.visits > 0 THEN CASE %s ELSE 'F' END ELSE 'F' END",
            SQL(" ").join(SQL("WHEN pp.amount >= %s THEN %s", band.min_amount, band.grade) for band in bands),
        )
        key = str(company.id)
        assignments = SQL(", ").join(
            SQL(
                "%(column)s = COALESCE(p.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s::text, s.%(value)s)",
                column=SQL.identifier(field),
                key=key,
                value=SQL.identifier(value),
            )
            for field, value in SEGMENT_FIELDS.items()
        )
        # Only patients whose figures changed are written: res_partner has dozens of indexes,
        # and rewriting every row each night would cost more than computing the figures.
        changed = SQL(" OR ").join(
            SQL(
                "p.%(column)s->%(key)s IS DISTINCT FROM COALESCE(to_jsonb(s.%(value)s), 'null'::jsonb)",
                column=SQL.identifier(field),
                key=key,
                value=SQL.identifier(value),
            )
            for field, value in SEGMENT_FIELDS.items()
            if field != "clinic_segment_date"
        )
        return SQL(
            """
            WITH per_partner AS (
                SELECT v.partner_id, MAX(v.day) AS last_visit,
                       SUM(v.amount) FILTER (WHERE v.day >= %(date_from)s) AS amount,
                       COUNT(*) FILTER (WHERE v.day >= %(date_from)s) AS visits
                  FROM (%(visits)s) v
                 GROUP BY v.partner_id
            ), candidates AS (
                SELECT p.id AS partner_id
                  FROM res_partner p
                 WHERE p.is_patient AND p.active AND (p.company_id = %(company)s OR p.company_id IS NULL)
                 UNION
                SELECT partner_id FROM per_partner
            ), figures AS (
                SELECT c.partner_id, pp.last_visit, COALESCE(pp.visits, 0) AS visits,
                       COALESCE(pp.amount, 0) AS amount, %(grade_case)s AS grade,
                       %(date)s::date - pp.last_visit AS recency_days
                  FROM candidates c
             LEFT JOIN per_partner pp ON pp.partner_id = c.partner_id
            ), tiles AS (
                SELECT partner_id, recency_days, visits, amount,
                       RANK() OVER (ORDER BY recency_days) AS r_rank, COUNT(*) OVER () AS scored,
                       NTILE(5) OVER (ORDER BY visits, partner_id) AS f_tile,
                       NTILE(5) OVER (ORDER BY amount, partner_id) AS m_tile
                  FROM figures
                 WHERE visits > 0
            ), scores AS (
                SELECT partner_id,
                       5 - (5 * (r_rank - 1)) / scored AS r,
                       MIN(f_tile) OVER (PARTITION BY visits) AS f,
                       MIN(m_tile) OVER (PARTITION BY amount) AS m
                  FROM tiles
            ), s AS (
                SELECT f.partner_id, f.grade, f.visits, f.amount, f.last_visit, %(date)s::date AS computed,
                       COALESCE(sc.r, 0) AS r, COALESCE(sc.f, 0) AS f, COALESCE(sc.m, 0) AS m,
                       sc.r::text || sc.f::text || sc.m::text AS code,
                       CASE WHEN sc.partner_id IS NULL THEN 'inactive'
                            WHEN sc.r >= 4 AND sc.f >= 4 THEN 'champions'
                            WHEN sc.r >= 3 AND sc.f >= 3 THEN 'loyal'
                            WHEN sc.r >= 4 THEN 'promising'
                            WHEN sc.r = 3 THEN 'need_attention'
                            WHEN sc.f >= 3 THEN 'at_risk'
                            ELSE 'lost'
                        END AS segment
                  FROM figures f
             LEFT JOIN scores sc ON sc.partner_id = f.partner_id
            ), history AS (
                INSERT INTO clinic_loyalty_grade_history
                       (partner_id, company_id, old_grade, new_grade, date, amount,
                        create_uid, create_date, write_uid, write_date)
                SELECT s.partner_id, %(company)s, p.clinic_grade->>%(key)s, s.grade, s.computed, s.amount,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM s
                  JOIN res_partner p ON p.id = s.partner_id
                 -- a first grade is no change
                 WHERE (p.clinic_grade->>%(key)s) <> s.grade
             RETURNING 1
            ), updated AS (
                UPDATE res_partner p
                   SET %(assignments)s
                  FROM s
                 WHERE p.id = s.partner_id AND (%(changed)s)
             RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM s), (SELECT COUNT(*) FROM updated), (SELECT COUNT(*) FROM history)
            """,
            visits=visits_query(company_ids=[company.id], date_to=date),
            date_from=date_from,
            date=date,
            company=company.id,
            key=key,
            grade_case=grade_case,
            assignments=assignments,
            changed=changed,
            uid=self.env.uid,
        )
