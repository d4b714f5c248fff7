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

    # Odoo's own history of an order (sale_loyalty, pos_loyalty) runs with this context key:
    # it is written from the order's quote, but a clinic card's history is its ledger's
    # (one line per ledger line, see loyalty.card._clinic_post_once), so for clinic cards
    # those writes are left out. Other cards keep Odoo's history as in stock.
    _clinic_stock_key = "clinic_stock_history"

    def _clinic_stock_cards(self, card_ids):
        """Of ``card_ids``, the clinic cards whose history Odoo's order code must not touch."""
        if not self.env.context.get(self._clinic_stock_key) or not card_ids:
            return set()
        # Ids of existing cards (of a create's values or of history lines): no exists() query.
        cards = self.env["loyalty.card"].sudo().browse(card_ids)
        return set(cards.filtered("program_id.clinic_bonus").ids)

    @api.model_create_multi
    def create(self, vals_list):
        skip = self._clinic_stock_cards({vals["card_id"] for vals in vals_list if vals.get("card_id")})
        if skip:
            vals_list = [vals for vals in vals_list if vals.get("card_id") not in skip]
        cards = self.env["loyalty.card"].browse({vals["card_id"] for vals in vals_list if vals.get("card_id")})
        self._clinic_check_history_change(cards)
        return super().create(vals_list)

    def write(self, vals):
        lines = self._clinic_without_stock()
        cards = lines.sudo().card_id
        if vals.get("card_id"):
            cards |= self.env["loyalty.card"].browse(vals["card_id"])
        lines._clinic_check_history_change(cards)
        return super(LoyaltyHistory, lines).write(vals)

    def unlink(self):
        lines = self._clinic_without_stock()
        lines._clinic_check_history_change(lines.sudo().card_id)
        return super(LoyaltyHistory, lines).unlink()

    def _clinic_without_stock(self):
        """These lines, less those of clinic cards when Odoo's order code writes them."""
        skip = self._clinic_stock_cards(self.sudo().card_id.ids)
        return self.filtered(lambda line: line.sudo().card_id.id not in skip) if skip else self

    def _clinic_check_history_change(self, cards):
        if self.env.su or is_server_write(self.env) or self.env.user.has_group(MANAGER_GROUP):
            return
        if cards.sudo().exists().filtered("program_id.clinic_bonus"):
            raise AccessError(
                self.env._("The history of a clinic card is written by its orders; only a loyalty manager corrects it.")
            )
