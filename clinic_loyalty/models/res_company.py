from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    clinic_loyalty_program_id = fields.Many2one(
        comodel_name="loyalty.program",
        string="Patient Loyalty Programme",
        domain="[('program_type', '=', 'loyalty'), ('company_id', 'in', [id, False])]",
        help="Programme in which enrolled patients receive their loyalty card.",
    )
    clinic_household_desk_members = fields.Boolean(
        string="Front Desk Manages Household Members",
        default=True,
        help="The front desk adds and removes household members and changes the holder when the holder "
        "consents with a one-time code sent to their phone or email, or a loyalty manager approves. "
        "Without it, only loyalty managers change households.",
    )
    # Segments and programme metrics (see tools/visits.py for what a visit is).
    clinic_program_launch_date = fields.Date(
        string="Programme Launch Date",
        help="Day the loyalty programme started: metrics compare the periods before and after it.",
    )
    clinic_pilot_tag_id = fields.Many2one(
        comodel_name="res.partner.category",
        string="Pilot Group",
        help="Patients with this tag form the pilot group that metrics compare with the rest.",
    )
    clinic_active_patient_months = fields.Integer(
        string="Active Patient Window (months)",
        default=12,
        help="A person is a patient at a date when they had a paid visit in this many months before it.",
    )
    clinic_grade_months = fields.Integer(
        string="Grade Period (months)",
        default=12,
        help="Patients are graded by what they paid over this many months, net of refunds.",
    )
