from odoo import fields, models


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    clinic_referral_code = fields.Char(related="partner_id.referral_code", string="Referral Code")
    clinic_referral_count = fields.Integer(related="partner_id.referral_count", string="Patients Referred")
