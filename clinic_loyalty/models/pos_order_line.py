from odoo import api, models
from odoo.exceptions import UserError

from .pos_order import LINE_VALUE_FIELDS, _clinic_closed


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            orders = self.env["pos.order"].browse({vals.get("order_id") for vals in vals_list} - {None, False})
            self._clinic_check_paid(_clinic_closed(orders.exists()))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and LINE_VALUE_FIELDS & set(vals):
            orders = self.order_id | self.env["pos.order"].browse(vals.get("order_id") or []).exists()
            self._clinic_check_paid(_clinic_closed(orders))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self._clinic_check_paid(_clinic_closed(self.order_id))
        return super().unlink()

    def _clinic_check_paid(self, paid_orders):
        if paid_orders:
            raise UserError(
                self.env._(
                    "Order %(order)s is paid: its lines can no longer be changed. Refund it and sell again.",
                    order=paid_orders[:1]._clinic_origin(),
                )
            )

    def _clinic_amount(self):
        """What the line costs, taxes included, as the server computes it from its price,
        quantity, discount and taxes: the browser's total is not trusted."""
        self.ensure_one()
        if not self.order_id.id:
            # An order being entered at the desk: the figures it was described with.
            return self.price_subtotal_incl
        return self._compute_amount_line_all()["price_subtotal_incl"]

    def _clinic_refunded_fraction(self):
        """The share of the line it refunds that this refund line returns (0 to 1): the
        quantity refunded over the quantity sold."""
        self.ensure_one()
        refunded = self.refunded_orderline_id
        if not refunded.qty or self.qty >= 0:
            return 0.0
        return min(-self.qty / refunded.qty, 1.0)
