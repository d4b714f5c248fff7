from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class LoyaltyCardUpdateBalance(models.TransientModel):
    _inherit = "loyalty.card.update.balance"

    @api.model_create_multi
    def create(self, vals_list):
        # The screen shows the card's balance: only for a card the user may read (a clinic
        # card is the clinic staff's), whatever card id the client sends.
        cards = self.env["loyalty.card"].browse({vals["card_id"] for vals in vals_list if vals.get("card_id")})
        cards.check_access("read")
        return super().create(vals_list)

    def action_update_card_point(self):
        # On a clinic card, Odoo's "update balance" screen is the manager's adjustment: the
        # difference is posted through the ledger (its description is the reason), which
        # writes Odoo's history line. Other cards keep the stock wizard and rights.
        self.ensure_one()
        card = self.card_id._clinic_cards()
        if not card:
            return super().action_update_card_point()
        card._clinic_check_can_adjust()
        if float_compare(self.new_balance, self.old_balance, precision_digits=2) == 0 or self.new_balance < 0:
            raise ValidationError(
                self.env._("The new balance must be zero or more and differ from the current balance.")
            )
        difference = self.new_balance - self.old_balance
        # The adjustment's ledger line writes Odoo's history line (its description is the reason).
        card.action_clinic_adjust(difference, self.description)
        return True
