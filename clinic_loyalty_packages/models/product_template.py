from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_clinic_package = fields.Boolean(
        string="Treatment Package",
        help="Selling this product gives the patient a course of prepaid sessions.",
    )
    clinic_package_line_ids = fields.One2many(
        comodel_name="clinic.package.line",
        inverse_name="package_tmpl_id",
        string="Sessions Included",
        copy=True,
    )
    clinic_package_validity_days = fields.Integer(
        string="Valid for (days)",
        default=365,
        help="Days from the purchase during which the sessions can be used.",
    )
    clinic_package_household_shared = fields.Boolean(
        string="Household members may use it",
        help="Members of the buyer's household can use the package's sessions too.",
    )
    clinic_package_session_count = fields.Integer(
        string="Sessions",
        compute="_compute_clinic_package_session_count",
    )

    @api.depends("clinic_package_line_ids.sessions")
    def _compute_clinic_package_session_count(self):
        for template in self:
            template.clinic_package_session_count = sum(template.clinic_package_line_ids.mapped("sessions"))

    @api.constrains("is_clinic_package", "clinic_package_line_ids", "clinic_package_validity_days")
    def _check_clinic_package(self):
        for template in self.filtered("is_clinic_package"):
            if not template.clinic_package_line_ids:
                raise ValidationError(
                    self.env._(
                        "The treatment package %(package)s lists no service: add the services "
                        "and their number of sessions.",
                        package=template.display_name,
                    )
                )
            if template.clinic_package_validity_days <= 0:
                raise ValidationError(
                    self.env._(
                        "The treatment package %(package)s must be valid for at least one day.",
                        package=template.display_name,
                    )
                )


class ProductProduct(models.Model):
    _inherit = "product.product"

    # Stored on the variant: an order's lines read their products' rows anyway, so knowing
    # which lines sell a package costs no query of its own at the POS sync or confirmation.
    clinic_is_package = fields.Boolean(related="product_tmpl_id.is_clinic_package", store=True)
