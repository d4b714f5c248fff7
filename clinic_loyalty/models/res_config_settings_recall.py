from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clinic_recall_lead_days = fields.Integer(related="company_id.clinic_recall_lead_days", readonly=False)
    clinic_recall_grace_days = fields.Integer(related="company_id.clinic_recall_grace_days", readonly=False)
    clinic_recall_assignment = fields.Selection(related="company_id.clinic_recall_assignment", readonly=False)
    clinic_recall_user_ids = fields.Many2many(related="company_id.clinic_recall_user_ids", readonly=False)
    clinic_recall_email = fields.Boolean(related="company_id.clinic_recall_email", readonly=False)
    clinic_recall_sms = fields.Boolean(related="company_id.clinic_recall_sms", readonly=False)
    clinic_messages_name_treatments = fields.Boolean(
        related="company_id.clinic_messages_name_treatments", readonly=False
    )
