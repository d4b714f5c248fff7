from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date

from .product_template import REFUND_RULES


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

    # Refund of the unused part ----------------------------------------------------------

    def _clinic_refund_amount(self):
        """What the patient gets back for the unused part, by the rule the package was sold
        under: pro rata of the price paid (each session weighed by its list price when sold),
        or the price paid less the list price of the sessions used (never below zero)."""
        self.ensure_one()
        package = self.sudo()
        if package.state in ("cancelled", "refunded") or package.refund_rule == "none":
            return 0.0
        counters = package.counter_ids
        if package.refund_rule == "list_price":
            amount = package.price_paid - sum(c.sessions_used * c.list_price for c in counters)
        else:
            total = sum(c.sessions * c.list_price for c in counters)
            left = sum(c.sessions_left * c.list_price for c in counters)
            if total <= 0:  # no list prices: each session weighs the same
                total, left = package.sessions_total, package.sessions_left
            amount = package.price_paid * left / total if total else 0.0
        return package.currency_id.round(min(max(amount, 0.0), package.price_paid))

    @api.model
    def _clinic_refundable(self, line_key, count, partner, company):
        """The ``count`` packages a refund of the line ``line_key`` to ``partner`` in
        ``company`` closes: theirs, not closed yet, the least used first (the patient gives
        back what they used least)."""
        packages = self.sudo().search(
            [
                ("line_key", "=", line_key),
                ("state", "in", ("active", "used", "expired")),
                ("partner_id", "child_of", partner.commercial_partner_id.ids),
                ("company_id", "=", company.id),
            ]
        )
        return packages.sorted(lambda p: (p.sessions_total - p.sessions_left, p.id))[:count]

    def _clinic_close_refunded(self, amount, untaxed, link, origin):
        """The package is refunded: closed, nothing left to use, ``amount`` given back
        (``untaxed`` without taxes: what the refund takes out of a deferred revenue; the rest
        of it is recognised, as the patient keeps no right to it)."""
        self.ensure_one()
        package = self.sudo()
        if package.state not in ("active", "used", "expired"):
            raise UserError(self.env._("%(package)s is closed already.", package=package.display_name))
        amount, untaxed = max(amount, 0.0), max(untaxed, 0.0)
        day = fields.Date.context_today(self)
        package.write({"state": "refunded", "refund_amount": amount, "date_refunded": day, link[0]: link[1]})
        if package.deferred:
            untaxed = min(untaxed, package.deferred_balance)
            package.deferred_refunded += untaxed
            package._clinic_recognise(
                package.deferred_balance,
                self.env._("%(package)s refunded: the rest recognised", package=package.display_name),
                day,
                package.product_id,
            )
        self.sudo().message_post(
            body=self.env._(
                "Refunded by %(origin)s: %(amount)s for the unused part.",
                origin=origin,
                amount=format_amount(self.env, amount, self.currency_id),
            )
        )

    def _clinic_check_refund_rights(self):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager refunds a treatment package."))

    def action_clinic_refund(self):
        """A credit note for the unused part of a package sold by a sales order (draft, for the
        manager to check and post; posting it closes the package)."""
        self.ensure_one()
        self._clinic_check_refund_rights()
        # The manager's own companies' packages only (the system makes the credit note).
        self.check_access("read")
        package = self.sudo()
        if package.state not in ("active", "used", "expired"):
            raise UserError(self.env._("%(package)s is closed already.", package=package.display_name))
        if package.refund_rule == "none":
            raise UserError(self.env._("%(package)s is not refundable.", package=package.display_name))
        draft = (
            self.env["account.move.line"]
            .sudo()
            .search([("clinic_package_id", "=", package.id), ("parent_state", "=", "draft")], limit=1)
        )
        if draft:
            # One credit note at a time for a package: the draft made earlier.
            return draft.move_id._get_records_action()
        if not package.sale_line_id:
            raise UserError(
                self.env._(
                    "%(package)s was sold at the Point of Sale: refund it there, from its order (%(origin)s).",
                    package=package.display_name,
                    origin=package.origin,
                )
            )
        invoice_line = package.sale_line_id.invoice_lines.filtered(
            lambda line: line.move_id.move_type == "out_invoice" and line.move_id.state == "posted"
        )[:1]
        if not invoice_line:
            raise UserError(
                self.env._(
                    "%(order)s has no posted invoice for %(package)s: cancel the order if no session was "
                    "used, or invoice it first.",
                    order=package.origin,
                    package=package.display_name,
                )
            )
        amount = package._clinic_refund_amount()
        invoice = invoice_line.move_id
        # The invoice's unit price and taxes, scaled: the line's total is the amount refunded.
        ratio = amount / package.price_paid if package.price_paid else 0.0
        refund = (
            self.env["account.move"]
            .sudo()
            .with_company(package.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "company_id": package.company_id.id,
                    "currency_id": invoice.currency_id.id,
                    "reversed_entry_id": invoice.id,
                    "invoice_origin": package.origin,
                    "ref": self.env._("Unused part of %(package)s", package=package.display_name),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": invoice_line.product_id.id,
                                "name": self.env._("Unused part of %(package)s", package=package.display_name),
                                "quantity": 1,
                                "price_unit": invoice_line.price_unit * ratio,
                                "discount": invoice_line.discount,
                                "tax_ids": [fields.Command.set(invoice_line.tax_ids.ids)],
                                "sale_line_ids": [fields.Command.set(package.sale_line_id.ids)],
                                "clinic_package_id": package.id,
                            }
                        )
                    ],
                }
            )
        )
        return refund._get_records_action()

    # Deferred revenue --------------------------------------------------------------------

    def _clinic_recognise(self, amount, label, day, product):
        """Post an entry moving ``amount`` of the package's deferred revenue to the revenue
        account of ``product`` (the service used, or the package); return it (empty for none)."""
        self.ensure_one()
        package = self.sudo()
        company = package.company_id
        if not package.deferred or company.currency_id.compare_amounts(amount, 0) <= 0:
            return self.env["account.move"]
        journal = company.clinic_package_revenue_journal_id
        liability = company.clinic_package_deferred_account_id
        if not (journal and liability):
            raise UserError(
                self.env._(
                    "%(company)s defers package revenue without a liability account or journal: set them in "
                    "the Clinic Loyalty settings.",
                    company=company.name,
                )
            )
        revenue = (
            product.with_company(company).with_context(clinic_package_income=True)._get_product_accounts()["income"]
            or journal.default_account_id
        )
        line = {"name": label, "partner_id": package.partner_id.id}
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": day,
                    "ref": label,
                    "clinic_package_id": package.id,
                    "line_ids": [
                        fields.Command.create({**line, "account_id": liability.id, "debit": amount, "credit": 0.0}),
                        fields.Command.create({**line, "account_id": revenue.id, "debit": 0.0, "credit": amount}),
                    ],
                }
            )
        )
        move.action_post()
        package.deferred_recognised += amount
        return move

    def _clinic_session_revenue(self, counter):
        """The share of the deferred revenue one session of ``counter`` recognises: its list
        price's share of the package's (sessions alike without list prices); the package's
        last session recognises what is left, so the shares add up to the price exactly."""
        self.ensure_one()
        package = self.sudo()
        if package.sessions_left <= 0:
            return package.deferred_balance
        total = sum(c.sessions * c.list_price for c in package.counter_ids)
        share = (
            package.deferred_amount * counter.list_price / total
            if total > 0
            else package.deferred_amount / (package.sessions_total or 1)
        )
        return min(package.currency_id.round(share), package.deferred_balance)

    # Scheduled actions -------------------------------------------------------------------

    @api.model
    def _cron_clinic_expire_packages(self, batch_size=1000):
        """Packages past their last day expire. A batch per call: the scheduler calls again
        while some remain (each call commits); an expired package is never chosen again."""
        today = fields.Date.context_today(self)
        expired = self.sudo().search([("state", "=", "active"), ("date_end", "<", today)], limit=batch_size)
        expired.write({"state": "expired"})
        for package in expired.filtered(lambda p: p.deferred and p.company_id.clinic_package_recognise_expiry):
            package._clinic_recognise(
                package.deferred_balance,
                self.env._("%(package)s expired: the rest recognised", package=package.display_name),
                today,
                package.product_id,
            )
        remaining = 1 if len(expired) >= batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(expired), remaining=remaining)
        return expired

    @api.model
    def _cron_clinic_package_reminders(self, batch_size=500):
        """Remind patients, once, that a package expires within its template's days, and
        that one session of it is left (when the template asks for it). The reminder's
        unique key makes a repeated run send nothing new; a batch per call."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT package.id, 'expiry'
              FROM clinic_package package
              JOIN product_product product ON product.id = package.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE package.state = 'active' AND package.sessions_left > 0
               AND template.clinic_package_remind_days > 0
               AND package.date_end >= %(today)s
               AND package.date_end - %(today)s <= template.clinic_package_remind_days
               AND NOT EXISTS (SELECT 1 FROM clinic_package_reminder reminder
                                WHERE reminder.key = 'expiry:' || package.id || ':' || package.date_end::text)
             UNION ALL
            SELECT package.id, 'last_session'
              FROM clinic_package package
              JOIN product_product product ON product.id = package.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE package.state = 'active' AND package.sessions_left = 1
               AND template.clinic_package_remind_last
               AND (package.date_end IS NULL OR package.date_end >= %(today)s)
               AND NOT EXISTS (SELECT 1 FROM clinic_package_reminder reminder
                                WHERE reminder.key = 'last_session:' || package.id)
             LIMIT %(limit)s
            """,
            {"today": today, "limit": batch_size},
        )
        rows = self.env.cr.fetchall()
        Reminder = self.env["clinic.package.reminder"]
        reminders = Reminder.browse()
        for kind in ("expiry", "last_session"):
            reminders |= Reminder._clinic_send(self.browse([row[0] for row in rows if row[1] == kind]), kind)
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=1 if len(rows) >= batch_size else 0)
        return reminders

    # The front desk ----------------------------------------------------------------------

    @api.model
    def _clinic_desk_partner(self, partner_id):
        """The patient ``partner_id`` as the front desk may read them (empty for anything else)."""
        user = self.env.user
        if not (
            user.has_group("clinic_loyalty.group_clinic_loyalty_user") or user.has_group("point_of_sale.group_pos_user")
        ):
            raise AccessError(self.env._("Only the clinic's front desk and cashiers read patients' packages."))
        partner = self.env["res.partner"].browse(partner_id if isinstance(partner_id, int) else []).exists()
        if partner:
            partner.check_access("read")
        return partner.sudo()

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

    # Redemption ------------------------------------------------------------------------

    def _clinic_refusal(self, patient, service, company, day):
        """Why this package cannot pay a session of ``service`` for ``patient`` on ``day``
        (a translated sentence), or None when it can."""
        self.ensure_one()
        package = self.sudo()
        if package.company_id != company:
            return self.env._(
                "%(package)s belongs to %(company)s.", package=package.display_name, company=package.company_id.name
            )
        if package.partner_id != patient:
            household = package.partner_id._clinic_household(company)
            member = (
                household
                and household.state == "active"
                and (not household.date_end or household.date_end >= day)
                and patient in household.member_ids
            )
            if not package.household_shared:
                return self.env._(
                    "%(package)s is %(owner)s's and cannot be used by another patient.",
                    package=package.display_name,
                    owner=package.partner_id.name,
                )
            if not member:
                return self.env._(
                    "%(package)s is %(owner)s's: only members of their active household may use it.",
                    package=package.display_name,
                    owner=package.partner_id.name,
                )
        if package.state == "cancelled":
            return self.env._("%(package)s was cancelled.", package=package.display_name)
        if package.state == "refunded":
            return self.env._("%(package)s was refunded.", package=package.display_name)
        if (package.date_end and package.date_end < day) or package.state == "expired":
            return self.env._(
                "%(package)s expired on %(date)s.",
                package=package.display_name,
                date=format_date(self.env, package.date_end),
            )
        counter = package.counter_ids.filtered(lambda c: c.service_id == service)
        if not counter:
            return self.env._(
                "%(package)s does not cover %(service)s.", package=package.display_name, service=service.display_name
            )
        if counter.sessions_left <= 0:
            return self.env._(
                "%(package)s has no %(service)s session left (%(count)s used).",
                package=package.display_name,
                service=service.display_name,
                count=counter.sessions_used,
            )
        return None

    @api.model
    def _clinic_candidates(self, patient, company, day, domain=()):
        """Active, valid packages of ``patient`` and of their household in ``company``,
        the one expiring first first (each still to be checked by ``_clinic_refusal``)."""
        owners = patient
        household = patient._clinic_household(company)
        if household:
            owners |= household.sudo().member_ids | household.sudo().holder_id
        return self.sudo().search(
            [
                ("partner_id", "in", owners.ids),
                ("company_id", "=", company.id),
                ("state", "=", "active"),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", day),
                *domain,
            ],
            order="date_end, id",
        )

    @api.model
    def _clinic_check_uses(self, patient, company, day, uses):
        """Why the sessions ``uses`` [(package, service, units)] of one order cannot be paid
        (translated sentences; empty: they can), counting the order's sessions together."""
        problems = []
        taken = {}
        for package, service, units in uses:
            package = package.sudo()
            refusal = package._clinic_refusal(patient, service, company, day)
            if not refusal and not units:
                refusal = self.env._("A package pays whole sessions, one per unit of the service.")
            if not refusal:
                counter = package.counter_ids.filtered(lambda c, service=service: c.service_id == service)
                taken[counter] = taken.get(counter, 0) + units
                if taken[counter] > counter.sessions_left:
                    refusal = self.env._(
                        "%(package)s has %(left)s %(service)s sessions left, not %(count)s.",
                        package=package.display_name,
                        left=counter.sessions_left,
                        service=service.display_name,
                        count=taken[counter],
                    )
            if refusal:
                problems.append(refusal)
        return problems

    @api.model
    def _clinic_usable(self, patient, service, company, day):
        """The packages that can pay a session of ``service`` for ``patient``, the one
        expiring first first: the patient's own, then their household's shared ones."""
        if not patient:
            return self.browse()
        candidates = self._clinic_candidates(patient, company, day, [("counter_ids.service_id", "=", service.id)])
        usable = candidates.filtered(lambda p: not p._clinic_refusal(patient, service, company, day))
        # Not started yet (valid from the first visit) last: those expiring first are used first.
        return usable.sorted(lambda p: (p.partner_id != patient, not p.date_end, p.date_end or day, p.id))

    def _clinic_redeem(self, patient, service, company, day, key, origin, link):
        """Use one session of ``service`` for ``patient``; once per ``key`` (a document line).

        The package row is locked first: two orders taking its last session wait for each
        other, and the second finds none left. Raises UserError with the reason when the
        package cannot pay it.
        """
        self.ensure_one()
        Use = self.env["clinic.package.use"].sudo()
        self.env.cr.execute("SELECT id FROM clinic_package WHERE id = %s FOR UPDATE", [self.id])
        existing = Use.search([("key", "=", key)])
        if existing:
            # Taken already, or given back by a refund: a replay takes nothing (again).
            return existing
        refusal = self._clinic_refusal(patient, service, company, day)
        if refusal:
            raise UserError(refusal)
        counter = self.sudo().counter_ids.filtered(lambda c: c.service_id == service)
        if not self.date_end:
            # Valid from its first visit: this visit starts it.
            template = self.sudo().product_id.product_tmpl_id
            self.sudo().write({"date_start": day, "date_end": template._clinic_package_date_end(day)})
        use = Use.create(
            {"counter_id": counter.id, "partner_id": patient.id, "key": key, "origin": origin, link[0]: link[1]}
        )
        self._clinic_update_state()
        if self.sudo().deferred:
            amount = self._clinic_session_revenue(counter)
            move = self._clinic_recognise(
                amount,
                self.env._(
                    "%(service)s, session of %(package)s (%(origin)s)",
                    service=service.display_name,
                    package=self.display_name,
                    origin=origin,
                ),
                day,
                service,
            )
            use.write({"revenue_move_id": move.id, "revenue_amount": amount if move else 0.0})
        return use

    @api.model
    def _clinic_restore(self, keys):
        """The sessions used by the lines ``keys`` come back (order cancelled, visit refunded)."""
        uses = self.env["clinic.package.use"].sudo().search([("key", "in", keys), ("restored", "=", False)])
        uses.write({"restored": True})
        for use in uses.filtered("revenue_move_id"):
            # The session's revenue goes back to the liability: its entry is reversed.
            use.revenue_move_id._reverse_moves(
                [
                    {
                        "date": fields.Date.context_today(self),
                        "ref": self.env._("Session given back: %(origin)s", origin=use.origin),
                        "clinic_package_id": use.package_id.id,
                    }
                ],
                cancel=True,
            )
            use.package_id.deferred_recognised -= use.revenue_amount
            use.revenue_amount = 0.0
        uses.package_id._clinic_update_state()
        return uses

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
    list_price = fields.Float(
        string="List Price",
        digits="Product Price",
        readonly=True,
        help="The service's list price when the package was sold: what weighs each session in the "
        "refund of the unused part.",
    )
    use_ids = fields.One2many(
        comodel_name="clinic.package.use", inverse_name="counter_id", string="Visits", readonly=True
    )
    sessions_used = fields.Integer(compute="_compute_sessions_used", store=True)
    sessions_left = fields.Integer(compute="_compute_sessions_left", store=True)

    _sql_constraints = [
        ("sessions_used_range", "CHECK(sessions_used >= 0 AND sessions_used <= sessions)", "No session is left."),
    ]

    @api.depends("use_ids.restored")
    def _compute_sessions_used(self):
        for counter in self:
            counter.sessions_used = len(counter.use_ids.filtered(lambda use: not use.restored))

    @api.depends("sessions", "sessions_used")
    def _compute_sessions_left(self):
        for counter in self:
            counter.sessions_left = counter.sessions - counter.sessions_used


