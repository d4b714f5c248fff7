"""What the Point of Sale reads of clinic cards: loaded cards and the patient's panel."""

from odoo import api, fields, models
from odoo.exceptions import AccessError


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    # Point of Sale ---------------------------------------------------------------------

    @api.model
    def _load_pos_data_domain(self, data):
        # Stock 18.0 loads every card of the shop's programmes into each POS. The clinic
        # programme's cards are fetched when the patient is selected instead, so the POS
        # opens as fast with 100,000 patients as with 10. Other programmes load as in stock.
        return super()._load_pos_data_domain(data) + [("program_id.clinic_bonus", "=", False)]

    @api.readonly
    @api.model
    def clinic_pos_card_info(self, partner_id):
        """What the cashier's loyalty panel shows for a patient, read on demand."""
        partner, card = self._clinic_desk_card(partner_id)
        return card._clinic_pos_info(partner) if card else {}

    @api.model
    def _clinic_desk_card(self, partner_id):
        """(patient, card) the front desk reads for ``partner_id`` in the company's clinic
        programme, both as the system; empty when there is none.

        Only the clinic's front desk (Loyalty User) reads a card, and only of a patient it
        may read; anything else from the client (not an id) reads nothing. A cashier outside
        the clinic's group sells as in Odoo: the till shows no patient's card (nothing, not
        an error), and the order engine still credits what the order earns.
        """
        user = self.env.user
        if not user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            if user.has_group("point_of_sale.group_pos_user"):
                return self.env["res.partner"], self.browse()
            raise AccessError(self.env._("Only the clinic's front desk reads patients' cards."))
        partner = self.env["res.partner"].browse(partner_id if isinstance(partner_id, int) else []).exists()
        program = self.env.company.clinic_loyalty_program_id
        if not partner or not program.clinic_bonus:
            return partner.browse(), self.browse()
        partner.check_access("read")
        return partner.sudo(), partner.sudo()._clinic_card_in(program)

    def _clinic_pos_info(self, patient):
        self.ensure_one()
        program = self.program_id
        categories = program.clinic_discount_categ_ids
        if categories:
            categories = self.env["product.category"].search([("id", "child_of", categories.ids)])
        household = patient._clinic_household(program.company_id)
        member = household if household and household._clinic_is_member_active() else household.browse()
        plan = member.plan_id
        # A member paying with the family card keeps their own card (points earned before
        # joining, or while the membership did not share points): the desk shows it too.
        own = (
            patient.clinic_card_ids.filtered(lambda card: card.active and card.program_id == program)[:1]
            if self.partner_id != patient
            else self.browse()
        )
        member_categories = plan.discount_categ_ids
        if member_categories:
            member_categories = self.env["product.category"].search([("id", "child_of", member_categories.ids)])
        return {
            "card_id": self.id,
            "program_id": program.id,
            "code": self.code,
            "points": self.points,
            # What this patient may spend now (a member: within the monthly limit); the POS
            # keeps to it, also offline.
            "usable_points": self._clinic_usable_points(patient),
            "point_name": self.point_name,
            "plural_points": self._clinic_plural_points(),
            # A household member pays with the holder's card: the desk says whose it is.
            "holder": self.partner_id.name if self.partner_id != patient else "",
            "own_code": own.code or "",
            "own_points": own.points,
            "tier": self._clinic_current_tier().name or "",
            "next_tier": self.clinic_next_tier_id.name or "",
            "amount_to_next_tier": self.clinic_amount_to_next_tier,
            "tier_progress": self.clinic_tier_progress,
            "discount_percent": self.clinic_discount_percent,
            "discount_categ_ids": categories.ids,
            "expiring_points": self.clinic_expiring_points,
            "expiring_date": fields.Date.to_string(self.clinic_next_expiry_date)
            if self.clinic_next_expiry_date
            else "",
            "max_redeem_percent": program.clinic_max_redeem_percent,
            "household": household.name or "",
            "household_members": len(household.member_ids),
            "household_state": household.state or "",
            "household_valid_until": fields.Date.to_string(household.date_end) if household.date_end else "",
            "member_discount_percent": plan.member_discount_percent if plan else 0.0,
            "member_discount_categ_ids": member_categories.ids,
            "benefit_order": plan.benefit_order or "",
            "vouchers": [
                {
                    "id": voucher.id,
                    "name": voucher.name,
                    "amount": voucher.amount,
                    "left": left,
                    "categ_ids": self.env["product.category"].search([("id", "child_of", voucher.categ_ids.ids)]).ids
                    if voucher.categ_ids
                    else [],
                }
                for voucher, left in (member._clinic_vouchers_left().items() if member else [])
            ],
        }
