from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _clinic_effects(self):
        # After the order's points: a confirmed order is a paid visit (see tools/visits.py),
        # so it closes the patient's recalls of its services and may earn their reward.
        return [*super()._clinic_effects(), (50, "_clinic_close_paid_recalls")]

    def _clinic_close_paid_recalls(self):
        self.ensure_one()
        if self.state == "sale" and self.partner_id:
            self.env["clinic.loyalty.recall"]._clinic_close_recalls(
                self.company_id,
                self.partner_id,
                self.order_line.filtered(lambda line: line.product_uom_qty > 0).product_id,
                document=self,
                paid=True,
                day=self._clinic_day(),
            )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # A quotation with a recalled service is a booking: the recall's call is no longer needed.
        booked = lines.filtered(lambda line: line.order_id.state in ("draft", "sent") and line.order_id.partner_id)
        for order, order_lines in booked.grouped("order_id").items():
            self.env["clinic.loyalty.recall"]._clinic_close_recalls(
                order.company_id, order.partner_id, order_lines.product_id
            )
        return lines
