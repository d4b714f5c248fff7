from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_is_zero


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _compute_discount(self):
        # The card discount (discount scale or tier) is applied to the patient's lines as
        # they are added; a larger pricelist or manual discount is kept. Recomputed when
        # stock Odoo recomputes the discount (product, unit, quantity; "Update Prices"),
        # never on other changes, so an order keeps the discounts stock would keep.
        result = super()._compute_discount()
        for order in self.order_id:
            # Family membership: vouchers and the member discount, in the plan's order.
            order_lines = self.filtered(lambda sol, order=order: sol.order_id == order)
            for line, _voucher, _amount, final in order._clinic_membership_allocation(order_lines):
                gross = line.price_unit * line.product_uom_qty
                if line in self and gross:
                    line.discount = max(line.discount, 100.0 * (1 - final / gross))
            percent, categories = order._clinic_card_discount()
            if not percent:
                continue
            for line in self.filtered(lambda sol, order=order: sol.order_id == order):
                if (
                    line.product_id
                    and not line.display_type
                    and not line.reward_id
                    and (not categories or line.product_id.categ_id in categories)
                    and line.discount < percent
                ):
                    line.discount = percent
        return result

    # Points of a confirmed order on a clinic card are in the ledger, posted once with the
    # order and reversed by its cancellation or credit note. Odoo would move the card's
    # balance when a reward line of a confirmed order changes: refuse that instead.

    @api.model_create_multi
    def create(self, vals_list):
        self._clinic_check_points_rights([vals.get("reward_id") for vals in vals_list])
        lines = super().create(vals_list)
        lines._clinic_check_confirmed_reward_lines()
        return lines

    def write(self, vals):
        if {"reward_id", "coupon_id"} & set(vals):
            # Re-pricing a reward line (same reward, same card) is the server's own update;
            # putting a points reward on a line, or another card under it, is applying one.
            moved = self.filtered(
                lambda line: (
                    vals.get("reward_id", line.reward_id.id) != line.reward_id.id
                    or vals.get("coupon_id", line.coupon_id.id) != line.coupon_id.id
                )
            )
            self._clinic_check_points_rights([vals.get("reward_id", line.reward_id.id) for line in moved])
        if {"points_cost", "coupon_id", "reward_id", "price_unit", "product_uom_qty"} & set(vals):
            self._clinic_check_confirmed_reward_lines()
        if {"product_uom_qty", "price_unit", "discount", "product_id", "tax_id", "product_uom"} & set(vals):
            self._clinic_check_recorded_lines(vals)
        result = super().write(vals)
        if {"points_cost", "coupon_id", "reward_id"} & set(vals):
            self._clinic_check_confirmed_reward_lines()
        return result

    def unlink(self):
        self._clinic_check_confirmed_reward_lines()
        self._clinic_check_recorded_lines({})
        return super().unlink()

    def _clinic_check_points_rights(self, reward_ids):
        """Applying a clinic points reward spends the patient's points: the front desk's.

        Checked where the reward line is written, so every way to apply one (the reward
        button, the reward wizard, a line created over RPC) is refused alike.
        """
        if self.env.su or not any(reward_ids):
            return
        rewards = self.env["loyalty.reward"].sudo().browse({rid for rid in reward_ids if rid and isinstance(rid, int)})
        if rewards.exists().program_id.filtered("clinic_bonus") and not self.env.user.has_group(
            "clinic_loyalty.group_clinic_loyalty_user"
        ):
            raise AccessError(
                self.env._(
                    "Only the clinic's front desk pays an order with a patient's loyalty points. Ask a user of "
                    "the clinic's loyalty programme to apply the points."
                )
            )

    def _clinic_below_price(self):
        """Whether the line sells for less than the server prices it: a unit price or a
        discount typed by hand below what the pricelist, the card and the membership give."""
        self.ensure_one()
        priced = self.new(
            {
                "order_id": self.order_id.id,
                "product_id": self.product_id.id,
                "product_uom": self.product_uom.id,
                "product_uom_qty": self.product_uom_qty,
                "sequence": self.sequence,
            }
        )
        net = self.price_unit * (1 - self.discount / 100)
        expected = priced.price_unit * (1 - priced.discount / 100)
        return self.order_id.currency_id.compare_amounts(net, expected) < 0

    def _clinic_check_recorded_lines(self, vals):
        """Refuse to lower what a confirmed line earned or spent points on.

        A confirmed line's record says what it was paid and earned; selling fewer, cheaper,
        untaxed or in another unit afterwards would leave the patient the points of what was not paid. The
        clinic's rule: refund it with a credit note (which reverses that line's record), or
        cancel the order and confirm it again. Raising the quantity is allowed (it earns
        nothing more until the order is confirmed again).
        """
        lines = self.filtered(lambda line: line.state == "sale")
        if not lines:
            return
        records = (
            self.env["clinic.loyalty.line.record"]
            .sudo()
            .search([("sale_line_id", "in", lines.ids), ("reversed_record_id", "=", False)])
        )
        for record, (points, amount) in records._clinic_left().items():
            line = record.sale_line_id
            if float_is_zero(points, precision_digits=2) and float_is_zero(amount, precision_digits=2):
                continue
            lowered = (
                not vals
                or vals.get("product_uom_qty", line.product_uom_qty) < line.product_uom_qty
                or vals.get("price_unit", line.price_unit) < line.price_unit
                or vals.get("discount", line.discount) > line.discount
                or vals.get("product_id", line.product_id.id) != line.product_id.id
                # Its taxes and unit made the amount it earned on.
                or "tax_id" in vals
                or vals.get("product_uom", line.product_uom.id) != line.product_uom.id
            )
            if lowered:
                raise UserError(
                    self.env._(
                        "%(product)s on order %(order)s was paid with, or earned, loyalty points: it can no longer "
                        "be lowered or removed. Refund it with a credit note, or cancel the order and confirm it "
                        "again.",
                        product=line.product_id.display_name,
                        order=line.order_id.name,
                    )
                )

    def _clinic_check_confirmed_reward_lines(self):
        for line in self:
            if line.reward_id and line.state == "sale" and line.sudo().coupon_id._clinic_cards():
                raise UserError(
                    self.env._(
                        "The points of order %(order)s are posted in the clinic's points ledger. To change its "
                        "points reward, cancel the order, change it and confirm it again.",
                        order=line.order_id.name,
                    )
                )
