from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge_loyalty_cards(self, src_partners, dst_partner):
        # Odoo adds the merged cards' points to one card as a single number. Move them
        # lot by lot through the ledger instead, so each keeps its expiry date and both
        # cards' balances stay the sum of their ledgers; Odoo then only archives the
        # emptied cards.
        Card = self.env["loyalty.card"].sudo()
        cards = Card.search([("partner_id", "in", src_partners.ids), ("program_type", "=", "loyalty")])
        for program in cards.program_id:
            program_cards = cards.filtered(lambda card, program=program: card.program_id == program)
            final = Card.search([("partner_id", "=", dst_partner.id), ("program_id", "=", program.id)], limit=1)
            final = final or program_cards[0]
            for card in program_cards - final:
                card._clinic_transfer_lots(final)
        return super()._merge_loyalty_cards(src_partners, dst_partner)