class ClinicPackageUse(models.Model):
    """One session of a package used at a visit (a sales order line, a POS order line)."""

    _name = "clinic.package.use"
    _description = "Treatment Package Session Used"
    _order = "id desc"

    counter_id = fields.Many2one(
        comodel_name="clinic.package.counter",
        string="Sessions",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    package_id = fields.Many2one(related="counter_id.package_id", store=True, index=True)
    company_id = fields.Many2one(related="counter_id.company_id", store=True)
    service_id = fields.Many2one(related="counter_id.service_id", store=True)
    partner_id = fields.Many2one(comodel_name="res.partner", string="Patient", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    origin = fields.Char(string="Visit", readonly=True)
    sale_line_id = fields.Many2one(comodel_name="sale.order.line", string="Sales Order Line", readonly=True)
    pos_line_id = fields.Many2one(comodel_name="pos.order.line", string="POS Order Line", readonly=True)
    restored = fields.Boolean(readonly=True, help="The session came back: the visit was cancelled or refunded.")
    revenue_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Revenue Entry",
        readonly=True,
        help="The entry recognising the session's revenue.",
    )
    revenue_amount = fields.Monetary(currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one(related="counter_id.package_id.currency_id")
    # One use per document line (and confirmation round): a replayed sync uses nothing more.
    key = fields.Char(string="Visit Key", required=True, readonly=True)

    _sql_constraints = [("key_unique", "UNIQUE(key)", "This visit already used its session.")]
