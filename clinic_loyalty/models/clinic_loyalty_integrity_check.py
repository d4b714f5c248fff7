from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Figures are floats rounded to the cent: what differs by less is rounding, not a problem.
TOLERANCE = 0.005
# The to-do lists this many problems; the check keeps them all.
TODO_MAX_ITEMS = 50


class ClinicLoyaltyIntegrityCheck(models.Model):
    """One run of the integrity check of a company: the stored figures that disagree with
    the records they sum (a card's balance and its ledger, a package's sessions and its
    visits, ...). Each addon adds its checks by extending ``_clinic_integrity_problems``."""

    _name = "clinic.loyalty.integrity.check"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Loyalty Integrity Check"
    _order = "date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True
    # Managers read checks and never edit them: reading is enough to close the to-do.
    _mail_post_access = "read"

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    problem_ids = fields.One2many(
        comodel_name="clinic.loyalty.integrity.problem",
        inverse_name="check_id",
        string="Problems",
        readonly=True,
    )
    problem_count = fields.Integer(string="Problems Found", compute="_compute_problem_count", store=True)

    @api.depends("problem_ids")
    def _compute_problem_count(self):
        for check in self:
            check.problem_count = len(check.problem_ids)

    # Actions ---------------------------------------------------------------------------

    def action_clinic_run_check(self):
        """Check the current company now and open the result (a button of the list and form)."""
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager can run the integrity check."))
        check = self._clinic_run(self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": check.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # Business methods ------------------------------------------------------------------

    @api.model
    def _cron_clinic_integrity_check(self):
        """The weekly check of every company that has a clinic programme."""
        companies = self._clinic_checked_companies()
        for company in companies:
            self.with_company(company)._clinic_run(company)
        self.env["ir.cron"]._notify_progress(done=len(companies), remaining=0)

    @api.model
    def _clinic_checked_companies(self):
        """The companies that have a clinic programme: their own, or one they use that
        belongs to no company."""
        programs = self.env["loyalty.program"].sudo().search([("clinic_bonus", "=", True)])
        users = self.env["res.company"].sudo().search([("clinic_loyalty_program_id", "in", programs.ids)])
        return programs.company_id | users

    @api.model
    def _clinic_checked_programs(self, company):
        """The clinic programmes whose cards ``company``'s check covers: the company's own and
        the one it uses (a programme without a company, shared)."""
        return self.env["loyalty.program"].sudo().search(
            [
                ("clinic_bonus", "=", True),
                "|",
                ("company_id", "=", company.id),
                ("id", "=", company.sudo().clinic_loyalty_program_id.id),
            ]
        )

    @api.model
    def _clinic_run(self, company):
        """Check ``company``, keep the result and give a manager a to-do when something is wrong."""
        problems = self._clinic_integrity_problems(company)
        check = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "problem_ids": [Command.create(problem) for problem in problems],
                }
            )
        )
        if problems:
            check._clinic_tell_managers()
        return check

    @api.model
    def _clinic_integrity_problems(self, company):
        """The problems of ``company``: a list of dicts with ``kind``, ``res_model``,
        ``res_id``, ``name`` (the record) and ``detail_data`` (what disagrees: a message key
        of ``clinic.loyalty.integrity.problem._clinic_detail_messages`` and its figures)."""
        return self._clinic_card_problems(company)

    @api.model
    def _clinic_card_problems(self, company):
        """Clinic cards whose balance differs from their ledger or their open lots, or is below zero."""
        # One set-based query over the company's ledger instead of reading every card.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH ledger AS (
                    SELECT card_id,
                           SUM(points) AS points,
                           COALESCE(SUM(remaining_points) FILTER (WHERE remaining_points > 0), 0) AS lots
                      FROM clinic_loyalty_ledger
                     WHERE program_id = ANY(%(programs)s)
                  GROUP BY card_id
                )
                SELECT card.id, card.code, card.points, COALESCE(ledger.points, 0), COALESCE(ledger.lots, 0)
                  FROM loyalty_card card
             LEFT JOIN ledger ON ledger.card_id = card.id
                 WHERE card.program_id = ANY(%(programs)s)
                   AND (ABS(card.points - COALESCE(ledger.points, 0)) > %(tolerance)s
                        OR ABS(card.points - COALESCE(ledger.lots, 0)) > %(tolerance)s
                        OR card.points < -%(tolerance)s)
              ORDER BY card.id
                """,
                programs=self._clinic_checked_programs(company).ids,
                tolerance=TOLERANCE,
            )
        )
        return [
            {
                "kind": "card",
                "res_model": "loyalty.card",
                "res_id": card_id,
                "name": code,
                "detail_data": {
                    "msg": "card",
                    "args": {"balance": round(balance, 2), "ledger": round(ledger, 2), "lots": round(lots, 2)},
                },
            }
            for card_id, code, balance, ledger, lots in self.env.cr.fetchall()
        ]

    def _clinic_tell_managers(self):
        """A to-do on this check, for a loyalty manager of its company, listing the problems
        in the manager's language."""
        self.ensure_one()
        manager = self.env["loyalty.card"]._clinic_manager_of(self.company_id)
        check = self.with_context(lang=manager.lang or self.env.lang)
        env = check.env
        problems = check.problem_ids.sorted("id")
        kinds = dict(problems._fields["kind"]._description_selection(env))
        items = Markup("").join(
            Markup("<li>%s: %s (%s)</li>") % (kinds.get(problem.kind, problem.kind), problem.name, problem.detail)
            for problem in problems[:TODO_MAX_ITEMS]
        )
        note = Markup("<p>%s</p><ul>%s</ul>") % (
            env._(
                "%(count)s problem(s) found by the integrity check. Correct each record (a manager's "
                "adjustment with a reason), then mark this to-do done.",
                count=len(problems),
            ),
            items,
        )
        if len(problems) > TODO_MAX_ITEMS:
            note += Markup("<p>%s</p>") % env._("%(count)s more in the check.", count=len(problems) - TODO_MAX_ITEMS)
        env["loyalty.card"]._clinic_tell_managers_about(
            check,
            env._("Loyalty integrity: %(count)s problem(s)", count=len(problems)),
            note,
            check.company_id,
        )
