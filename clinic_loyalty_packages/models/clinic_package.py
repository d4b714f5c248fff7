from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class ClinicPackage(models.Model):
    """A patient's prepaid treatment package: the sessions one unit of a package product sold.

    Packages are made and changed by the server only (selling, cancelling; redeeming later):
    users read them, nobody writes them over RPC (see the access rights), so a counter, the
    dates, the owner or the price paid are what the sale and the visits made them.
    """

    _name = "clinic.package"
    _inherit = ["mail.thread"]
    _description = "Treatment Package"
    _order = "date_end, id"
    _check_company_auto = True
    _rec_names_search = ["name", "code", "partner_id"]

    name = fields.Char(required=True, readonly=True)
    code = fields.Char(readonly=True, copy=False, index="btree_not_null")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Patient", required=True, readonly=True, index=True, tracking=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        comodel_name="product.product", string="Package Product", required=True, readonly=True, index=True
    )
    price_paid = fields.Monetary(readonly=True, help="What the patient paid for this package, taxes included.")
    date_start = fields.Date(string="Valid From", required=True, readonly=True)
    date_end = fields.Date(string="Valid Until", required=True, readonly=True, tracking=True)
    household_shared = fields.Boolean(
        string="Household May Use It", readonly=True, help="Members of the patient's household may use its sessions."
    )
    state = fields.Selection(
        selection=[
            ("active", "Active"),
            ("used", "Used Up"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        default="active",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    counter_ids = fields.One2many(
        comodel_name="clinic.package.counter", inverse_name="package_id", string="Sessions", readonly=True
    )
    sessions_total = fields.Integer(compute="_compute_sessions", store=True)
    sessions_left = fields.Integer(compute="_compute_sessions", store=True)
    origin = fields.Char(string="Sold On", readonly=True)
    sale_line_id = fields.Many2one(
        comodel_name="sale.order.line", string="Sales Order Line", readonly=True, index="btree_not_null"
    )
    pos_line_id = fields.Many2one(
        comodel_name="pos.order.line", string="POS Order Line", readonly=True, index="btree_not_null"
    )
    # One package per unit sold: "<document line>:<unit>". The unique index makes a second
    # sale of the same unit (a replayed sync, a second confirmation) impossible.
    source_key = fields.Char(string="Sale Key", required=True, readonly=True, copy=False)
    line_key = fields.Char(string="Order Line Key", readonly=True, copy=False, index=True)

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "This sale already gave its package."),
    ]

    @api.depends("counter_ids.sessions", "counter_ids.sessions_used")
    def _compute_sessions(self):
        for package in self:
            package.sessions_total = sum(package.counter_ids.mapped("sessions"))
            package.sessions_left = sum(package.counter_ids.mapped("sessions_left"))

    @api.model
    def _clinic_sell(self, sales):
        """Create the packages of ``sales``, once per unit sold; return them (new or existing).

        ``sales``: dicts with partner, product, company, quantity, amount (paid for the
        whole line, taxes included), day, origin, key (of the line) and the line's link
        (``sale_line_id`` or ``pos_line_id``). A unit whose package exists (cancelled with
        its order, then confirmed again) gets it back, active, with its counters as they were.
        """
        Package = self.sudo().with_context(tracking_disable=True)
        keys = {f"{sale['key']}:{unit}": (sale, unit) for sale in sales for unit in range(int(sale["quantity"]))}
        existing = Package.search([("source_key", "in", list(keys))])
        existing.filtered(lambda p: p.state == "cancelled").write({"state": "active"})
        known = set(existing.mapped("source_key"))
        vals_list = []
        for key, (sale, _unit) in keys.items():
            if key in known:
                continue
            template = sale["product"].product_tmpl_id
            vals_list.append(
                {
                    "name": template.name,
                    "partner_id": sale["partner"].id,
                    "company_id": sale["company"].id,
                    "product_id": sale["product"].id,
                    "price_paid": sale["company"].currency_id.round(sale["amount"] / sale["quantity"]),
                    "date_start": sale["day"],
                    "date_end": sale["day"] + relativedelta(days=template.clinic_package_validity_days - 1),
                    "household_shared": template.clinic_package_household_shared,
                    "origin": sale["origin"],
                    "source_key": key,
                    "line_key": sale["key"],
                    sale["link"][0]: sale["link"][1],
                    "counter_ids": [
                        fields.Command.create({"service_id": line.service_id.id, "sessions": line.sessions})
                        for line in template.clinic_package_line_ids
                    ],
                }
            )
        created = Package.create(vals_list)
        for package in created:
            package.code = self.env["ir.sequence"].sudo().next_by_code("clinic.package") or str(package.id)
        return existing | created

    @api.model
    def _clinic_cancel_sales(self, line_keys, origin):
        """The packages sold by the lines ``line_keys`` are cancelled with their order; a
        package whose sessions were used cannot be (a refund of its unused part is)."""
        packages = self.sudo().search([("line_key", "in", line_keys)])
        used = packages.filtered(lambda p: p.sessions_left < p.sessions_total)
        if used:
            raise UserError(
                self.env._(
                    "%(origin)s sold packages whose sessions were used (%(packages)s): refund their unused "
                    "part instead of cancelling the order.",
                    origin=origin,
                    packages=", ".join(used.mapped("display_name")),
                )
            )
        packages.filtered(lambda p: p.state == "active").write({"state": "cancelled"})
        return packages

    @api.depends("name", "code")
    def _compute_display_name(self):
        for package in self:
            package.display_name = f"{package.name} ({package.code})" if package.code else package.name


class ClinicPackageCounter(models.Model):
    """Sessions of one service in a patient's package: how many were bought, how many used."""

    _name = "clinic.package.counter"
    _description = "Treatment Package Sessions"
    _order = "package_id, id"

    package_id = fields.Many2one(
        comodel_name="clinic.package", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="package_id.company_id", store=True)
    service_id = fields.Many2one(comodel_name="product.product", required=True, readonly=True)
    sessions = fields.Integer(required=True, readonly=True)
    sessions_used = fields.Integer(readonly=True)
    sessions_left = fields.Integer(compute="_compute_sessions_left", store=True)

    _sql_constraints = [
        ("sessions_used_range", "CHECK(sessions_used >= 0 AND sessions_used <= sessions)", "No session is left."),
    ]

    @api.depends("sessions", "sessions_used")
    def _compute_sessions_left(self):
        for counter in self:
            counter.sessions_left = counter.sessions - counter.sessions_used
