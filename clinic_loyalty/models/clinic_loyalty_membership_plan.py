from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ClinicLoyaltyMembershipPlan(models.Model):
    """A family membership sold as a product: who may join, what members get, for how long."""

    _name = "clinic.loyalty.membership.plan"
    _description = "Family Membership Plan"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Membership Product",
        required=True,
        check_company=True,
        help="Selling this product (sales order or POS) starts or renews the buyer's household membership.",
    )
    price = fields.Float(related="product_id.lst_price", string="Price")
    member_limit = fields.Integer(
        string="Members (holder included)",
        default=8,
        required=True,
        help="Most patients a household of this plan can have, the holder included.",
    )
    validity_months = fields.Integer(string="Valid for (months)", default=12, required=True)
    share_points = fields.Boolean(
        string="Members Share the Points Balance",
        default=True,
        help="Members earn into and pay from the holder's card.",
    )
    member_spend_limit = fields.Float(
        string="Points a Member May Spend per Month",
        help="0: no limit. Counted per member over the calendar month.",
    )
    member_discount_percent = fields.Float(string="Member Discount (%)", digits=(5, 2))
    discount_categ_ids = fields.Many2many(
        comodel_name="product.category",
        relation="clinic_loyalty_membership_plan_discount_categ_rel",
        string="Discounted Categories",
        help="The member discount applies to services of these categories; empty: to every service.",
    )
    benefit_order = fields.Selection(
        selection=[
            ("voucher_first", "Voucher first, then the member discount"),
            ("discount_first", "Member discount first, then the voucher"),
        ],
        string="Benefits Apply",
        default="voucher_first",
        required=True,
        help="A 400 service with a 200 voucher and 20%: voucher first costs (400-200)x0.8 = 160; "
        "discount first costs 400x0.8-200 = 120.",
    )
    voucher_ids = fields.One2many(
        comodel_name="clinic.loyalty.membership.voucher",
        inverse_name="plan_id",
        string="Included Vouchers",
        copy=True,
    )
    renewal_reminder_days = fields.Integer(
        string="Remind Before Renewal (days)",
        default=14,
        help="The holder is told this many days before the membership ends, with the vouchers left unused.",
    )
    household_ids = fields.One2many(comodel_name="clinic.loyalty.household", inverse_name="plan_id")

    _sql_constraints = [
        ("member_limit_positive", "CHECK(member_limit >= 1)", "A plan allows at least its holder."),
        ("validity_positive", "CHECK(validity_months >= 1)", "A membership lasts at least a month."),
        (
            "discount_range",
            "CHECK(member_discount_percent >= 0 AND member_discount_percent <= 100)",
            "The member discount is between 0 and 100%.",
        ),
    ]

    @api.constrains("product_id")
    def _check_product_unique(self):
        for plan in self:
            if self.search_count([("product_id", "=", plan.product_id.id), ("id", "!=", plan.id)]):
                raise ValidationError(
                    self.env._(
                        "%(product)s already sells another membership plan: use one product per plan.",
                        product=plan.product_id.display_name,
                    )
                )

    def _discount_applies_to(self, product):
        self.ensure_one()
        categories = self.discount_categ_ids
        return not categories or bool(
            product.categ_id.parent_path
            and any(product.categ_id.parent_path.startswith(categ.parent_path) for categ in categories)
        )

    @api.model
    def _clinic_plans_sold(self, products, company):
        """The plans of ``company`` that ``products`` sell (read as the system). Most orders
        sell none: that is answered from the cached membership products, without a query."""
        sold = set(products.ids) & self.env["loyalty.program"]._clinic_membership_product_ids()
        if not sold:
            return self.browse()
        return self.sudo().search([("product_id", "in", list(sold)), ("company_id", "=", company.id)])


class ClinicLoyaltyMembershipVoucher(models.Model):
    """An amount off a service, a number of times per membership period."""

    _name = "clinic.loyalty.membership.voucher"
    _description = "Membership Voucher"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(comodel_name="clinic.loyalty.membership.plan", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    amount = fields.Float(required=True, help="Amount taken off one service line.")
    count = fields.Integer(string="Uses per Period", default=1, required=True)
    categ_ids = fields.Many2many(
        comodel_name="product.category",
        relation="clinic_loyalty_membership_voucher_categ_rel",
        string="Services of Categories",
        help="The voucher applies to services of these categories; empty: to any service.",
    )

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A voucher takes a positive amount off."),
        ("count_positive", "CHECK(count >= 1)", "A voucher can be used at least once."),
    ]

    def _applies_to(self, product):
        self.ensure_one()
        path = product.categ_id.parent_path or ""
        return not self.categ_ids or any(path.startswith(categ.parent_path) for categ in self.categ_ids)


class ClinicLoyaltyMembershipPeriod(models.Model):
    """One paid period of a household's membership (the first sale, then each renewal)."""

    _name = "clinic.loyalty.membership.period"
    _description = "Membership Period"
    _order = "date_start desc, id desc"

    household_id = fields.Many2one(comodel_name="clinic.loyalty.household", required=True, ondelete="cascade")
    date_start = fields.Date(required=True)
    date_end = fields.Date(required=True)
    amount = fields.Float(string="Price Paid")
    origin = fields.Char(string="Source Document")
    source_key = fields.Char(required=True, help="The sale that paid the period; a sale pays one period.")
    cancelled = fields.Boolean(
        readonly=True,
        help="The sale was cancelled or refunded: the period no longer counts and the membership was shortened.",
    )
    cancel_origin = fields.Char(string="Cancelled by", readonly=True)
    cancel_key = fields.Char(
        readonly=True,
        copy=False,
        help="The refund (and its posting) that cancelled the period: it cancels it once, and gives it back "
        "when reset to draft.",
    )

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "A sale pays for one membership period."),
    ]


class ClinicLoyaltyVoucherUse(models.Model):
    """A voucher or member discount used on a service: what the household saved."""

    _name = "clinic.loyalty.voucher.use"
    _description = "Membership Benefit Used"
    _order = "date desc, id desc"

    household_id = fields.Many2one(
        comodel_name="clinic.loyalty.household", required=True, index=True, ondelete="cascade"
    )
    voucher_id = fields.Many2one(comodel_name="clinic.loyalty.membership.voucher", ondelete="set null")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Member", required=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    origin = fields.Char(string="Source Document")
    voucher_amount = fields.Float(help="Amount the voucher took off the service.")
    discount_amount = fields.Float(string="Member Discount")
    saved = fields.Float(compute="_compute_saved", store=True, precompute=True)
    source_key = fields.Char(required=True)

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "A service line uses its benefits once."),
    ]

    @api.depends("voucher_amount", "discount_amount")
    def _compute_saved(self):
        for use in self:
            use.saved = use.voucher_amount + use.discount_amount
