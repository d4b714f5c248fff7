from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("order_id.partner_id", "order_id.date_order", "price_unit")
    def _compute_discount(self):
        # The card discount (discount scale or tier) is applied to the patient's lines as
        # they are added; a larger pricelist or manual discount is kept.
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
