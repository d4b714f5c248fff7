from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from .clinic_package import whole_sessions


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _clinic_effects(self):
        return [
            *super()._clinic_effects(),
            (60, "_clinic_sell_packages"),
            (61, "_clinic_redeem_package_lines"),
            (62, "_clinic_refund_package_lines"),
        ]

    def _clinic_package_sales(self):
        self.ensure_one()
        lines = self.lines.filtered(lambda line: line.product_id.clinic_is_package and line.qty >= 1)
        if lines and not self.partner_id:
            # The order is paid: keep it, and say on it why no package was given.
            self.message_post(
                body=self.env._("A treatment package is sold to a patient: choose the patient before the payment.")
            )
            return []
        # Value follows payment: a package records the money its line was paid (the
        # server's line amount, in the share the order's payments covered); an order that
        # received nothing gives no package.
        coverage = self._clinic_payment_coverage(debt_paid=True) if lines else 0.0
        if lines and coverage <= 0:
            self.message_post(body=self.env._("The order received no payment: no treatment package was given for it."))
            return []
        return [
            {
                "partner": self.partner_id,
                "product": line.product_id,
                "company": self.company_id,
                "quantity": line.qty,
                "amount": self.currency_id.round(line._clinic_amount() * coverage),
                "untaxed": self.currency_id.round(line._compute_amount_line_all()["price_subtotal"] * coverage),
                "day": self._clinic_day(),
                "origin": self._clinic_origin(),
                "key": f"pos.order.line:{line.id}",
                "uid": line.uuid,
                "link": ("pos_line_id", line.id),
            }
            for line in lines
        ]

    def _clinic_redeem_package_lines(self):
        """Sessions of the order's lines paid by a package, taken once per unit; a refund
        line gives back the sessions of the line it refunds.

        The order is paid and saved whatever happens here (it may have been paid offline):
        a session the server refuses is recorded on the order and told to a loyalty
        manager, never a reason to lose the payment.
        """
        Package = self.env["clinic.package"].sudo()
        for order in self:
            day = order._clinic_day()
            for line in order.lines.filtered("clinic_package_code"):
                units = line._clinic_package_units()
                if units <= 0:
                    continue
                package = Package._clinic_find_code(line.clinic_package_code, order.partner_id, order.company_id)
                try:
                    if not package:
                        raise UserError(
                            self.env._(
                                "No package %(code)s of this patient in this company.", code=line.clinic_package_code
                            )
                        )
                    for unit in range(units):
                        package._clinic_redeem(
                            order.partner_id,
                            line.product_id,
                            order.company_id,
                            day,
                            f"pos.order.line:{line.id}:{unit}",
                            order._clinic_origin(),
                            ("pos_line_id", line.id),
                        )
                except UserError as refusal:
                    order._clinic_package_refused(line, str(refusal))
            for line in order.lines.filtered(lambda ol: ol.qty < 0 and ol.refunded_orderline_id.clinic_package_code):
                refunded = line.refunded_orderline_id
                uses = (
                    self.env["clinic.package.use"]
                    .sudo()
                    .search([("pos_line_id", "=", refunded.id), ("restored", "=", False)], order="id desc")
                )
                keys = uses[: int(-line.qty)].mapped("key")
                Package._clinic_restore(keys)

    def _clinic_refund_package_lines(self):
        """A refund line of a package sold closes that many of the line's packages, for the
        unused part each is worth by its rule (the refund screen asked the server for it).

        Once per refund line: a replayed sync closes nothing more. A refund paying back more
        than the packages' unused part (priced offline, or by hand) is kept and told to a
        loyalty manager, as the order engine does with every paid order.
        """
        Package = self.env["clinic.package"].sudo()
        for order in self:
            for line in order.lines.filtered(
                lambda ol: ol.qty < 0 and ol.refunded_orderline_id.product_id.clinic_is_package
            ):
                units = whole_sessions(-line.qty)
                done = Package.search([("refund_pos_line_id", "=", line.id)])
                if len(done) >= units:
                    continue
                # Only the packages of the patient the money goes back to, in this company.
                packages = Package._clinic_refundable(
                    f"pos.order.line:{line.refunded_orderline_id.id}",
                    units - len(done),
                    order.partner_id,
                    order.company_id,
                )
                # The refund's taxes: what is paid back less them leaves the deferred revenue.
                untaxed_rate = line.price_subtotal / line.price_subtotal_incl if line.price_subtotal_incl else 1.0
                for package in packages:
                    amount = package._clinic_refund_amount()
                    package._clinic_close_refunded(
                        amount, amount * untaxed_rate, ("refund_pos_line_id", line.id), order._clinic_origin()
                    )
                allowed = sum((done | packages).mapped("refund_amount"))
                paid_back = -line.price_subtotal_incl
                currency = order.currency_id
                # Paying back more, or less, than the server's quote (a price changed by hand,
                # a discount added) is told: the patient is never short without anyone knowing.
                if len(done | packages) < units or currency.compare_amounts(abs(paid_back - allowed), currency.rounding) > 0:
                    body = self.env._(
                        "%(product)s: the refund pays back %(paid)s, but the unused part of the packages it "
                        "refunds is worth %(allowed)s (%(count)s of %(units)s packages refunded). A loyalty "
                        "manager decides what the patient owes.",
                        product=line.product_id.display_name,
                        paid=format_amount(self.env, paid_back, currency),
                        allowed=format_amount(self.env, allowed, currency),
                        count=len(done | packages),
                        units=units,
                    )
                    order._clinic_tell_package_problem(
                        self.env._("Package refund to check on %(order)s", order=order.name), body
                    )

    @api.model
    def _clinic_refund_check(self, refunded, wanted):
        # A package pays back the unused part of its packages as it is when the refund is
        # paid: a session used since the refund screen quoted it lowers what may go back.
        problems = super()._clinic_refund_check(refunded, wanted)
        for line in refunded.filtered(lambda ol: ol.product_id.clinic_is_package and ol.qty > 0):
            qty, money = wanted[line.id]
            units = whole_sessions(qty)
            if not units:
                continue
            currency = line.order_id.currency_id
            allowed = currency.round(self._clinic_package_refund_amount(line, units)[1])
            # The desk pays back the quote through a unit price rounded to the cent (and taxed):
            # up to a cent a unit, and one for the total, over the quote is that rounding.
            if currency.compare_amounts(money, allowed + (units + 1) * currency.rounding) > 0:
                problems.append(
                    self.env._(
                        "%(product)s: the unused part of its packages is %(allowed)s now, not %(money)s (a session "
                        "was used since the refund was quoted). Refund it again from the order.",
                        product=line.product_id.display_name,
                        allowed=format_amount(self.env, allowed, currency),
                        money=format_amount(self.env, money, currency),
                    )
                )
        return problems

    @api.model
    def _clinic_package_refund_amount(self, line, units):
        """(packages, money): the packages a refund of ``units`` of the order line ``line``
        closes (the least used first) and the unused part of them it pays back now."""
        order = line.order_id
        packages = self.env["clinic.package"]._clinic_refundable(
            f"pos.order.line:{line.id}", units, order.partner_id, order.company_id
        )
        return packages, sum(package._clinic_refund_amount() for package in packages)

    @api.model
    def clinic_package_refund_quote(self, order_id, refunded):
        """Before a refund is paid: what refunding packages sold by the order gives back.

        ``refunded`` maps the order's line ids to the quantities refunded (as the refund
        screen holds them). Answers ``{"lines": [{"line_id", "amount", "price_unit", "discount", "name"}]}``:
        for each line selling packages, the unused part of the packages a refund closes (the
        least used first) and the unit price that makes the refund line pay back that much.
        """
        if not isinstance(order_id, int) or not isinstance(refunded, dict):
            return {"lines": []}
        order = self.browse(order_id).exists()
        if not order:
            return {"lines": []}
        order.check_access("read")
        order = order.sudo()
        result = []
        for line in order.lines.filtered(lambda ol: ol.product_id.clinic_is_package and ol.qty > 0):
            units = whole_sessions(refunded.get(str(line.id)))
            if not units:
                continue
            packages, amount = self._clinic_package_refund_amount(line, units)
            value = line.price_subtotal_incl * units / line.qty
            result.append(
                {
                    "line_id": line.id,
                    "amount": amount,
                    "price_unit": line.price_unit * amount / value if value else 0.0,
                    # The price above pays back ``amount`` with the line's own discount, as
                    # it was sold (never the card discount the patient has now).
                    "discount": line.discount,
                    "name": self.env._(
                        "%(product)s: unused part of %(packages)s",
                        product=line.product_id.display_name,
                        packages=", ".join(packages.mapped("code")) or "-",
                    ),
                }
            )
        return {"lines": result}

    def _clinic_tell_package_problem(self, title, body):
        """Keep the paid order; say on it what the server found, and give a manager a to-do."""
        self.message_post(body=body)
        card = self._clinic_card()
        if card:
            card._clinic_tell_managers(title, body)

    def _clinic_package_refused(self, line, reason):
        body = self.env._(
            "%(product)s was paid by package %(code)s, which the server refused: %(reason)s A loyalty manager "
            "decides what the patient owes.",
            product=line.product_id.display_name,
            code=line.clinic_package_code,
            reason=reason,
        )
        self._clinic_tell_package_problem(self.env._("Package session refused on %(order)s", order=self.name), body)

    @api.model
    def clinic_check_packages(self, partner_id, lines):
        """Before payment: why the order's lines paid by packages cannot be (empty: they can).

        ``lines``: [{product_id, qty, package_code}] as the POS holds them; anything else
        than ids, numbers and codes is ignored.
        """
        Package = self.env["clinic.package"]
        partner = Package._clinic_desk_partner(partner_id)
        company = self.env.company
        problems = []
        uses = []
        for vals in lines if isinstance(lines, list) else []:
            if not isinstance(vals, dict) or not isinstance(vals.get("package_code"), str):
                continue
            product_id = vals.get("product_id")
            product = self.env["product.product"].browse(product_id if isinstance(product_id, int) else []).exists()
            units = whole_sessions(vals.get("qty"))
            # Only the patient's (and their household's) packages: another patient's code
            # answers as an unknown one.
            package = Package._clinic_find_code(vals["package_code"], partner, company)
            if not package or not product:
                problems.append(self.env._("Package %(code)s cannot pay this line.", code=vals["package_code"]))
            else:
                uses.append((package, product, units))
        problems += Package._clinic_check_uses(partner, company, fields.Date.context_today(self), uses)
        return {"problems": problems}

    @api.model
    def clinic_loyalty_receipt(self, order_id):
        result = super().clinic_loyalty_receipt(order_id)
        order = self.browse(order_id).exists()
        if not order:
            return result
        uses = self.env["clinic.package.use"].sudo().search([("pos_line_id", "in", order.lines.ids)])
        packages = [
            {
                "code": counter.package_id.code,
                "service": counter.service_id.display_name,
                "left": counter.sessions_left,
                "total": counter.sessions,
                "date_end": format_date(self.env, counter.package_id.date_end),
                "display": self.env._(
                    "%(service)s: %(left)s of %(total)s left, %(validity)s",
                    service=counter.service_id.display_name,
                    left=counter.sessions_left,
                    total=counter.sessions,
                    validity=counter.package_id._clinic_validity_text(),
                ),
            }
            for counter in uses.counter_id
        ]
        if packages:
            result = dict(result or {}, packages=packages)
        return result


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    clinic_package_code = fields.Char(
        string="Paid by Package",
        copy=False,
        help="Code of the treatment package the cashier chose to pay this session (checked by the server).",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "clinic_package_code"]

    def _clinic_package_units(self):
        self.ensure_one()
        return whole_sessions(self.qty)
