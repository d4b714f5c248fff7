from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    def button_draft(self):
        # A credit note that took back a referrer's reward (points or a commission a manager
        # may have paid out since) is not reset: its reversal stays, as the referral's does.
        posted = self.filtered(lambda move: move.move_type == "out_refund" and move.state == "posted")
        if posted and (
            self.env["clinic.referral.reward"].sudo().search_count([("refund_move_id", "in", posted.ids)], limit=1)
            or self.env["clinic.loyalty.ledger"]
            .sudo()
            .search_count([("refund_move_id", "in", posted.ids), ("referral_reward_id", "!=", False)], limit=1)
        ):
            raise UserError(
                self.env._(
                    "This credit note took back a referral reward: it cannot be reset to draft or cancelled. "
                    "Invoice the patient again if the refund was a mistake."
                )
            )
        return super().button_draft()
