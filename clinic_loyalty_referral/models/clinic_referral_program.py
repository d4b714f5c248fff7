from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class ClinicReferralProgram(models.Model):
    """A company's referral rules: who is rewarded, with what, and when a newcomer counts."""

    _name = "clinic.referral.program"
    _description = "Referral Programme"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, default=lambda self: self.env._("Referral programme"))
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    rewards_forbidden = fields.Boolean(
        string="Rewards Not Allowed",
        help="Where the law forbids paying for patient referrals (anti-kickback rules): codes still "
        "record who brought whom, but no gift, points or commission is ever posted.",
    )
    compliance_note = fields.Char(
        translate=True,
        help="Why rewards are off, as the front desk and the referral forms show it.",
    )
    sides = fields.Selection(
        [("one", "Referrer only"), ("two", "Referrer and newcomer")],
        required=True,
        default="two",
    )
    newcomer_gift = fields.Selection(
        [("points", "Points"), ("coupon", "Coupon")],
        default="points",
        help="Given when the referral is recorded, to use at the first visit; only a patient without "
        "a paid order receives it.",
    )
    newcomer_points = fields.Float(default=200.0)
    inviter_display = fields.Selection(
        [
            ("first_name", "First name (channels by their name)"),
            ("channel", "Channels only (people are not named)"),
        ],
        string="Inviter on the Public Page",
        required=True,
        default="first_name",
        help="How the public page of a referral link names who invites: a patient or a staff member by "
        "first name, or only channels by name. Never a full name.",
    )
    newcomer_coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="Newcomer Coupon",
        check_company=True,
        domain="[('program_type', '=', 'coupons')]",
        help="Coupon programme whose coupon (a discount on the first visit) the newcomer receives.",
    )
    referrer_reward = fields.Selection(
        [("fixed", "Fixed reward per newcomer"), ("percent", "Share of the newcomer's paid orders")],
        required=True,
        default="fixed",
    )
    referrer_points = fields.Float(default=500.0, help="Points a patient referrer receives per qualified newcomer.")
    commission_amount = fields.Monetary(
        default=500.0, help="Commission a staff member or channel receives per qualified newcomer."
    )
    reward_percent = fields.Float(
        default=5.0,
        help="Share of each order the newcomer pays during the period: points for a patient referrer, "
        "commission for staff and channels.",
    )
    reward_months = fields.Integer(default=6, help="Months after the referral during which orders count.")
    cap_per_newcomer = fields.Float(help="Most a referrer receives for one newcomer (0: no cap).")
    cap_per_referrer_month = fields.Float(help="Most a referrer receives in a calendar month (0: no cap).")
    qualify_min_amount = fields.Monetary(
        string="Minimum First Visit", help="The newcomer qualifies with a paid visit of at least this amount."
    )
    qualify_days = fields.Integer(
        string="Qualify Within (days)",
        default=90,
        help="The newcomer must pay a qualifying visit within this many days of the referral (0: no limit); "
        "after that the referral is refused and the unspent newcomer's gift taken back.",
    )
    monthly_limit = fields.Integer(
        string="Rewarded Referrals per Month",
        help="Most referrals rewarded per referrer in a calendar month (0: no limit); "
        "further referrals are recorded, not rewarded.",
    )

    _sql_constraints = [
        ("company_unique", "UNIQUE(company_id)", "A company has one referral programme."),
    ]

    @api.constrains(
        "newcomer_points",
        "referrer_points",
        "commission_amount",
        "reward_percent",
        "reward_months",
        "cap_per_newcomer",
        "cap_per_referrer_month",
        "qualify_min_amount",
        "qualify_days",
        "monthly_limit",
    )
    def _check_figures(self):
        for program in self:
            figures = [
                program.newcomer_points,
                program.referrer_points,
                program.commission_amount,
                program.reward_percent,
                program.reward_months,
                program.cap_per_newcomer,
                program.cap_per_referrer_month,
                program.qualify_min_amount,
                program.qualify_days,
                program.monthly_limit,
            ]
            if any(value < 0 for value in figures):
                raise ValidationError(self.env._("The referral programme's figures cannot be negative."))
            if program.reward_percent > 100:
                raise ValidationError(self.env._("A share of the newcomer's orders is at most 100%."))

    @api.constrains("sides", "newcomer_gift", "newcomer_coupon_program_id")
    def _check_coupon(self):
        for program in self:
            if program.sides == "two" and program.newcomer_gift == "coupon" and not program.newcomer_coupon_program_id:
                raise ValidationError(self.env._("Choose the coupon programme whose coupon the newcomer receives."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if {"company_id", "active"} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    def _clinic_for(self, company):
        """The active referral programme of ``company`` (empty if none), read as the system.

        Asked by every paid order: cached, so a company without one pays no query."""
        return self.sudo().browse(self._clinic_program_id(company.id))

    @tools.ormcache("company_id")
    def _clinic_program_id(self, company_id):
        return self.sudo().search([("company_id", "=", company_id)], limit=1).id

    def _clinic_rewards_off_reason(self):
        """Why no reward is posted in this programme's company, or None when rewards are on."""
        if not self:
            return self.env._("This company has no referral programme: referrals are recorded, not rewarded.")
        if self.rewards_forbidden:
            return self.compliance_note or self.env._(
                "Paying for patient referrals is not allowed in this company: referrals are recorded, not rewarded."
            )
        return None
