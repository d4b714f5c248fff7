import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .product_template import REFUND_RULES

# A package code is what the desk types to use a package's sessions: random, so one code
# tells nothing of the next (a sequence did). Letters and digits that read and type alike
# (no 0/O, 1/I/L); 12 of 31 characters are about 59 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_SIZE = 4


def random_package_code():
    """A new package code, e.g. ``PK-7KQ4-M2XD-9HTF``."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_GROUP_SIZE)) for _g in range(CODE_GROUPS))
    return "-".join(("PK", *groups))


def whole_sessions(qty):
    """Sessions a quantity takes from a package: the quantity when a whole number of at
    least one (anything else, from a line or from the browser, takes none)."""
    if isinstance(qty, bool) or not isinstance(qty, int | float) or qty < 1:
        return 0
    return int(qty) if float(qty).is_integer() else 0


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

    # The package product's name, in the reader's language.
    name = fields.Char(related="product_id.name", string="Package")
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
    date_start = fields.Date(
        string="Valid From",
        readonly=True,
        help="First day the sessions can be used: the purchase, or the first visit for a package "
        "valid from its first visit (empty until then).",
    )
    date_end = fields.Date(
        string="Valid Until",
        readonly=True,
        tracking=True,
        help="Last day the sessions can be used (empty: the package starts at its first visit).",
    )
    date_sold = fields.Date(string="Date Sold", required=True, readonly=True)
    household_shared = fields.Boolean(
        string="Household May Use It", readonly=True, help="Members of the patient's household may use its sessions."
    )
    state = fields.Selection(
        selection=[
            ("active", "Active"),
            ("used", "Used Up"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
            ("refunded", "Refunded"),
        ],
        default="active",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    refund_rule = fields.Selection(
        selection=REFUND_RULES,
        string="Refund of the Unused Part",
        readonly=True,
        help="The rule the package was sold under, which its refund follows.",
    )
    refund_amount = fields.Monetary(
        string="Refunded", readonly=True, help="What the patient got back for the unused part."
    )
    date_refunded = fields.Date(readonly=True)
    refund_move_id = fields.Many2one(
        comodel_name="account.move", string="Credit Note", readonly=True, index="btree_not_null"
    )
    refund_pos_line_id = fields.Many2one(
        comodel_name="pos.order.line", string="POS Refund Line", readonly=True, index="btree_not_null"
    )
    counter_ids = fields.One2many(
        comodel_name="clinic.package.counter", inverse_name="package_id", string="Sessions", readonly=True
    )
    # Deferred revenue (when the company defers it at the sale): what the sale booked to the
    # liability account, what sessions, expiry and refund took out of it, and what is left.
    deferred = fields.Boolean(string="Revenue Deferred", readonly=True)
    deferred_amount = fields.Monetary(
        string="Deferred Revenue",
        readonly=True,
        help="The price of the package, taxes excluded, booked as a liability.",
    )
    deferred_recognised = fields.Monetary(string="Recognised", readonly=True)
    deferred_refunded = fields.Monetary(string="Refunded (Untaxed)", readonly=True)
    deferred_balance = fields.Monetary(
        string="Outstanding Liability",
        compute="_compute_deferred_balance",
        store=True,
        help="What the clinic still owes the patient in sessions: the deferred revenue not recognised nor refunded.",
    )
    revenue_move_ids = fields.One2many(
        comodel_name="account.move", inverse_name="clinic_package_id", string="Revenue Entries", readonly=True
    )
    use_ids = fields.One2many(
        comodel_name="clinic.package.use", inverse_name="package_id", string="Visits", readonly=True
    )
    sessions_total = fields.Integer(compute="_compute_sessions", store=True)
    sessions_left = fields.Integer(compute="_compute_sessions", store=True)
    origin = fields.Char(string="Sale Document", readonly=True)
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
    # A POS line's own uuid (the browser's) and the unit: the same sale synced twice at once
    # creates two orders (Odoo has no unique order uuid), but never two packages for a unit.
    sale_uid = fields.Char(string="Sale Line UUID", readonly=True, copy=False)

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "This sale already gave its package."),
        ("sale_uid_unique", "UNIQUE(sale_uid)", "This sale already gave its package."),
        ("code_unique", "UNIQUE(code)", "Another package has this code."),
    ]

    @api.depends("deferred_amount", "deferred_recognised", "deferred_refunded")
    def _compute_deferred_balance(self):
        for package in self:
            package.deferred_balance = package.deferred_amount - package.deferred_recognised - package.deferred_refunded

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
        for key, (sale, unit) in keys.items():
            if key in known:
                continue
            # Read as the system: the cashier selling the package need not manage package contents.
            template = sale["product"].sudo().product_tmpl_id
            starts_now = template.clinic_package_validity_start == "sale"
            vals_list.append(
                {
                    "partner_id": sale["partner"].id,
                    "company_id": sale["company"].id,
                    "product_id": sale["product"].id,
                    "price_paid": sale["company"].currency_id.round(sale["amount"] / sale["quantity"]),
                    "deferred": sale["company"].clinic_package_deferred_revenue,
                    "deferred_amount": sale["company"].clinic_package_deferred_revenue
                    and sale["company"].currency_id.round(sale["untaxed"] / sale["quantity"]),
                    "date_sold": sale["day"],
                    "date_start": sale["day"] if starts_now else False,
                    "date_end": template._clinic_package_date_end(sale["day"]) if starts_now else False,
                    "household_shared": template.clinic_package_household_shared,
                    "refund_rule": template.clinic_package_refund_rule,
                    "origin": sale["origin"],
                    "source_key": key,
                    "line_key": sale["key"],
                    "sale_uid": sale.get("uid") and f"{sale['uid']}:{unit}",
                    sale["link"][0]: sale["link"][1],
                    "counter_ids": [
                        fields.Command.create(
                            {
                                "service_id": line.service_id.id,
                                "sessions": line.sessions,
                                "list_price": line.service_id.lst_price,
                            }
                        )
                        for line in template.clinic_package_line_ids
                    ],
                }
            )
        for vals, code in zip(vals_list, self._clinic_new_codes(len(vals_list)), strict=True):
            vals["code"] = code
        return existing | Package.create(vals_list)

    @api.model
    def _clinic_new_codes(self, count):
        """``count`` random codes no package has (a clash is drawn again; with 59 bits it
        practically never is)."""
        codes = set()
        while len(codes) < count:
            drawn = {random_package_code() for _i in range(count - len(codes))} - codes
            taken = self.sudo().with_context(active_test=False).search([("code", "in", list(drawn))]).mapped("code")
            codes |= drawn - set(taken)
        return list(codes)

    @api.model
    def _clinic_find_code(self, code, patient, company):
        """The package with ``code`` that ``patient`` may name at the desk: their own or one
        of their household's in ``company`` (empty otherwise).

        Another patient's code answers as an unknown one does: a code typed at the desk
        never tells whose package it is.
        """
        if not isinstance(code, str) or not code or not patient:
            return self.browse()
        owners = patient
        household = patient._clinic_household(company)
        if household:
            owners |= household.sudo().member_ids | household.sudo().holder_id
        return self.sudo().search(
            [("code", "=", code.strip().upper()), ("company_id", "=", company.id), ("partner_id", "in", owners.ids)],
            limit=1,
        )

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

    # The front desk ----------------------------------------------------------------------

    @api.model
    def _clinic_desk_partner(self, partner_id):
        """The patient ``partner_id`` as the front desk may read them (empty for anything else)."""
        user = self.env.user
        if not user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            if user.has_group("point_of_sale.group_pos_user"):
                # A cashier outside the clinic's group: no patient's packages (treatments are
                # health data), and no error at the till either.
                return self.env["res.partner"]
            raise AccessError(self.env._("Only the clinic's front desk reads patients' packages."))
        partner = self.env["res.partner"].browse(partner_id if isinstance(partner_id, int) else []).exists()
        if partner:
            partner.check_access("read")
        return partner.sudo()

    @api.readonly
    @api.model
    def clinic_pos_packages(self, partner_id):
        """The packages ``partner_id`` can use today in the current company, for the POS
        panel: fetched when the patient is selected, never loaded with the POS."""
        partner = self._clinic_desk_partner(partner_id)
        if not partner:
            return []
        company = self.env.company
        day = fields.Date.context_today(self)
        packages = self._clinic_candidates(partner, company, day)
        result = []
        for package in packages:
            counters = [
                {
                    "service_id": c.service_id.id,
                    "service": c.service_id.display_name,
                    "left": c.sessions_left,
                    "total": c.sessions,
                }
                for c in package.counter_ids
                if not package._clinic_refusal(partner, c.service_id, company, day)
            ]
            if counters:
                result.append(
                    {
                        "code": package.code,
                        # In the cashier's language (the package keeps the name it was sold under).
                        "name": package.product_id.name,
                        "owner": package.partner_id.name if package.partner_id != partner else False,
                        "date_end": format_date(self.env, package.date_end) if package.date_end else False,
                        "validity": package._clinic_validity_text(),
                        "counters": counters,
                    }
                )
        return result

    def _clinic_update_state(self):
        for package in self.sudo():
            if package.state in ("active", "used"):
                package.state = "used" if package.sessions_left <= 0 else "active"

    def _clinic_validity_text(self):
        """Until when the package can be used, as the patient is told."""
        self.ensure_one()
        if self.date_end:
            return self.env._("valid until %(date)s", date=format_date(self.env, self.date_end))
        template = self.sudo().product_id.product_tmpl_id
        if template.clinic_package_validity_unit == "months":
            return self.env._("valid %(count)s months from the first visit", count=template.clinic_package_validity)
        return self.env._("valid %(count)s days from the first visit", count=template.clinic_package_validity)

    @api.depends("name", "code")
    def _compute_display_name(self):
        for package in self:
            package.display_name = f"{package.name} ({package.code})" if package.code else package.name
