from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clinic_loyalty_program_id = fields.Many2one(
        related="company_id.clinic_loyalty_program_id",
        readonly=False,
    )
    # A POS setting (Odoo writes pos_* fields to the selected point of sale).
    pos_clinic_new_customer_patient = fields.Boolean(
        related="pos_config_id.clinic_new_customer_patient",
        readonly=False,
    )
    clinic_household_desk_members = fields.Boolean(
        related="company_id.clinic_household_desk_members",
        readonly=False,
    )
    clinic_program_launch_date = fields.Date(
        related="company_id.clinic_program_launch_date",
        readonly=False,
    )
    clinic_pilot_tag_id = fields.Many2one(
        related="company_id.clinic_pilot_tag_id",
        readonly=False,
    )
    clinic_active_patient_months = fields.Integer(
        related="company_id.clinic_active_patient_months",
        readonly=False,
    )
    clinic_grade_months = fields.Integer(
        related="company_id.clinic_grade_months",
        readonly=False,
    )
