from odoo import models


class ClinicLoyaltyDocument(models.AbstractModel):
    _inherit = "clinic.loyalty.document"

    # Field of a referral (and its rewards) pointing to an order of this model: set by the
    # orders whose paid visits qualify referrals.
    _clinic_referral_order_field = None

    def _clinic_money_paid(self):
        """Money the patient paid for the document's service and product lines (not points,
        not what the payments did not cover): what the order engine earns on."""
        self.ensure_one()
        gross = sum(amount for _categ, amount in self._clinic_earning_lines())
        return min(max(gross - self._clinic_discounts(), 0.0), max(gross, 0.0))

    def _clinic_reverse(self, refunded, event, reason, refund=None, settled=0.0, given_back=None):
        # The share of the money paid that comes back, read before the reversal records it.
        ratio = self._clinic_refunded_ratio(refunded) if self._clinic_referral_order_field else 0.0
        reversals = super()._clinic_reverse(
            refunded, event, reason, refund=refund, settled=settled, given_back=given_back
        )
        if self._clinic_referral_order_field:
            # The referral rewards this order earned follow its refunds and cancellation.
            self.env["clinic.referral"]._clinic_order_reversed(self, ratio, event, reason, refund)
        return reversals
