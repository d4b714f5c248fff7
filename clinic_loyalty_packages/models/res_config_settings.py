from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    clinic_package_deferred_revenue = fields.Boolean(
        related="company_id.clinic_package_deferred_revenue", readonly=False
    )
    clinic_package_deferred_account_id = fields.Many2one(
        related="company_id.clinic_package_deferred_account_id", readonly=False
    )
    clinic_package_revenue_journal_id = fields.Many2one(
        related="company_id.clinic_package_revenue_journal_id", readonly=False
    )
    clinic_package_recognise_expiry = fields.Boolean(
        related="company_id.clinic_package_recognise_expiry", readonly=False
    )
