from odoo import models


class ClinicLoyaltyDocument(models.AbstractModel):
    _inherit = "clinic.loyalty.document"

    # Field of a referral (and its rewards) pointing to an order of this model: set by the
    # orders whose paid visits qualify referrals.
    _clinic_referral_order_field = None

    def _clinic_money_paid(self):
        """Money the patient paid for the document's service and product lines (not points)."""
        self.ensure_one()
        return max(sum(amount for _categ, amount in self._clinic_earning_lines()) - self._clinic_discounts(), 0.0)

    def _clinic_reverse(self, ratio, event, reason, refund=None, settled=0.0, given_back=None):
        reversals = super()._clinic_reverse(ratio, event, reason, refund=refund, settled=settled, given_back=given_back)
        if self._clinic_referral_order_field:
            # The referral rewards this order earned follow its refunds and cancellation.
            self.env["clinic.referral"]._clinic_order_reversed(self, ratio, event, reason, refund)
        return reversals
