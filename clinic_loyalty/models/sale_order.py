from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round

from ..tools import reasons
from ..tools.guard import is_server_write, server_write

# Reward lines of these programmes are money the patient already paid (gift card, e-wallet):
# they do not lower the amount that earns points.
PREPAID_PROGRAM_TYPES = ("gift_card", "ewallet")
# The only clinic field of a sales order its salesperson sets; the others are the server's.
CLIENT_FIELDS = frozenset({"clinic_points_to_use"})
DESK_GROUP = "clinic_loyalty.group_clinic_loyalty_user"
MANAGER_GROUP = "clinic_loyalty.group_clinic_loyalty_manager"


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "clinic.loyalty.document"]
    _clinic_ledger_field = "sale_order_id"
    _clinic_record_line_field = "sale_line_id"

    clinic_ledger_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="sale_order_id",
        string="Loyalty Ledger",
        readonly=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_loyalty_round = fields.Integer(
        copy=False,
        default=0,
        readonly=True,
        help="Incremented when the order is cancelled, so a re-confirmed order earns again.",
    )
    clinic_points_to_use = fields.Float(
        string="Points to Use",
        copy=False,
        help="How many points the patient wants to pay with; empty uses as many as the programme allows.",
    )
    clinic_points_earned = fields.Float(
        string="Points Earned",
        compute="_compute_clinic_points",
        compute_sudo=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_points_spent = fields.Float(
        string="Points Spent",
        compute="_compute_clinic_points",
        compute_sudo=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )

    @api.depends("clinic_ledger_ids.points")
    def _compute_clinic_points(self):
        for order in self:
            lines = order.clinic_ledger_ids
            order.clinic_points_earned = sum(lines.filtered(lambda line: line.kind == "earn").mapped("points"))
            order.clinic_points_spent = -sum(lines.filtered(lambda line: line.kind == "spend").mapped("points"))

    # Stock sale_loyalty hooks ------------------------------------------------------------

    def _program_check_compute_points(self, programs):
        # The points a clinic programme gives are the server's own computation, so what
        # the order shows before confirmation is what the patient will earn.
        result = super()._program_check_compute_points(programs)
        for program in programs.filtered("clinic_bonus"):
            status = result.get(program, {})
            if "points" in status:
                # Only enrolled patients earn: an order never creates a card of a clinic programme.
                card = self._clinic_card(program)
                status["points"] = [self._clinic_compute_earning(card, program)["points"] if card else 0.0]
        return result

    def _get_real_points_for_coupon(self, coupon, post_confirm=False):
        # Points of a clinic programme can be spent once earned, not on the order that earns them.
        if not coupon.program_id.clinic_bonus:
            return super()._get_real_points_for_coupon(coupon, post_confirm=post_confirm)
        self.ensure_one()
        points = coupon.points - sum(
            self.order_line.filtered(lambda line: line.coupon_id == coupon).mapped("points_cost")
        )
        return coupon.currency_id.round(points)

    def _get_point_changes(self):
        # The ledger moves the points of clinic programmes (see _clinic_post_loyalty), once per event.
        changes = super()._get_point_changes()
        return {coupon: points for coupon, points in changes.items() if not coupon.program_id.clinic_bonus}

    def _add_points_for_coupon(self, coupon_points):
        if self.state == "sale":
            # A confirmed order's clinic points are in the ledger: only record the figure.
            clinic = {coupon: points for coupon, points in coupon_points.items() if coupon.program_id.clinic_bonus}
            for entry in self.coupon_point_ids.sudo():
                if entry.coupon_id in clinic:
                    entry.points = clinic.pop(entry.coupon_id)
            coupon_points = {c: p for c, p in coupon_points.items() if not c.program_id.clinic_bonus}
            if clinic:
                self.sudo().with_context(tracking_disable=True).write(
                    {"coupon_point_ids": [(0, 0, {"coupon_id": c.id, "points": p}) for c, p in clinic.items()]}
                )
        return super()._add_points_for_coupon(coupon_points)

    def _add_loyalty_history_lines(self):
        # Odoo's history from the order's quote: not for clinic cards, whose history lines are
        # their ledger lines (see loyalty.history); other cards as in stock.
        return super(SaleOrder, self.with_context(clinic_stock_history=True))._add_loyalty_history_lines()

    def _update_loyalty_history(self, coupon_id, points):
        return super(SaleOrder, self.with_context(clinic_stock_history=True))._update_loyalty_history(coupon_id, points)

    def _get_reward_values_discount(self, reward, coupon, **kwargs):
        values = super()._get_reward_values_discount(reward, coupon, **kwargs)
        program = reward.program_id
        if not program.clinic_bonus or reward.discount_mode != "per_point":
            return values
        # Paying with points is capped at the programme's share of the order, and at what
        # the patient asked to use, taxes included as at the POS: the reward lines are priced
        # untaxed with the taxes of the lines they discount, in the order's proportion.
        cap = self._clinic_points_payment_cap(program)
        # Whole points of the card (or of what the patient asked to use) when the programme
        # moves whole points: 4,777.50 on the card pay 4,777.
        cap = min(cap, self.currency_id.round(program._clinic_points_down(coupon.points) * reward.discount))
        if self.clinic_points_to_use > 0:
            cap = min(cap, program._clinic_points_down(self.clinic_points_to_use) * reward.discount)
        untaxed = -sum(vals["price_unit"] * vals.get("product_uom_qty", 1.0) for vals in values)
        discount = untaxed * self._clinic_tax_ratio()
        if discount > cap and discount > 0:
            factor = cap / discount
            for vals in values:
                vals["price_unit"] *= factor
                vals["points_cost"] = (vals.get("points_cost") or 0.0) * factor
        return values

    def _get_program_domain(self):
        # A clinic programme's card is read by the clinic's staff only: for other users
        # (salespeople) Odoo's reward flow leaves it out. Earning does not depend on it:
        # the order engine posts it as the system (see _clinic_effects).
        domain = super()._get_program_domain()
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            domain = [*domain, ("clinic_bonus", "=", False)]
        return domain

    def _update_programs_and_rewards(self):
        # A household member pays with the household's points: offer its card's rewards.
        for order in self:
            if not order.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
                continue
            card = order._clinic_card()
            if card and card.partner_id != order.partner_id and card.points > 0:
                order.applied_coupon_ids |= card
        return super()._update_programs_and_rewards()

    def write(self, vals):
        guarded = [name for name in vals if name.startswith("clinic_") and name not in CLIENT_FIELDS]
        if guarded and not is_server_write(self.env):
            raise AccessError(
                self.env._(
                    "The clinic programme keeps %(fields)s of a sales order: they cannot be changed by hand.",
                    fields=", ".join(self._fields[name].get_description(self.env)["string"] for name in guarded),
                )
            )
        return super().write(vals)

    def action_confirm(self):
        self._clinic_check_value_rights()
        self._clinic_check_spending()
        # The patients' cards are locked before Odoo links them to the orders (see
        # loyalty.card._clinic_lock): two confirmations on one household's card wait in turn.
        self.env["loyalty.card"].concat(*(order._clinic_card() for order in self))._clinic_lock()
        result = super().action_confirm()
        confirmed = self.filtered(lambda order: order.state == "sale")
        confirmed._clinic_post_loyalty()
        return result

    def _action_cancel(self):
        confirmed = self.filtered(lambda order: order.state == "sale")
        # Odoo deletes the order's history lines: a clinic card's lines are its ledger's, and
        # the cancellation's reversal adds its own.
        result = super(SaleOrder, self.with_context(clinic_stock_history=True))._action_cancel()
        for order in confirmed:
            order._clinic_reverse(1.0, "cancel", reasons.reason("order_cancel", order=order.name))
            # The vouchers the order used are available again.
            keys = [f"sale.order.line:{order.clinic_loyalty_round}:{line.id}" for line in order.order_line]
            self.env["clinic.loyalty.voucher.use"].sudo().search([("source_key", "in", keys)]).unlink()
            # A membership the order sold loses the period it paid.
            for line in order.order_line:
                self.env["clinic.loyalty.household"]._clinic_revoke_periods(
                    order._clinic_membership_key(line),
                    line.product_uom_qty,
                    max(int(line.product_uom_qty + 1e-6), 1),
                    order.env._("Order %(order)s cancelled", order=order.name),
                )
            server_write(order).clinic_loyalty_round += 1
        return result

    # Clinic rights --------------------------------------------------------------------

    def _clinic_value_lines(self):
        """Lines that sell the clinic's value to the patient: membership fees here, treatment
        packages in clinic_loyalty_packages."""
        Plan = self.env["clinic.loyalty.membership.plan"]
        lines = self.env["sale.order.line"]
        for order in self:
            plans = Plan._clinic_plans_sold(order.order_line.product_id, order.company_id)
            lines |= order.order_line.filtered(lambda sol, plans=plans: sol.product_id in plans.product_id)
        return lines

    def _clinic_check_value_rights(self):
        """Before confirmation: paying with a patient's points and selling a membership or a
        package are the front desk's (as using a package is), and selling one below the price
        the server gives it (pricelist, card and member discounts) is a loyalty manager's.

        A salesperson without the clinic's rights still confirms the patient's other orders,
        which earn as usual.
        """
        points = self.order_line.sudo().filtered(lambda line: line.reward_id.program_id.clinic_bonus)
        sold = self._clinic_value_lines()
        if not self.env.su:
            self._clinic_check_value_rights_of(self.env.user, points, sold)
            return
        # Confirmed as the system: the patient's signature or payment on the portal, an online
        # payment. The rights are those of who last wrote each membership or package line: a
        # salesperson's quotation signed by the patient is refused as the salesperson's own
        # confirmation is. (Points reward lines are only ever applied by the front desk, see
        # sale.order.line.)
        for line in sold.sudo():
            self._clinic_check_value_rights_of(line.write_uid, points.browse(), line)

    def _clinic_check_value_rights_of(self, user, points, sold):
        if (points or sold) and not user.has_group(DESK_GROUP):
            raise AccessError(
                self.env._(
                    "Only the clinic's front desk confirms an order that pays with a patient's points or "
                    "sells a membership or a treatment package (%(order)s). Ask a user of the clinic's "
                    "loyalty programme to confirm it.",
                    order=(points or sold).order_id[:1].name,
                )
            )
        if not sold or user.has_group(MANAGER_GROUP):
            return
        cheap = sold.filtered(lambda line: line._clinic_below_price())
        if cheap:
            raise AccessError(
                self.env._(
                    "%(product)s on order %(order)s is sold below its price: only a loyalty manager "
                    "confirms a membership or a package at a price or discount typed by hand. Update "
                    "the prices, or ask a loyalty manager.",
                    product=cheap[:1].product_id.display_name,
                    order=cheap[:1].order_id.name,
                )
            )

    # Clinic programme ------------------------------------------------------------------

    def _clinic_card(self, program=None):
        """The card this order earns into and pays from: the patient's, or their household's
        while an active membership shares points (empty if none)."""
        self.ensure_one()
        program = program or self.company_id.clinic_loyalty_program_id
        if not program.clinic_bonus or not self.partner_id:
            return self.env["loyalty.card"]
        return self.partner_id._clinic_card_in(program)

    def _clinic_product_lines(self):
        """Service and product lines that earn: a combo by its items (Odoo prices its parent
        line 0); not a membership fee, a gift card or an e-wallet top-up."""
        excluded = self.env["loyalty.program"]._clinic_non_earning_product_ids()
        return self.order_line.filtered(
            lambda line: (
                line.product_id
                and not line.display_type
                and not line.reward_id
                and line.product_id.type != "combo"
                and line.product_id.id not in excluded
            )
        )

    def _clinic_points_lines(self, card):
        return self.order_line.filtered(lambda line: line.reward_id and line.coupon_id == card)

    def _clinic_tax_ratio(self):
        """What the order's service and product lines cost with their taxes over without:
        an order-wide discount priced untaxed costs the patient this much more."""
        lines = self._clinic_product_lines()
        untaxed = sum(lines.mapped("price_subtotal"))
        return sum(lines.mapped("price_total")) / untaxed if untaxed else 1.0

    def _clinic_points_payment_cap(self, program):
        """Most of this order (taxes included, as at the POS) that may be paid with points."""
        return program._clinic_points_payment_cap(self._clinic_cap_base(), self.currency_id)

    # The order engine's description of a sales order (see clinic.loyalty.document) -------

    def _clinic_day(self):
        self.ensure_one()
        return fields.Date.context_today(self, self.date_order)

    def _clinic_earning_lines(self):
        return [(line.product_id.categ_id.id, line.price_total) for line in self._clinic_product_lines()]

    def _clinic_record_lines(self):
        return self._clinic_product_lines()

    def _clinic_record_qty(self, line):
        return line.product_uom_qty

    def _clinic_discounts(self):
        return -sum(
            line.price_total
            for line in self.order_line
            if line.reward_id and line.reward_id.program_id.program_type not in PREPAID_PROGRAM_TYPES
        )

    def _clinic_cap_base(self):
        # Taxes included, as at the POS: points pay what the patient would have paid.
        return sum(self._clinic_product_lines().mapped("price_total"))

    def _clinic_spending(self, card):
        """(points, amount paid with points, taxes included) of this order's reward lines on
        ``card``: a point pays the same taxed amount as at the POS."""
        lines = self._clinic_points_lines(card)
        points = self._clinic_rewards_cost([(line.reward_id, -line.price_total, line.points_cost) for line in lines])
        return float_round(points, precision_digits=2), -sum(lines.mapped("price_total"))

    def _clinic_check_spending(self, card=None):
        """Refuse, before anything is written, an order that spends points it may not."""
        for order in self:
            order_card = card or order._clinic_card()
            if order_card:
                order._clinic_points_to_spend(order_card)

    def _clinic_points_to_spend(self, card):
        """Points the order takes from ``card``; refused with the reason beyond the rules."""
        self.ensure_one()
        foreign = self.order_line.filtered(
            lambda line: line.reward_id and line.coupon_id.program_id.clinic_bonus and line.coupon_id != card
        ).coupon_id
        if foreign:
            raise UserError(
                self.env._(
                    "Order %(order)s pays with the points of card %(other)s, but %(patient)s earns into and "
                    "pays from card %(card)s. Remove the points reward and apply it again.",
                    order=self.name,
                    other=foreign[:1].code,
                    patient=self.partner_id.display_name,
                    card=card.code,
                )
            )
        points, _money, _allowed, problems = self._clinic_spending_allowance(card)
        if problems:
            raise UserError(problems[0])
        return points

    def _clinic_origin(self):
        self.ensure_one()
        return self.name

    def _clinic_key(self, event):
        self.ensure_one()
        return f"sale.order:{self.id}:{self.clinic_loyalty_round}:{event}"

    def _clinic_effects(self):
        return [
            *super()._clinic_effects(),
            (40, "_clinic_post_card_points"),
            (55, "_clinic_record_membership"),
        ]

    def _clinic_post_loyalty(self):
        """Run the effects of each confirmed order, once per order and confirmation. A
        refusal refuses the confirmation: nothing is written."""
        for order in self:
            order._clinic_run_effects()

    def _clinic_post_card_points(self):
        """Take the points the order spends and, if the programme earns at confirmation, post
        what it earns, on the patient's card."""
        self.ensure_one()
        card = self._clinic_card()
        if not card:
            return
        if self._clinic_points_lines(card):
            # Locked first: two orders spending one (household) balance wait for each other.
            card._clinic_lock()
        self._clinic_post_spending_points(card, self._clinic_points_to_spend(card))
        if card.program_id.clinic_earn_trigger == "confirm":
            self._clinic_post_earning(card)

    def _clinic_earn_when_paid(self):
        """Earn the points of orders whose programme waits for payment, once all invoices are paid."""
        for order in self:
            card = order._clinic_card()
            if not card or not order._clinic_fully_paid():
                continue
            if card.program_id.clinic_earn_trigger == "paid":
                order._clinic_post_earning(card)
            elif order._clinic_money_received():
                # Earned at confirmation; the first paid visit is now (if money was paid:
                # Odoo counts an invoice of 0 as paid).
                card.sudo()._clinic_credit_pending(order._clinic_origin())

    def _clinic_paid_visit(self):
        return self._clinic_fully_paid() and self._clinic_money_received()

    def _clinic_money_received(self):
        """Whether the order's posted invoices asked for (and so, paid, received) any money."""
        invoices = self.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        return self.currency_id.compare_amounts(sum(invoices.mapped("amount_total")), 0) > 0

    def _clinic_fully_paid(self):
        """Whether the confirmed order is invoiced and all its invoices are paid."""
        self.ensure_one()
        if self.state != "sale" or self.invoice_status != "invoiced":
            return False
        invoices = self.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        return bool(invoices) and all(move.payment_state in ("paid", "in_payment") for move in invoices)

    def _clinic_card_discount(self):
        """(discount %, categories it is limited to) the patient's card gives on this order."""
        self.ensure_one()
        card = self._clinic_card() if self.partner_id else self.env["loyalty.card"]
        if not card:
            return 0.0, self.env["product.category"]
        program = card.program_id
        percent = card.clinic_discount_percent
        categories = program.clinic_discount_categ_ids
        if categories:
            categories = self.env["product.category"].search([("id", "child_of", categories.ids)])
        return percent, categories

    # Family membership -----------------------------------------------------------------

    def _clinic_membership(self):
        """The patient's household whose membership gives benefits on this order (empty if none)."""
        self.ensure_one()
        household = self.partner_id._clinic_household(self.company_id)
        day = fields.Date.context_today(self, self.date_order)
        if household and household._clinic_is_member_active(day):
            return household
        return self.env["clinic.loyalty.household"]

    def _clinic_membership_allocation(self, lines=None):
        """[(line, voucher, voucher amount, price after benefits)] for the member's service lines.

        Same result on every call, so what the quotation shows is what confirmation records.
        """
        self.ensure_one()
        household = self._clinic_membership()
        if not household:
            return []
        # Lines being created may not be in order_line yet when their discount is computed.
        candidates = self._clinic_product_lines() | (lines or self.order_line.browse()).filtered(
            lambda sol: sol.product_id and not sol.display_type and not sol.reward_id
        )
        day = fields.Date.context_today(self, self.date_order)
        return household._clinic_allocate_benefits(
            [
                (line, line.product_id, line.price_unit * line.product_uom_qty)
                for line in candidates.sorted(lambda sol: (sol.sequence, sol.id or 0))
            ],
            day,
        )

    def _clinic_membership_key(self, line):
        """The membership period a sales order line pays, once per confirmation."""
        self.ensure_one()
        return f"sale.order.line:{line.id}:{self.clinic_loyalty_round}:membership"

    def _clinic_record_membership(self):
        """On confirmation: record the benefits members used, and start or renew memberships sold."""
        Plan = self.env["clinic.loyalty.membership.plan"].sudo()
        for order in self:
            household = order._clinic_membership()
            allocation = order._clinic_membership_allocation()
            if household and allocation:
                household._clinic_record_benefits(
                    order.partner_id,
                    [(line.id, voucher, amount, final) for line, voucher, amount, final in allocation],
                    {line.id: line.price_unit * line.product_uom_qty for line, *_rest in allocation},
                    order.name,
                    f"sale.order.line:{order.clinic_loyalty_round}:",
                )
            plans = Plan._clinic_plans_sold(order.order_line.product_id, order.company_id)
            for line in order.order_line.filtered(lambda sol, plans=plans: sol.product_id in plans.product_id):
                plan = plans.filtered(lambda p, line=line: p.product_id == line.product_id)
                self.env["clinic.loyalty.household"]._clinic_sell_memberships(
                    order.partner_id,
                    plan,
                    line.price_total,
                    order._clinic_membership_key(line),
                    order.name,
                    line.product_uom_qty,
                )
