from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

REFUND_RULES = [
    ("pro_rata", "Pro rata of the price paid"),
    ("list_price", "Price paid less the list price of what was used"),
    ("none", "Not refundable"),
]


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
    clinic_package_validity = fields.Integer(
        string="Valid for",
        default=12,
        help="How long the sessions can be used, in the unit beside it.",
    )
    clinic_package_validity_unit = fields.Selection(
        selection=[("days", "Days"), ("months", "Months")],
        string="Validity Unit",
        default="months",
        required=True,
    )
    clinic_package_validity_start = fields.Selection(
        selection=[("sale", "From the purchase"), ("first_use", "From the first visit")],
        string="Validity Starts",
        default="sale",
        required=True,
        help="From the purchase: the package runs from the day it is sold. From the first visit: it "
        "runs from the day its first session is used (until then it does not expire).",
    )
    clinic_package_household_shared = fields.Boolean(
        string="Household members may use it",
        help="Members of the buyer's household can use the package's sessions too.",
    )
    clinic_package_refund_rule = fields.Selection(
        selection=REFUND_RULES,
        string="Refund of the Unused Part",
        default="pro_rata",
        required=True,
        help="Pro rata: the price paid times the share of the package not used, each session weighted "
        "by its list price when sold. List price: the price paid less the list price of the sessions "
        "used, never below zero. Not refundable: the package is not refunded once sold.",
    )
    clinic_package_earns = fields.Boolean(
        string="Earns Points",
        default=True,
        help="Selling the package earns loyalty points as any sale does. Untick it when the "
        "package's discount is the patient's reward already.",
    )
    clinic_package_remind_days = fields.Integer(
        string="Remind Before Expiry (days)",
        help="Days before the package expires on which the patient is reminded of the sessions left (0: no reminder).",
    )
    clinic_package_remind_last = fields.Boolean(
        string="Remind of the Last Session",
        help="Tell the patient when one session of the package is left.",
    )
    clinic_package_session_count = fields.Integer(
        string="Sessions",
        compute="_compute_clinic_package_session_count",
    )

    # A package that earns no points is in the programme's cache of non-earning products
    # (loyalty.program._clinic_read_non_earning_product_ids): dropped when one changes.
    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        if any(template.is_clinic_package and not template.clinic_package_earns for template in templates):
            self.env.registry.clear_cache()
        return templates

    def write(self, vals):
        result = super().write(vals)
        if {"is_clinic_package", "clinic_package_earns"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        packages = self.filtered("is_clinic_package")
        result = super().unlink()
        if packages:
            self.env.registry.clear_cache()
        return result

    @api.depends("clinic_package_line_ids.sessions")
    def _compute_clinic_package_session_count(self):
        for template in self:
            template.clinic_package_session_count = sum(template.clinic_package_line_ids.mapped("sessions"))

    @api.constrains("is_clinic_package", "clinic_package_line_ids", "clinic_package_validity")
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
            if template.clinic_package_validity <= 0:
                raise ValidationError(
                    self.env._(
                        "The treatment package %(package)s must be valid for at least one day.",
                        package=template.display_name,
                    )
                )

    @api.constrains("clinic_package_remind_days")
    def _check_clinic_package_remind_days(self):
        if any(template.clinic_package_remind_days < 0 for template in self):
            raise ValidationError(self.env._("A package's reminder is sent zero or more days before its expiry."))

    def _get_product_accounts(self):
        accounts = super()._get_product_accounts()
        # With deferred revenue, a package sold is a liability until its sessions are used.
        company = self.env.company
        if (
            self.is_clinic_package
            and company.clinic_package_deferred_revenue
            and not self.env.context.get("clinic_package_income")
        ):
            accounts["income"] = company.clinic_package_deferred_account_id
        return accounts

    def _clinic_package_date_end(self, start):
        """Last day a package of this template started on ``start`` can be used."""
        self.ensure_one()
        unit = "months" if self.clinic_package_validity_unit == "months" else "days"
        return start + relativedelta(**{unit: self.clinic_package_validity}) - relativedelta(days=1)


class ProductProduct(models.Model):
    _inherit = "product.product"

    # Stored on the variant: an order's lines read their products' rows anyway, so knowing
    # which lines sell a package costs no query of its own at the POS sync or confirmation.
    clinic_is_package = fields.Boolean(related="product_tmpl_id.is_clinic_package", store=True, string="Sells a Treatment Package")

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The refund screen asks the server what refunding a package gives back.
        return [*super()._load_pos_data_fields(config_id), "clinic_is_package"]
