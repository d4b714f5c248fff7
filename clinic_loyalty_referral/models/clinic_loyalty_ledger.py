from odoo import fields, models


class ClinicLoyaltyLedger(models.Model):
    _inherit = "clinic.loyalty.ledger"

    referral_reward_id = fields.Many2one(
        comodel_name="clinic.referral.reward",
        string="Referral Reward",
        index="btree_not_null",
        readonly=True,
        ondelete="restrict",
    )
