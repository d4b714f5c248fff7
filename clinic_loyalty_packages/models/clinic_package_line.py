from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ClinicPackageLine(models.Model):
    _name = "clinic.package.line"
    _description = "Treatment Package Content"
    _order = "package_tmpl_id, sequence, id"

    sequence = fields.Integer(default=10)
    package_tmpl_id = fields.Many2one(
        comodel_name="product.template",
        string="Package",
        required=True,
        index=True,
        ondelete="cascade",
    )
    service_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        string="Service or Product",
        domain="[('type', 'in', ('service', 'consu')), ('clinic_is_package', '=', False)]",
        help="A service whose sessions the package covers, or goods (a take-home product) it gives, "
        "one unit per session.",
    )
    sessions = fields.Integer(required=True, default=1, help="Sessions of the service, or units of the product.")

    _sql_constraints = [
        (
            "sessions_positive",
            "CHECK(sessions > 0)",
            "A package covers at least one session of a service.",
        ),
        (
            "service_unique",
            "UNIQUE(package_tmpl_id, service_id)",
            "A service appears once in a package: raise its sessions instead.",
        ),
    ]

    @api.constrains("service_id", "package_tmpl_id")
    def _check_service_id(self):
        for line in self:
            if line.service_id.type not in ("service", "consu") or line.service_id.clinic_is_package:
                raise ValidationError(
                    self.env._(
                        "%(product)s cannot be in a package: a package covers sessions of services and "
                        "units of goods, not combos or other packages.",
                        product=line.service_id.display_name,
                    )
                )
            if line.service_id.product_tmpl_id == line.package_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "The package %(package)s cannot contain itself.",
                        package=line.package_tmpl_id.display_name,
                    )
                )
