"""What the front desk asks the server about an order in progress and a synced order: the
figures the panel, the payment screen and the receipt show are the server's."""

from odoo import Command, api, fields, models
from odoo.tools import float_is_zero


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model
    def clinic_check_points(self, partner_id, product_lines, reward_lines):
        """The loyalty figures of an order in progress, as the server will post them.

        The POS sends the order as it stands: ``product_lines`` [{product_id, qty, amount}]
        and ``reward_lines`` [{reward_id, amount, points}] (amounts taxes included, rewards
        negative). The order engine reads this description as it reads the paid order at
        synchronisation (same lines, same rules: balance, the programme's share, a member's
        monthly limit, category rates, tier, boost) and answers:

        - ``points``, ``allowed``, ``problems``: the points the order's clinic rewards use,
          how many the rules allow, and why not all of them (empty: the order may be paid);
        - ``usable_points``: what the patient may spend now (balance, monthly limit);
        - ``cap``: the most of this order payable with points (money, taxes included), and
          ``usable_amount`` / ``usable_on_order``: what the usable points pay on this
          order, in money and in points (the panel, the rewards popup and the reward line
          keep to it);
        - ``estimate``: the points the order earns once paid as it stands.

        The panel, the rewards popup and the payment screen show these figures; the
        payment is refused here, before the patient pays, rather than after.
        """
        partner, card = self.env["loyalty.card"]._clinic_desk_card(partner_id)
        if not card:
            return {}
        order = self._clinic_order_in_progress(partner, card, product_lines, reward_lines)
        points, money, allowed, problems = order._clinic_spending_allowance(card)
        if float_is_zero(points, precision_digits=2):
            allowed, problems = 0.0, []
        program = card.program_id
        currency = card.currency_id
        usable = card._clinic_usable_points(partner)
        cap = program._clinic_points_payment_cap(order._clinic_cap_base(), currency)
        value = program._clinic_points_reward().discount
        # Points spend in the programme's step (whole points): 4,777.50 on the card pay 4,777.
        spendable = program._clinic_points_down(max(usable, 0.0))
        usable_amount = min(cap, currency.round(spendable * value)) if value else 0.0
        return {
            "points": points,
            "allowed": allowed,
            "problems": problems,
            "usable_points": usable,
            "cap": cap,
            "usable_amount": usable_amount,
            "usable_on_order": program._clinic_points_down(usable_amount / value) if value else 0.0,
            "estimate": order._clinic_compute_earning(card)["points"],
        }

    @api.model
    def _clinic_order_in_progress(self, partner, card, product_lines, reward_lines):
        """The POS's order in progress as a new (unsaved) order of ``partner``: what the
        engine reads of a paid order, from the figures the browser sent (ids and numbers
        only; anything else is left out)."""

        def number(value):
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

        def record_id(value):
            return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

        env = self.env["pos.order"].sudo().env
        products = (
            env["product.product"]
            .browse(
                {record_id(line.get("product_id")) for line in product_lines or [] if isinstance(line, dict)} - {None}
            )
            .exists()
        )
        rewards = (
            env["loyalty.reward"]
            .browse(
                {record_id(line.get("reward_id")) for line in reward_lines or [] if isinstance(line, dict)} - {None}
            )
            .exists()
        )
        lines = [
            Command.create(
                {
                    "product_id": line["product_id"],
                    "qty": number(line.get("qty", 1)) or 1.0,
                    "price_subtotal_incl": number(line.get("amount")),
                }
            )
            for line in product_lines or []
            if isinstance(line, dict) and line.get("product_id") in products.ids
        ] + [
            Command.create(
                {
                    "product_id": reward.discount_line_product_id.id,
                    "qty": 1.0,
                    "reward_id": reward.id,
                    "price_subtotal_incl": number(line.get("amount")),
                    "points_cost": number(line.get("points")),
                }
            )
            for line in reward_lines or []
            if isinstance(line, dict)
            for reward in rewards.filtered(lambda reward, line=line: reward.id == line.get("reward_id"))
        ]
        return env["pos.order"].new(
            {
                "partner_id": partner.id,
                "company_id": card.company_id.id or self.env.company.id,
                "pos_reference": self.env._("in progress"),
                "lines": lines,
            }
        )

    @api.model
    def clinic_loyalty_receipt(self, order_id):
        """Loyalty figures of a synced order for its receipt: earned, spent, balance, expiring,
        each also as text (``display``), and the reasons of the order's ledger lines."""
        order = self.browse(order_id).exists()
        if not order:
            return {}
        order.check_access("read")
        lines = order.sudo().clinic_ledger_ids
        # A refund's reversals belong to the order it refunds and link the refund.
        reversals = self.env["clinic.loyalty.ledger"].sudo().search([("refund_pos_order_id", "=", order.id)])
        card = (lines | reversals).card_id[:1] or order.sudo()._clinic_card()
        if not card:
            return {}
        card.invalidate_recordset(["points"])
        figures = {
            "earned": sum(lines.filtered(lambda line: line.kind == "earn").mapped("points")),
            "spent": -sum(lines.filtered(lambda line: line.kind == "spend").mapped("points")),
            "reversed": sum(reversals.mapped("points")),
            "balance": card.points,
            "expiring_points": card.clinic_expiring_points,
        }
        return {
            "card_code": card.code,
            **figures,
            # As the cashier reads them: points with their plural form, and why each moved,
            # in the POS user's language.
            "display": {name: card._format_points(value) for name, value in figures.items()},
            # Once each: a refund reverses several lines of the order for the same reason.
            "reasons": list(dict.fromkeys(line._clinic_reason_text() for line in (lines | reversals).sorted("id"))),
            "expiring_date": fields.Date.to_string(card.clinic_next_expiry_date)
            if card.clinic_next_expiry_date
            else False,
            "point_name": card.point_name,
        }
