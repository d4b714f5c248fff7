from odoo import models


class LoyaltyCardUpdateBalance(models.TransientModel):
    _inherit = "loyalty.card.update.balance"

    def action_update_card_point(self):
        # Odoo's "update balance" wizard is the manual adjustment screen: loyalty managers
        # only, and its description becomes the reason on the ledger line.
        self.card_id._clinic_check_can_adjust()
        return super(
            LoyaltyCardUpdateBalance,
            self.with_context(clinic_ledger_reason=self.description),
        ).action_update_card_point()
