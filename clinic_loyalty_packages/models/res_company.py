from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    clinic_package_deferred_revenue = fields.Boolean(
        string="Defer Package Revenue",
        help="A package's sale is booked to a liability account; each session used recognises its "
        "share of the price as revenue.",
    )
    clinic_package_deferred_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Package Liability Account",
        check_company=True,
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current'))]",
        help="Where packages sold are booked until their sessions are used.",
    )
    clinic_package_revenue_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Package Revenue Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the entries recognising packages' revenue.",
    )
    clinic_package_recognise_expiry = fields.Boolean(
        string="Recognise Expired Packages",
        default=True,
        help="When a package expires, what is left of it is recognised as revenue.",
    )

    @api.constrains(
        "clinic_package_deferred_revenue", "clinic_package_deferred_account_id", "clinic_package_revenue_journal_id"
    )
    def _check_clinic_package_deferred_revenue(self):
        for company in self.filtered("clinic_package_deferred_revenue"):
            if not (company.clinic_package_deferred_account_id and company.clinic_package_revenue_journal_id):
                raise ValidationError(
                    self.env._(
                        "Deferring package revenue needs a liability account and a journal (%(company)s).",
                        company=company.name,
                    )
                )
