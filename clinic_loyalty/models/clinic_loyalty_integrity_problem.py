from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class ClinicLoyaltyIntegrityProblem(models.Model):
    """One record whose stored figures disagree with what they sum, found by an integrity check.

    What disagrees is kept as a message and its figures (``detail_data``), shown in each
    reader's language, as a ledger line keeps its reason (see ``tools/reasons.py``).
    """

    _name = "clinic.loyalty.integrity.problem"
    _description = "Loyalty Integrity Problem"
    _order = "check_id, id"

    check_id = fields.Many2one(
        comodel_name="clinic.loyalty.integrity.check",
        string="Check",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True)
    # Each addon adds the kinds of its checks.
    kind = fields.Selection(selection=[("card", "Card balance")], required=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True, readonly=True)
    name = fields.Char(string="Record", required=True, readonly=True)
    detail_data = fields.Json(readonly=True)
    detail = fields.Char(compute="_compute_detail", help="What disagrees, with the figures found.")

    @api.depends("detail_data")
    @api.depends_context("lang")
    def _compute_detail(self):
        messages = self._clinic_detail_messages()
        lang = self.env.lang or "en_US"
        for problem in self:
            data = problem.detail_data or {}
            args = data.get("args") or {}
            message = messages.get(data.get("msg"))
            if message is None:
                problem.detail = ", ".join(str(value) for value in args.values())
                continue
            try:
                problem.detail = message._translate(lang) % args
            except (KeyError, TypeError, ValueError):
                # A translation that lost a figure: the source text is always complete.
                problem.detail = message._source % args

    def _clinic_detail_messages(self):
        """{key: message} of what the checks report; each addon adds the messages of its checks."""
        return {"card": _lt("Balance %(balance)s, ledger %(ledger)s, open lots %(lots)s")}

    def action_clinic_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
