import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, format_amount

from ..tools.guard import is_server_write, server_write
from .sale_order import PREPAID_PROGRAM_TYPES

PAID_STATES = ("paid", "done", "invoiced")
# What decides the clinic value of a POS order: closed once its effects have run (see write).
ORDER_VALUE_FIELDS = frozenset({"partner_id", "lines", "payment_ids", "pricelist_id", "fiscal_position_id"})
LINE_VALUE_FIELDS = frozenset(
    {
        "order_id",
        "product_id",
        "qty",
        "price_unit",
        "discount",
        "price_subtotal",
        "price_subtotal_incl",
        "tax_ids",
        "refunded_orderline_id",
        "reward_id",
        "points_cost",
    }
)


def _clinic_closed(orders):
    """The orders of ``orders`` whose clinic effects have run, in a company that runs a
    clinic programme: their value-bearing fields are closed."""
    return orders.filtered(
        lambda order: order.clinic_loyalty_posted and order.company_id.clinic_loyalty_program_id.clinic_bonus
    )


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "clinic.loyalty.document"]
    _clinic_ledger_field = "pos_order_id"
    _clinic_refund_ledger_field = "refund_pos_order_id"
    _clinic_record_line_field = "pos_line_id"

    clinic_ledger_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="pos_order_id",
        string="Loyalty Ledger",
        readonly=True,
        groups="clinic_loyalty.group_clinic_loyalty_user",
    )
    clinic_loyalty_posted = fields.Boolean(
        string="Loyalty Applied",
        readonly=True,
        copy=False,
        help="The paid order's loyalty effects have run (once): its patient, lines and payments are closed.",
    )

    def write(self, vals):
        # Paid stays paid: the patient, lines and payments of a paid clinic order decided
        # what it earned, spent and gave; changing them afterwards would earn the same
        # payment twice, or sell what was not paid. Refunds are new orders.
        if "clinic_loyalty_posted" in vals and not is_server_write(self.env):
            raise AccessError(self.env._("Whether an order's loyalty was applied is the server's to record."))
        touched = ORDER_VALUE_FIELDS & set(vals)
        if touched and not self.env.su:
            closed = _clinic_closed(self)
            if touched == {"partner_id"}:
                # Naming the customer of a paid order that had none (to invoice it) is allowed.
                closed = closed.filtered(lambda order: order.partner_id and order.partner_id.id != vals["partner_id"])
            if closed:
                raise UserError(
                    self.env._(
                        "Order %(order)s is paid: its patient, lines and payments can no longer be changed. "
                        "Refund it and sell again.",
                        order=closed[:1]._clinic_origin(),
                    )
                )
        return super().write(vals)

    # Synchronisation from the POS ------------------------------------------------------

    @api.model
    def sync_from_ui(self, orders):
        # A batch of several paid orders (a till sending its offline queue) locks the clinic
        # cards they may post to first, all at once and in id order: two tills sending their
        # queues in another order ([A, B] and [B, A]) then wait for each other instead of
        # deadlocking. A single order locks its card when it posts (a short lock: a card
        # many desks pay from is not held for the whole synchronisation).
        paid = (
            [order for order in orders if isinstance(order, dict) and order.get("state") != "draft"]
            if isinstance(orders, list)
            else []
        )
        if len(paid) > 1:
            self._clinic_lock_cards_of_payload(paid)
        return super().sync_from_ui(orders)

    @api.model
    def _clinic_lock_cards_of_payload(self, orders):
        """Lock, in id order, the clinic cards the orders sent by the POS may post to: the
        clinic cards their lines name, and the cards of each patient and of their household's
        holder in the POS company's programme. One query; nothing is trusted here, the
        postings decide from the saved orders (locking a card they do not use costs a wait)."""

        def an_id(value):
            return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31

        coupons, patients = set(), set()
        for order in orders:
            for command in order.get("lines") or []:
                vals = command[2] if isinstance(command, list | tuple) and len(command) == 3 else command
                coupon = vals.get("coupon_id") if isinstance(vals, dict) else None
                if an_id(coupon):
                    coupons.add(coupon)
            partner_id, session_id = order.get("partner_id"), order.get("session_id")
            if an_id(partner_id) and an_id(session_id):
                patients.add((partner_id, session_id))
        if not coupons and not patients:
            return
        self.env.cr.execute(
            SQL(
                """
                WITH asked AS (
                    SELECT company.clinic_loyalty_program_id AS program_id, asked.partner_id
                      FROM unnest(%(partners)s::int[], %(sessions)s::int[]) AS asked(partner_id, session_id)
                      JOIN pos_session session ON session.id = asked.session_id
                      JOIN pos_config config ON config.id = session.config_id
                      JOIN res_company company ON company.id = config.company_id
                ), patients AS (
                    SELECT program_id, partner_id FROM asked
                     UNION
                    SELECT asked.program_id, household.holder_id
                      FROM asked
                      JOIN res_partner patient ON patient.id = asked.partner_id
                      JOIN clinic_loyalty_household household ON household.id = patient.clinic_household_id
                )
                SELECT card.id
                  FROM loyalty_card card
                  JOIN loyalty_program program ON program.id = card.program_id AND program.clinic_bonus
                 WHERE card.id = ANY(%(coupons)s::int[])
                    OR (card.program_id, card.partner_id) IN (SELECT program_id, partner_id FROM patients)
                 ORDER BY card.id
                   FOR NO KEY UPDATE OF card
                """,
                coupons=sorted(coupons),
                partners=[partner for partner, _session in sorted(patients)],
                sessions=[session for _partner, session in sorted(patients)],
            )
        )

    def action_pos_order_paid(self):
        # Every way an order becomes paid reaches the ledger, once: the POS sync (Odoo calls
        # this from _process_order), the back-office payment screen, "Return Products" paid
        # from the back office, online payments. The browser's loyalty figures are not
        # trusted: the server posts what the order spends and earns from the order itself.
        # An order synced again (retry, offline queue) is skipped by Odoo or finds every
        # effect already recorded under its order line's key.
        result = super().action_pos_order_paid()
        self._clinic_post_loyalty()
        return result

    def confirm_coupon_programs(self, coupon_data):
        # Points of clinic cards are the ledger's business (posted at synchronisation): keep
        # the browser's reward-line links, drop its point figures, and never let it create a
        # clinic card. Which cards are clinic cards is read from the cards themselves, never
        # from the programme the browser names.
        self.ensure_one()
        self.check_access("write")
        coupon_data = {int(k): dict(v) for k, v in coupon_data.items()}
        Card = self.env["loyalty.card"].sudo()
        clinic_cards = set(Card.browse([k for k in coupon_data if k > 0]).exists()._clinic_cards().ids)
        claimed = Card.env["loyalty.program"].browse({v.get("program_id") for v in coupon_data.values()}).exists()
        clinic_programs = set(claimed.filtered("clinic_bonus").ids)
        for coupon_id, vals in list(coupon_data.items()):
            gift_card = vals.get("giftCardId")
            if gift_card:
                # Stock Odoo loads a scanned physical gift card with the amount the browser
                # sends; only a card of a gift card programme can be loaded that way.
                target = Card.browse(int(gift_card)).exists()
                if not target or target.program_id.program_type != "gift_card":
                    raise UserError(
                        self.env._(
                            "Order %(order)s tries to load card %(card)s as a gift card, but it is not a gift card.",
                            order=self._clinic_origin(),
                            card=target.code or gift_card,
                        )
                    )
            elif coupon_id < 0 and vals.get("program_id") in clinic_programs:
                del coupon_data[coupon_id]
            elif coupon_id in clinic_cards:
                vals["points"] = 0
                # The card is the server's choice (a member pays from the household's
                # card): Odoo must not swap it for the patient's own card.
                vals.pop("partner_id", None)
        return super().confirm_coupon_programs(coupon_data)

    def add_loyalty_history_lines(self, coupon_data, coupon_updates):
        # Odoo's history from the browser's figures: not for clinic cards, whose history lines
        # are their ledger lines (see loyalty.history); other cards as in stock.
        self.check_access("write")
        return super(PosOrder, self.with_context(clinic_stock_history=True)).add_loyalty_history_lines(
            coupon_data, coupon_updates
        )

    # Clinic programme ------------------------------------------------------------------

    def _clinic_card(self):
        """The card this order earns into and pays from (the patient's, or their household's
        while an active membership shares points), if this POS runs the clinic programme."""
        self.ensure_one()
        program = self.company_id.clinic_loyalty_program_id
        if not program.clinic_bonus or not self.partner_id or program not in self.config_id._get_program_ids():
            return self.env["loyalty.card"]
        return self.partner_id._clinic_card_in(program)

    def _clinic_product_lines(self):
        """Service and product lines that earn: a combo by its items (Odoo prices its parent
        line 0); not a membership fee, a gift card or an e-wallet top-up."""
        excluded = self.env["loyalty.program"]._clinic_non_earning_product_ids()
        return self.lines.filtered(
            lambda line: (
                not line.reward_id and not line.combo_line_ids and line.qty > 0 and line.product_id.id not in excluded
            )
        )

    def _clinic_origin(self):
        """How the patient and the cashier name this order: the receipt's number
        (00012-001-0003), without the word Odoo puts before it in the cashier's language
        ("Order", "Заказ"): the messages that name the order say "order" themselves."""
        self.ensure_one()
        reference = self.pos_reference or ""
        number = re.search(r"\d+-\d+-\d+", reference)
        return number.group(0) if number else reference or self.name

    def _clinic_key(self, event):
        self.ensure_one()
        return f"pos.order:{self.id}:{event}"

    def _clinic_effects(self):
        return [
            *super()._clinic_effects(),
            (5, "_clinic_check_line_figures"),
            (6, "_clinic_check_refunded_money"),
            (10, "_clinic_reverse_refunded_orders"),
            (20, "_clinic_sell_memberships"),
            (30, "_clinic_record_membership_benefits"),
            (40, "_clinic_post_card_points"),
        ]

    def _clinic_post_loyalty(self):
        """Run the effects of each paid POS order, never blocking the order.

        The patient has paid and left: an effect that refuses (a household member buying
        the household's plan, a package the rules refuse) must not undo the payment nor
        make the till retry forever. The effects run in one savepoint; when one refuses,
        they run again each in its own savepoint, so the others apply, and the refused
        one is recorded as a to-do for a loyalty manager with its reason.
        """
        for order in self.filtered(lambda o: o.state in PAID_STATES and not o.clinic_loyalty_posted):
            # Once: a payment hook run again (by Odoo, or called over RPC) applies nothing.
            server_write(order).clinic_loyalty_posted = True
            try:
                with self.env.cr.savepoint():
                    order._clinic_run_effects()
                continue
            except (UserError, ValidationError):
                self.env.invalidate_all()
            for _sequence, method in sorted(order._clinic_effects()):
                try:
                    with self.env.cr.savepoint():
                        getattr(order, method)()
                except (UserError, ValidationError) as error:
                    self.env.invalidate_all()
                    order._clinic_record_refused_effect(error)

    def _clinic_record_refused_effect(self, error):
        """A to-do for a loyalty manager: the paid order kept, what the clinic refused to do."""
        self.ensure_one()
        message = error.args[0] if error.args else str(error)
        self._clinic_tell_managers(
            self.env._("Loyalty not applied on order %(order)s", order=self._clinic_origin()), message
        )

    def _clinic_tell_managers(self, summary, note):
        """Say on the paid order what went wrong, and give a loyalty manager a to-do on the
        patient's card (or the patient): the order is kept, someone settles it."""
        self.ensure_one()
        self.sudo().message_post(body=self.env._("%(summary)s: %(reason)s", summary=summary, reason=note))
        target = self.sudo()._clinic_card() or self.partner_id
        if target:
            self.env["loyalty.card"].sudo()._clinic_tell_managers_about(target, summary, note, self.company_id)

    def _clinic_check_line_figures(self):
        """Tell a manager when the browser's line totals differ from the server's.

        The engine earns, spends and refunds on the server's amounts whatever the browser
        sent; a difference beyond the currency's rounding (a tampered or broken till) is
        written on the order and given to a loyalty manager as a to-do.
        """
        self.ensure_one()
        if not self.company_id.clinic_loyalty_program_id.clinic_bonus:
            return
        currency = self.currency_id
        wrong = [
            (line, line._clinic_amount())
            for line in self.lines
            if currency.compare_amounts(line.price_subtotal_incl, line._clinic_amount()) != 0
        ]
        if not wrong:
            return
        summary = self.env._("Line totals corrected on order %(order)s", order=self._clinic_origin())
        note = " ".join(
            self.env._(
                "%(product)s: the till sent %(sent)s, the server counts %(server)s.",
                product=line.product_id.display_name,
                sent=format_amount(self.env, line.price_subtotal_incl, currency),
                server=format_amount(self.env, server, currency),
            )
            for line, server in wrong
        )
        self._clinic_tell_managers(summary, note)

    def _clinic_post_card_points(self):
        """Take the points the order's rewards spend and post what it earns, on the patient's card."""
        self.ensure_one()
        card = self._clinic_card()
        if card:
            self._clinic_post_spending(card)
            self._clinic_post_earning(card)

    # The order engine's description of a POS order (see clinic.loyalty.document) --------

    def _clinic_day(self):
        self.ensure_one()
        return fields.Date.context_today(self, self.date_order)

    def _clinic_earning_lines(self):
        return [(line.product_id.categ_id.id, line._clinic_amount()) for line in self._clinic_product_lines()]

    def _clinic_record_lines(self):
        return self._clinic_product_lines()

    def _clinic_record_qty(self, line):
        return line.qty

    def _clinic_discounts(self):
        """What the order's rewards took off, and the part of the lines its payments did not
        cover: only money received earns (see :meth:`_clinic_payment_coverage`)."""
        rewards = -sum(
            line._clinic_amount()
            for line in self.lines
            if line.reward_id and line.reward_id.program_id.program_type not in PREPAID_PROGRAM_TYPES
        )
        gross = sum(amount for _categ, amount in self._clinic_earning_lines())
        unpaid = max(gross - max(rewards, 0.0), 0.0) * (1.0 - self._clinic_payment_coverage())
        return rewards + unpaid

    def _clinic_payment_coverage(self, rewards_paid=False, debt_paid=False):
        """Share (0 to 1) of what the order's lines cost, after its rewards, that its payments
        received: value follows payment.

        The money received is spread over the lines in proportion to what each costs, so an
        order whose payments cover half of it earns on half of each line. Gift cards and
        e-wallets count as paid, and so do the items an exchange returns (their refund lines
        pay for the new items, up to what they were paid: see the refund check). The
        customer account (pay later) is a debt, not money: it counts as paid for what the
        order sells (``debt_paid``: packages, memberships, what a refund may give back) and
        for earning only when the programme's *Customer Account Earns* says so. Lines priced
        below zero that refund nothing lower what is covered, never what is due. An order
        being entered at the desk (not saved) counts as paid in full, as it will be. With
        ``rewards_paid``, every reward line counts as paid too (points, coupons: what a
        refund returns through the reward lines it refunds with the items).
        """
        self.ensure_one()
        if not self.id:
            return 1.0
        due = received = 0.0
        for line in self.lines:
            amount = line._clinic_amount()
            prepaid = line.reward_id and line.reward_id.program_id.program_type in PREPAID_PROGRAM_TYPES
            if line.reward_id and (prepaid or rewards_paid):
                received -= amount
            elif line.reward_id or line.qty > 0 and amount > 0:
                due += amount
            elif line.refunded_orderline_id and amount < 0 and line.refunded_orderline_id.qty:
                # An item returned in an exchange pays, at most what it cost when sold.
                sold = line.refunded_orderline_id
                received += min(-amount, sold._clinic_amount() * min(-line.qty / sold.qty, 1.0))
        debt_paid = debt_paid or self.company_id.clinic_loyalty_program_id.clinic_earn_pay_later
        received += sum(
            payment.amount for payment in self.payment_ids if debt_paid or payment.payment_method_id.type != "pay_later"
        )
        if float_compare(due, 0, precision_digits=2) <= 0:
            return 0.0
        # Cash rounding: a payment rounded to the till's step pays the whole order.
        config = self.config_id
        if config.cash_rounding and config.rounding_method and due - received <= config.rounding_method.rounding:
            return 1.0
        return min(max(received / due, 0.0), 1.0)

    def _clinic_cap_base(self):
        return sum(amount for _categ, amount in self._clinic_earning_lines())

    def _clinic_spending(self, card):
        """(points, money) the order's clinic reward lines take from ``card``, recomputed on the server.

        Every reward line of the clinic programme pays with the patient's card (the
        server's choice of card, whatever coupon the browser linked). A points discount
        costs what the discount is worth at the programme's value of a point; another
        reward costs at least its required points, whatever points the browser claimed.
        """
        lines = self._clinic_reward_lines(card)
        points = self._clinic_rewards_cost(
            [(line.reward_id, -line._clinic_amount(), line.points_cost) for line in lines]
        )
        return card.currency_id.round(points), -sum(line._clinic_amount() for line in lines)

    def _clinic_reward_lines(self, card):
        return self.lines.filtered(
            lambda line: line.reward_id and (line.coupon_id == card or line.reward_id.program_id == card.program_id)
        )

    def _clinic_post_spending(self, card):
        """Take from ``card`` the points the order's rewards cost, as far as the rules allow.

        The patient has paid and left: the order is never refused here. Points over the
        balance, the programme's share or the member's monthly limit are not taken (a
        balance never goes below zero) and the loyalty managers get a to-do on the card.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"]
        key = self._clinic_key("spend")
        card._clinic_lock()
        if Ledger.sudo().search_count([("card_id", "=", card.id), ("source_key", "=", key)]):
            return Ledger
        points, _money, allowed, problems = self._clinic_spending_allowance(card)
        if float_is_zero(points, precision_digits=2):
            return Ledger
        reward_lines = self._clinic_reward_lines(card).sudo()
        # The lines say what the server took: from which card, how many points.
        reward_lines.filtered(lambda line: line.coupon_id != card).coupon_id = card
        claimed = sum(reward_lines.mapped("points_cost"))
        if float_compare(claimed, allowed, precision_digits=2):
            reward_lines[:1].points_cost = allowed - claimed + reward_lines[:1].points_cost
        if problems and not self._clinic_excess_recorded(card):
            card._clinic_record_spending_excess(self, points, allowed, problems)
        return self._clinic_post_spending_points(card, allowed)

    def _clinic_excess_recorded(self, card):
        summary = self.env._("Points over the rules on order %(order)s", order=self._clinic_origin())
        return bool(
            self.env["mail.activity"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", "loyalty.card"),
                    ("res_id", "=", card.id),
                    ("summary", "=", summary),
                ]
            )
        )

    def _clinic_record_membership_benefits(self):
        """Record the vouchers and member discount a member's paid order received.

        The server allocates the benefits again from the order's lines (as the POS did) and
        records those the lines really carry: a line whose discount is below the benefit,
        for example changed by hand, uses no voucher.
        """
        self.ensure_one()
        household = self.partner_id._clinic_household(self.company_id)
        if not household:
            return
        day = fields.Date.context_today(self, self.date_order)
        if not household._clinic_is_member_active(day):
            return
        lines = self._clinic_product_lines().sorted("id")
        grosses = {line.id: line.price_unit * line.qty for line in lines}
        allocation = household._clinic_allocate_benefits(
            [(line.id, line.product_id, grosses[line.id]) for line in lines], day
        )
        discounts = {line.id: line.discount for line in lines}
        granted = [
            (key, voucher, amount, final)
            for key, voucher, amount, final in allocation
            if discounts[key] >= 100.0 * (1 - final / grosses[key]) - 0.01
        ]
        household._clinic_record_benefits(self.partner_id, granted, grosses, self._clinic_origin(), "pos.order.line:")

    def _clinic_sell_memberships(self):
        """A paid POS order selling a membership plan's product starts or renews the membership."""
        self.ensure_one()
        plans = self.env["clinic.loyalty.membership.plan"]._clinic_plans_sold(self.lines.product_id, self.company_id)
        coverage = self._clinic_payment_coverage(debt_paid=True) if plans else 0.0
        for line in self.lines.filtered(lambda pol: pol.product_id in plans.product_id and pol.qty > 0):
            if not self.partner_id:
                # The order is paid: keep it, and say on it why no membership started.
                self.message_post(
                    body=self.env._("A membership is sold to a patient: choose the patient before the payment.")
                )
                continue
            # One period per unit sold; value follows payment: the periods record the money
            # the line was paid.
            self.env["clinic.loyalty.household"]._clinic_sell_memberships(
                self.partner_id,
                plans.filtered(lambda p, line=line: p.product_id == line.product_id),
                self.currency_id.round(line._clinic_amount() * coverage),
                f"pos.order.line:{line.id}:membership",
                self._clinic_origin(),
                line.qty,
            )
