from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        result = super().action_confirm()
        self.filtered(lambda order: order.state == "sale")._clinic_sell_packages()
        return result

    def _action_cancel(self):
        for order in self.filtered(lambda o: o.state == "sale"):
            self.env["clinic.package"]._clinic_cancel_sales(
                [line["key"] for line in order._clinic_package_sales()], order.name
            )
        return super()._action_cancel()

    def _clinic_package_sales(self):
        self.ensure_one()
        return [
            {
                "partner": self.partner_id,
                "product": line.product_id,
                "company": self.company_id,
                "quantity": line.product_uom_qty,
                "amount": line.price_total,
                "day": self._clinic_day(),
                "origin": self.name,
                "key": f"sale.order.line:{line.id}",
                "link": ("sale_line_id", line.id),
            }
            for line in self.order_line
            if line.product_id.is_clinic_package and line.product_uom_qty >= 1
        ]
