from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .clinic_package import whole_sessions

# What a line paid by a package may not change once its order is confirmed.
PACKAGE_LINE_FIELDS = {"product_id", "product_uom", "product_uom_qty", "clinic_package_id", "discount"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_clinic_use_packages(self):
        """Cover the order's services from the patient's packages (and their household's
        shared ones), the package expiring first first; each covered line at zero price."""
        self._clinic_check_package_rights()
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(self.env._("Packages are used on a quotation, before it is confirmed."))
            day = order._clinic_day()
            taken = {}
            for line in order.order_line.filtered(lambda sol: not sol.clinic_package_id and not sol.display_type):
                units = line._clinic_package_units()
                if not units:
                    continue
                Package = self.env["clinic.package"]
                for package in Package._clinic_usable(order.partner_id, line.product_id, order.company_id, day):
                    counter = package.counter_ids.filtered(lambda c, line=line: c.service_id == line.product_id)
                    left = counter.sessions_left - taken.get(counter.id, 0)
                    if left >= units:
                        taken[counter.id] = taken.get(counter.id, 0) + units
                        line.write({"clinic_package_id": package.id, "discount": 100.0})
                        break
        return True

    def action_confirm(self):
        self._clinic_check_package_lines()
        return super().action_confirm()

    def _clinic_value_lines(self):
        # Selling a package is the front desk's, as using one is.
        return super()._clinic_value_lines() | self.order_line.filtered(
            lambda line: line.product_id.clinic_is_package and not line.clinic_package_id
        )

    def _clinic_effects(self):
        return [
            *super()._clinic_effects(),
            (60, "_clinic_sell_packages"),
            (61, "_clinic_redeem_package_lines"),
        ]

    def _action_cancel(self):
        if self.filtered(lambda o: o.state == "sale").order_line.filtered("clinic_package_id"):
            # Giving sessions back is the front desk's, as using them is.
            self._clinic_check_package_rights()
        for order in self.filtered(lambda o: o.state == "sale"):
            self.env["clinic.package"]._clinic_cancel_sales(
                [line["key"] for line in order._clinic_package_sales()], order.name
            )
            self.env["clinic.package"]._clinic_restore(
                [key for line in order.order_line for key in line._clinic_package_keys()]
            )
        return super()._action_cancel()

    def _clinic_check_package_lines(self):
        """Before confirmation: every line paid by a package can be, or nothing is confirmed.

        Using a patient's sessions is the clinic's front desk's: a salesperson without the
        clinic's rights who names a package on a line (over RPC) confirms nothing.
        """
        if self.order_line.filtered("clinic_package_id"):
            self._clinic_check_package_rights()
        for order in self:
            lines = order.order_line.filtered("clinic_package_id")
            problems = self.env["clinic.package"]._clinic_check_uses(
                order.partner_id,
                order.company_id,
                order._clinic_day(),
                [(line.clinic_package_id, line.product_id, line._clinic_package_units()) for line in lines],
            )
            if problems:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be confirmed:\n%(problems)s", order=order.name, problems="\n".join(problems)
                    )
                )
            # The sessions are paid by the packages: the lines are at zero price.
            lines.filtered(lambda line: line.discount != 100.0).discount = 100.0

    def _clinic_check_package_rights(self):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk uses patients' treatment packages."))

    def _clinic_redeem_package_lines(self):
        for order in self:
            day = order._clinic_day()
            for line in order.order_line.filtered("clinic_package_id"):
                for key in line._clinic_package_keys():
                    line.clinic_package_id.sudo()._clinic_redeem(
                        order.partner_id,
                        line.product_id,
                        order.company_id,
                        day,
                        key,
                        order.name,
                        ("sale_line_id", line.id),
                    )

    def _clinic_package_sales(self):
        self.ensure_one()
        return [
            {
                "partner": self.partner_id,
                "product": line.product_id,
                "company": self.company_id,
                "quantity": line.product_uom_qty,
                "amount": line.price_total,
                "untaxed": line.price_subtotal,
                "day": self._clinic_day(),
                "origin": self.name,
                "key": f"sale.order.line:{line.id}",
                "link": ("sale_line_id", line.id),
            }
            for line in self.order_line
            if line.product_id.clinic_is_package and line.product_uom_qty >= 1
        ]


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    clinic_package_id = fields.Many2one(
        comodel_name="clinic.package",
        string="Paid by Package",
        copy=False,
        index="btree_not_null",
        domain="[('state', '=', 'active'), ('company_id', '=', company_id)]",
        help="The session is paid by this treatment package (the line is at zero price). Checked again "
        "when the order is confirmed.",
    )

    def _clinic_package_units(self):
        """Sessions the line takes from its package: its quantity in the product's own unit,
        when a whole number (a dozen of a product is twelve of its sessions)."""
        self.ensure_one()
        qty = self.product_uom_qty
        if self.product_uom and self.product_id and self.product_uom != self.product_id.uom_id:
            qty = self.product_uom._compute_quantity(qty, self.product_id.uom_id, round=False)
        return whole_sessions(qty)

    @api.model_create_multi
    def create(self, vals_list):
        # Sessions are checked and taken when the order is confirmed: a line paid by a
        # package is added to a quotation, never to a confirmed order.
        if not self.env.su:
            self._clinic_check_package_access([vals.get("clinic_package_id") for vals in vals_list])
            orders = self.env["sale.order"].browse(
                [vals["order_id"] for vals in vals_list if vals.get("clinic_package_id") and vals.get("order_id")]
            )
            confirmed = orders.filtered(lambda order: order.state == "sale")
            if confirmed:
                raise UserError(
                    self.env._(
                        "%(order)s is confirmed: a session paid by a package is added to a quotation.",
                        order=confirmed[:1].name,
                    )
                )
        return super().create(vals_list)

    def write(self, vals):
        # A confirmed line paid by a package is what the package paid: the same service,
        # quantity and package (cancel the order to change it).
        if vals.get("clinic_package_id") and not self.env.su:
            self._clinic_check_package_access([vals["clinic_package_id"]])
        if PACKAGE_LINE_FIELDS & set(vals) and not self.env.su:
            locked = self.filtered(
                lambda line: line.order_id.state == "sale" and (line.clinic_package_id or vals.get("clinic_package_id"))
            )
            if locked:
                raise UserError(
                    self.env._(
                        "%(order)s is confirmed: a line paid by a package keeps its service, quantity and "
                        "package. Cancel the order to change it.",
                        order=locked.order_id[:1].name,
                    )
                )
        return super().write(vals)

    def _clinic_check_package_access(self, package_ids):
        """A line names a package its writer may read (another company's is refused here,
        before any refusal could name its code)."""
        ids = [pid for pid in package_ids if isinstance(pid, int) and pid]
        if ids:
            self.env["clinic.package"].browse(ids).check_access("read")

    def _clinic_package_keys(self):
        self.ensure_one()
        if not self.clinic_package_id:
            return []
        prefix = f"sale.order.line:{self.order_id.clinic_loyalty_round}:{self.id}"
        return [f"{prefix}:{unit}" for unit in range(self._clinic_package_units())]

    @api.onchange("clinic_package_id")
    def _onchange_clinic_package_id(self):
        if self.clinic_package_id:
            self.discount = 100.0

    def _compute_discount(self):
        result = super()._compute_discount()
        # A session paid by a package is at zero price, whatever stock recomputed.
        for line in self.filtered("clinic_package_id"):
            line.discount = 100.0
        return result
