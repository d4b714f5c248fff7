from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.guard import is_server_write

# Grade letters of patients with a paid visit in the grade period, best first: F is the
# grade of a patient without one and has no band.
BAND_GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D"), ("E", "E")]
GRADES = [*BAND_GRADES, ("F", "F")]
# What a company's bands are until a loyalty manager changes them: the least paid amount
# (in the company's currency, over the grade period) of each grade, E being any paid visit.
DEFAULT_BANDS = {"A": 100000.0, "B": 50000.0, "C": 20000.0, "D": 5000.0, "E": 0.0}


class ClinicLoyaltyGradeBand(models.Model):
    _name = "clinic.loyalty.grade.band"
    _description = "Patient Grade Band"
    _order = "company_id, grade"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    grade = fields.Selection(selection=BAND_GRADES, required=True)
    min_amount = fields.Monetary(
        string="Paid at Least",
        currency_field="currency_id",
        required=True,
        help="A patient has this grade when they paid at least this amount (net of refunds) over "
        "the grade period, and less than the next better grade's amount. E with 0 means any paid "
        "visit; a patient without a paid visit in the period is F.",
    )

    _sql_constraints = [
        ("grade_company_uniq", "UNIQUE(company_id, grade)", "Each grade has one band per company."),
        ("min_amount_positive", "CHECK(min_amount >= 0)", "A grade's amount cannot be negative."),
    ]

    @api.constrains("grade", "min_amount", "company_id")
    def _check_order(self):
        for company in self.company_id:
            bands = self.search([("company_id", "=", company.id)], order="grade")
            amounts = bands.mapped("min_amount")
            if any(better <= worse for better, worse in zip(amounts, amounts[1:], strict=False)):
                raise ValidationError(
                    self.env._(
                        "The grade bands of %(company)s must ask less for each grade than for the one "
                        "before it (A the most, E the least).",
                        company=company.name,
                    )
                )

    @api.model
    def _clinic_ensure_bands(self, companies):
        """The bands of ``companies``, after giving the default bands to those without any.

        Loyalty managers edit the amounts but neither add nor delete bands (access rights),
        so a company has all five bands or none yet.
        """
        Band = self.sudo()
        bands = Band.search_fetch([("company_id", "in", companies.ids)], ["company_id", "grade", "min_amount"])
        missing = [
            {"company_id": company.id, "grade": grade, "min_amount": amount}
            for company in companies - bands.company_id
            for grade, amount in DEFAULT_BANDS.items()
        ]
        if missing:
            bands |= Band.create(missing)
        return bands

    @api.model
    def action_clinic_open_bands(self):
        """The grade bands of the user's companies, the defaults created where missing."""
        self.check_access("read")
        self._clinic_ensure_bands(self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id("clinic_loyalty.clinic_loyalty_grade_band_action")


class ClinicLoyaltyGradeHistory(models.Model):
    """One row per change of a patient's grade, written by the segment computation only."""

    _name = "clinic.loyalty.grade.history"
    _description = "Patient Grade Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Patient", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    old_grade = fields.Selection(selection=GRADES, string="Previous Grade")
    new_grade = fields.Selection(selection=GRADES, string="New Grade", required=True)
    date = fields.Date(required=True, index=True)
    amount = fields.Monetary(
        string="Paid in Period",
        currency_field="currency_id",
        help="What the patient paid over the grade period, net of refunds, when graded.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_server_write(self.env):
            raise AccessError(self.env._("Grade changes are recorded by the segment computation, not by hand."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_server_write(self.env):
            raise AccessError(self.env._("A recorded grade change cannot be edited."))
        return super().write(vals)
