from odoo import api, models
from odoo.exceptions import AccessError

from ..tools.guard import is_server_write

MANAGER_GROUP = "clinic_loyalty.group_clinic_loyalty_manager"


class LoyaltyHistory(models.Model):
    """Odoo's history lines of a clinic card are what the patient is told they earned and
    used: the order engine writes them from the ledger's figures, a loyalty manager may
    correct them, and nobody else (Odoo gives salespeople and cashiers write access to
    every card's history)."""

    _inherit = "loyalty.history"

    @api.model_create_multi
    def create(self, vals_list):
        cards = self.env["loyalty.card"].browse({vals["card_id"] for vals in vals_list if vals.get("card_id")})
        self._clinic_check_history_change(cards)
        return super().create(vals_list)

    def write(self, vals):
        cards = self.sudo().card_id
        if vals.get("card_id"):
            cards |= self.env["loyalty.card"].browse(vals["card_id"])
        self._clinic_check_history_change(cards)
        return super().write(vals)

    def unlink(self):
        self._clinic_check_history_change(self.sudo().card_id)
        return super().unlink()

    def _clinic_check_history_change(self, cards):
        if self.env.su or is_server_write(self.env) or self.env.user.has_group(MANAGER_GROUP):
            return
        if cards.sudo().exists().filtered("program_id.clinic_bonus"):
            raise AccessError(
                self.env._("The history of a clinic card is written by its orders; only a loyalty manager corrects it.")
            )
