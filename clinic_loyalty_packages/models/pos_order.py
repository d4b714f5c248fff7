from odoo import models

from odoo.addons.clinic_loyalty.models.pos_order import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _clinic_post_loyalty(self):
        result = super()._clinic_post_loyalty()
        self.filtered(lambda order: order.state in PAID_STATES)._clinic_sell_packages()
        return result

    def _clinic_package_sales(self):
        self.ensure_one()
        lines = self.lines.filtered(lambda line: line.product_id.is_clinic_package and line.qty >= 1)
        if lines and not self.partner_id:
            # The order is paid: keep it, and say on it why no package was given.
            self.message_post(
                body=self.env._("A treatment package is sold to a patient: choose the patient before the payment.")
            )
            return []
        return [
            {
                "partner": self.partner_id,
                "product": line.product_id,
                "company": self.company_id,
                "quantity": line.qty,
                "amount": line.price_subtotal_incl,
                "day": self._clinic_day(),
                "origin": self._clinic_origin(),
                "key": f"pos.order.line:{line.id}",
                "link": ("pos_line_id", line.id),
            }
            for line in lines
        ]
