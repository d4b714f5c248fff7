"""Refunds at the Point of Sale: what each refunded line gives back, checked before the
refund is paid and reversed through the order engine when it is."""

from odoo import api, models
from odoo.tools import float_compare, format_amount

from ..tools import reasons
from .pos_order import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _clinic_check_refunded_money(self):
        """A refund paid back more money than its lines were paid (priced offline, or by
        hand): the refund is kept (the money is gone), a loyalty manager gets a to-do."""
        self.ensure_one()
        if not self.company_id.clinic_loyalty_program_id.clinic_bonus:
            return
        pairs = [
            (line.refunded_orderline_id, -line.qty, -line._clinic_amount())
            for line in self.lines
            if line.refunded_orderline_id and not line.refunded_orderline_id.reward_id
        ]
        problems = self._clinic_refund_problems(pairs, exclude=self.lines)
        if problems:
            self._clinic_tell_managers(
                self.env._("Refund %(refund)s pays back too much", refund=self._clinic_origin()), " ".join(problems)
            )

    @api.model
    def _clinic_refund_problems(self, pairs, exclude=None):
        """Why refunding ``pairs`` [(line refunded, quantity, money paid back)] returns more
        money than the lines were paid (empty: it does not).

        A line may give back at most what it was paid: its amount as the server computes it,
        in the share its order's payments covered, for the quantity refunded, less what
        earlier refunds of it (other than ``exclude``) paid back already. The refund screen
        asks before the payment (:meth:`clinic_check_refund`); a refund synced anyway is
        told to a manager.
        """
        problems = []
        for line, qty, money in pairs:
            order = line.order_id
            currency = order.currency_id
            if not line.qty or qty <= 0:
                continue
            # What the line cost, in the share its order received in money, points and rewards
            # (the refund gives points and rewards back through their own lines).
            paid = line._clinic_amount() * order._clinic_payment_coverage(rewards_paid=True, debt_paid=True)
            earlier = (line.refund_orderline_ids - (exclude or self.env["pos.order.line"])).filtered(
                lambda refund: refund.order_id.state in PAID_STATES
            )
            paid_back = -sum(refund._clinic_amount() for refund in earlier)
            allowed = currency.round(max(min(paid * qty / line.qty, paid - paid_back), 0.0))
            if currency.compare_amounts(money, allowed) > 0:
                quantity = f"{qty:g}"
                problems.append(
                    self.env._(
                        "%(product)s was paid %(paid)s; refunding %(qty)s of it pays back at most %(allowed)s, "
                        "not %(money)s. Refund it at its price.",
                        product=line.product_id.display_name,
                        paid=format_amount(self.env, currency.round(paid), currency),
                        qty=quantity,
                        allowed=format_amount(self.env, allowed, currency),
                        money=format_amount(self.env, money, currency),
                    )
                )
        return problems

    @api.model
    def clinic_check_refund(self, lines):
        """Before a refund is paid: ``lines`` [{refunded_line_id, qty, amount}] (the quantity
        refunded and the money paid back for it, taxes included, both positive). Answers
        ``{"problems": [...]}``: empty when no line pays back more than it was paid."""
        if not isinstance(lines, list):
            return {"problems": []}
        wanted = {}
        for item in lines:
            if not isinstance(item, dict):
                continue
            line_id, qty, money = item.get("refunded_line_id"), item.get("qty"), item.get("amount")
            if not isinstance(line_id, int) or isinstance(line_id, bool):
                continue
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (qty, money)):
                continue
            wanted[line_id] = (abs(qty), abs(money))
        refunded = self.env["pos.order.line"].browse(list(wanted)).exists()
        refunded.order_id.check_access("read")
        return {"problems": self._clinic_refund_check(refunded.sudo(), wanted)}

    @api.model
    def _clinic_refund_check(self, refunded, wanted):
        """Why refunding the order lines ``refunded`` with ``wanted`` {line id: (quantity,
        money paid back)} cannot be paid (empty: it can); other addons add their rules."""
        # Clinic companies only: elsewhere refunds are as in stock Odoo.
        refunded = refunded.filtered(
            lambda line: not line.reward_id and line.order_id.company_id.clinic_loyalty_program_id.clinic_bonus
        )
        return self._clinic_refund_problems([(line, *wanted[line.id]) for line in refunded])

    def _clinic_reverse_refunded_orders(self):
        """A POS refund reverses the loyalty of the order it refunds, in proportion to the
        share of its service and product lines refunded."""
        self.ensure_one()
        # The share of the points discount returned with the items is not an item refunded.
        refund_lines = self.lines.filtered(
            lambda line: line.refunded_orderline_id and not line.reward_id and not line.refunded_orderline_id.reward_id
        )
        for line in refund_lines:
            # A membership sold by the refunded order loses the period it paid.
            self.env["clinic.loyalty.household"]._clinic_revoke_periods(
                f"pos.order.line:{line.refunded_orderline_id.id}:membership",
                line.refunded_orderline_id.qty,
                int(-line.qty + 1e-6),
                self._clinic_origin(),
                cancel_key=f"pos.order.line:{line.id}",
            )
        settled = self._clinic_settled_points()
        for original in refund_lines.refunded_orderline_id.order_id.sorted("id"):
            # Each refunded line gives back what its record says it did, in proportion to
            # the quantity refunded (a non-earning line takes back nothing), on the card it
            # was posted on, even if the patient changed household since.
            shares = {}
            for line in refund_lines.filtered(
                lambda rl, original=original: rl.refunded_orderline_id.order_id == original
            ):
                shares[line.refunded_orderline_id.id] = (
                    shares.get(line.refunded_orderline_id.id, 0.0) + line._clinic_refunded_fraction()
                )
            # Spent points come back with the refund's share of the points lines (which the
            # refund screen adds), so money and points returned never exceed what was paid.
            given_back = self._clinic_points_given_back(
                (line.refunded_orderline_id, -line.price_subtotal_incl / line.refunded_orderline_id.price_subtotal_incl)
                for line in self.lines
                if line.refunded_orderline_id.order_id == original
                and line.refunded_orderline_id.reward_id.program_id.clinic_bonus
                and line.refunded_orderline_id.price_subtotal_incl
            )
            original._clinic_reverse(
                shares,
                f"pos.order:{self.id}",
                reasons.reason("order_refund", refund=self._clinic_origin(), order=original._clinic_origin()),
                refund=self,
                settled=settled,
                given_back=given_back,
            )
            # What the refund kept back settles the first order's shortfall (the POS refunds
            # one order at a time); another order's shortfall goes to the managers.
            settled = 0.0

    def _clinic_settled_points(self):
        """Points a refund paid back in money: its lines of the programme's points discount
        product at a positive price (the refund screen's deduction for points already spent),
        valued at the programme's money per point."""
        self.ensure_one()
        if not self.lines.refunded_orderline_id:
            return 0.0
        reward = self.company_id.clinic_loyalty_program_id._clinic_points_reward()
        if not reward:
            return 0.0
        money = sum(
            line.price_subtotal_incl
            for line in self.lines
            if line.product_id == reward.discount_line_product_id
            and not line.reward_id
            and not line.refunded_orderline_id
            and line.price_subtotal_incl > 0
        )
        return money / reward.discount

    @api.model
    def clinic_refund_reward_shares(self, order_id, refunded):
        """What a refund of some of an order's items gives back, before it is paid.

        ``refunded`` maps the order's line ids to the quantities refunded. Answers
        ``{"shares": [{"line_id", "qty", "price_unit"}], "settle": {...} or False}``:

        - ``shares``: the part of the order's clinic points discount that goes with the
          items, which the refund screen adds to the refund (``qty`` units of the points
          line at ``price_unit``, rounded to the currency), so the money returned plus the
          points given back are what the refunded items cost;
        - ``settle``: the points the order earned on these items that the patient has
          already spent (the card no longer holds them), with their value in money
          (``amount``) and the product (``product_id``) of the line that keeps that money
          back from the refund. The server reads that line at synchronisation and takes
          back only the points not paid for.
        """
        empty = {"shares": [], "settle": False}
        if not isinstance(order_id, int) or not isinstance(refunded, dict):
            return empty
        order = self.browse(order_id).exists()
        if not order:
            return empty
        order.check_access("read")
        order = order.sudo()
        fractions = {}
        for line in order._clinic_product_lines():
            qty = refunded.get(str(line.id)) or 0.0
            if isinstance(qty, int | float) and not isinstance(qty, bool) and qty > 0 and line.qty:
                fractions[line.id] = min(qty, line.qty) / line.qty
        if not fractions:
            return empty
        plan = order._clinic_reversal_plan(fractions)
        # The points lines come back in the share of the points the refunded lines paid.
        spent = -sum(order._clinic_posted_lines().filtered(lambda line: line.kind == "spend").mapped("points"))
        restored = sum(step["points"] for step in plan if step["line"].kind == "spend")
        ratio = min(restored / spent, 1.0) if spent else order._clinic_refunded_ratio(fractions)
        shares = []
        currency = order.currency_id
        for line in order.lines.filtered(lambda line: line.reward_id.program_id.clinic_bonus and line.qty > 0):
            # One figure for the screen, the receipt, the till and the ledger: the refund's
            # line is one unit at the share's price in the currency (a fraction of a unit
            # would print and sync rounded to the unit of measure, not as it was paid).
            whole = line.price_unit * line.qty
            earlier = line.refund_orderline_ids.filtered(lambda refund: refund.order_id.state in PAID_STATES)
            returned = sum(-refund.qty * refund.price_unit for refund in earlier) / whole if whole else 1.0
            price_unit = currency.round(whole * min(ratio, max(1.0 - returned, 0.0)))
            if not currency.is_zero(price_unit):
                shares.append({"line_id": line.id, "qty": 1, "price_unit": price_unit})
        settle = False
        missing = sum(step["missing"] for step in plan)
        reward = order.company_id.clinic_loyalty_program_id._clinic_points_reward()
        if reward and float_compare(missing, 0, precision_digits=2) > 0:
            card = plan[0]["line"].card_id
            settle = {
                "points": missing,
                "amount": order.currency_id.round(missing * reward.discount),
                "product_id": reward.discount_line_product_id.id,
                "name": self.env._(
                    "%(points)s already spent, kept back from the refund", points=card._format_points(missing)
                ),
            }
        return {"shares": shares, "settle": settle}
