from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero

REWARD_KINDS = [
    ("gift", "Newcomer's Gift"),
    ("points", "Referrer's Points"),
    ("commission", "Commission"),
]
REWARD_STATES = [
    ("posted", "Posted"),
    ("pending", "Pending"),
    ("payable", "Payable"),
    ("paid", "Paid"),
    ("reversed", "Reversed"),
]


class ClinicReferralReward(models.Model):
    """One reward of a referral: the newcomer's gift, the referrer's points, or a commission.

    Points are posted on the card through the ledger (this record is the ledger lines'
    document, so refunds reverse them with the order engine's rules); commissions are money
    owed to a staff member or a channel, approved and paid out by a manager. A refund adds a
    negative commission line; nothing is ever edited by hand.
    """

    _name = "clinic.referral.reward"
    _inherit = ["clinic.loyalty.document"]
    _description = "Referral Reward"
    _order = "date desc, id desc"
    _clinic_ledger_field = "referral_reward_id"

    referral_id = fields.Many2one("clinic.referral", required=True, index=True, ondelete="restrict", readonly=True)
    referrer_id = fields.Many2one(related="referral_id.referrer_id", store=True, index=True)
    referrer_kind = fields.Selection(related="referral_id.referrer_kind", store=True)
    newcomer_id = fields.Many2one(related="referral_id.newcomer_id", store=True)
    company_id = fields.Many2one(related="referral_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(REWARD_KINDS, required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Receives",
        readonly=True,
        index=True,
        help="The patient whose card receives points, the staff member or the channel's partner paid a commission.",
    )
    card_id = fields.Many2one("loyalty.card", readonly=True, index="btree_not_null")
    coupon_id = fields.Many2one("loyalty.card", string="Coupon", readonly=True, index="btree_not_null")
    amount = fields.Float(
        readonly=True, help="Points (gift, referrer's points) or money (commission); negative on a reversal line."
    )
    base_amount = fields.Monetary(string="Order Paid", readonly=True, help="What the order that earned it paid.")
    reversed_amount = fields.Float(readonly=True, help="Part of the reward taken back by refunds.")
    net_amount = fields.Float(compute="_compute_net_amount", store=True, string="Net")
    state = fields.Selection(REWARD_STATES, required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    source_key = fields.Char(required=True, readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    pos_order_id = fields.Many2one("pos.order", readonly=True, index="btree_not_null")
    reversal_of_id = fields.Many2one("clinic.referral.reward", string="Reverses", readonly=True, index="btree_not_null")
    refund_move_id = fields.Many2one(
        "account.move",
        string="Credit Note",
        readonly=True,
        index="btree_not_null",
        help="The credit note that took it back.",
    )
    reversal_ids = fields.One2many("clinic.referral.reward", "reversal_of_id", readonly=True)
    paid_date = fields.Date(readonly=True)
    paid_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(referral_id, source_key)", "A referral rewards each event once."),
    ]

    @api.depends("amount", "reversed_amount", "reversal_of_id")
    def _compute_net_amount(self):
        for reward in self:
            reward.net_amount = 0.0 if reward.reversal_of_id else reward.amount - reward.reversed_amount

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("Referral rewards change only through the clinic's own actions."))
        return super().write(vals)

    # The order engine's description (for reversals through the ledger) ----------------

    def _clinic_origin(self):
        self.ensure_one()
        return self.referral_id.code_used

    def _clinic_post_points(self, reason):
        """Post this reward's points on its card, once."""
        self.ensure_one()
        return self.card_id.sudo()._clinic_post(
            "earn",
            self.amount,
            reason,
            source_key=self._clinic_points_key(),
            origin=self._clinic_origin(),
            document=self,
        )

    def _clinic_points_key(self):
        self.ensure_one()
        return f"clinic.referral.reward:{self.id}"

    def _clinic_hold_points(self, reason):
        """Promise this reward's points on its card, credited at the first paid visit."""
        self.ensure_one()
        return self.card_id.sudo()._clinic_hold_pending(self.amount, reason, self._clinic_points_key(), document=self)

    def _clinic_pending_points(self):
        self.ensure_one()
        return self.env["clinic.loyalty.pending"].sudo().search([("source_key", "=", self._clinic_points_key())])

    def _clinic_pending_credited(self, line):
        """The first paid visit credited the held points (see ``clinic.loyalty.pending``)."""
        self.ensure_one()
        if self.state == "pending":
            self.sudo().write({"state": "posted"})

    def _clinic_sync_reversed(self):
        """Points taken back from the card by reversals, as the ledger holds them."""
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        for reward in self:
            taken = -sum(
                Ledger.search([("referral_reward_id", "=", reward.id), ("kind", "=", "reversal")]).mapped("points")
            )
            vals = {"reversed_amount": taken}
            if float_compare(taken, reward.amount, precision_digits=2) >= 0:
                vals["state"] = "reversed"
            reward.write(vals)

    def _clinic_reverse_share(self, ratio, event, reason, refund=None):
        """Take back ``ratio`` of this reward (never more than is left of it), once per ``event``."""
        self.ensure_one()
        if self.kind == "points":
            self._clinic_reverse(ratio, event, reason, refund=refund)
            self._clinic_sync_reversed()
            return
        key = f"{self.source_key}:undo:{event}"
        if self.search_count([("referral_id", "=", self.referral_id.id), ("source_key", "=", key)]):
            return
        take = self.currency_id.round(min(self.amount * ratio, self.amount - self.reversed_amount))
        if float_compare(take, 0, precision_digits=2) <= 0:
            return
        self.create(
            {
                "referral_id": self.referral_id.id,
                "kind": "commission",
                "partner_id": self.partner_id.id,
                "amount": -take,
                "state": "reversed",
                "source_key": key,
                "reversal_of_id": self.id,
                "sale_order_id": self.sale_order_id.id,
                "pos_order_id": self.pos_order_id.id,
                "refund_move_id": refund.id if refund and refund._name == "account.move" else False,
            }
        )
        vals = {"reversed_amount": self.reversed_amount + take}
        if float_is_zero(self.amount - vals["reversed_amount"], precision_digits=2) and self.state in (
            "pending",
            "payable",
        ):
            vals["state"] = "reversed"
        self.write(vals)

    # Payout ----------------------------------------------------------------------------

    def _clinic_check_manager(self):
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager approves and pays out referral commissions."))
        self.check_access("read")
        me = self.env.user.partner_id.commercial_partner_id
        if self.filtered(lambda r: r.partner_id.commercial_partner_id == me):
            raise AccessError(
                self.env._("A manager does not approve or pay out their own commission: another manager does.")
            )

    def action_approve(self):
        """Commissions checked by the manager become payable."""
        wrong = self._clinic_payout_step("pending", {"state": "payable"})
        if wrong:
            raise UserError(self.env._("Only pending commissions can be approved (%(rewards)s).", rewards=wrong))
        return True

    def action_mark_paid(self):
        """The manager paid these commissions out (outside Odoo or by a vendor bill)."""
        vals = {"state": "paid", "paid_date": fields.Date.context_today(self), "paid_by_id": self.env.uid}
        wrong = self._clinic_payout_step("payable", vals)
        if wrong:
            raise UserError(self.env._("Only payable commissions can be marked paid (%(rewards)s).", rewards=wrong))
        return True

    def _clinic_payout_step(self, state, vals):
        """Move commissions in ``state`` on (``vals``), as a manager; or name those that are not."""
        self._clinic_check_manager()
        wrong = self.filtered(lambda r: r.kind != "commission" or r.state != state)
        if wrong:
            return ", ".join(wrong.mapped("display_name"))
        self.sudo().write(vals)
        return None

    @api.depends("kind", "referral_id", "amount")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for reward in self:
            reward.display_name = (
                f"{labels.get(reward.kind, '')} {reward.referral_id.code_used or ''} {reward.amount:g}"
            )
