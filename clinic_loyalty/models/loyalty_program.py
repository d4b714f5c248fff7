from odoo import fields, models


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    clinic_points_validity_months = fields.Integer(
        string="Points Valid for (months)",
        help="Points earned expire this many months after they were earned; 0 keeps them forever.",
    )

    _sql_constraints = [
        (
            "clinic_points_validity_months_positive",
            "CHECK(clinic_points_validity_months >= 0)",
            "The validity of points cannot be negative.",
        ),
    ]
