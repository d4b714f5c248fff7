from odoo import api, fields, models


class ClinicLoyaltyTier(models.Model):
    """A level of a bonus programme, reached by qualifying spend."""

    _name = "clinic.loyalty.tier"
    _description = "Loyalty Tier"
    _order = "program_id, threshold, id"

    program_id = fields.Many2one(
        comodel_name="loyalty.program",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    name = fields.Char(required=True, translate=True)
    threshold = fields.Monetary(
        string="Qualifying Spend",
        currency_field="currency_id",
        help="Amount paid (over the programme's qualifying period) from which a patient is in this tier.",
    )
    earn_rate = fields.Float(string="Cashback (%)", digits=(5, 2))
    discount_percent = fields.Float(string="Discount (%)", digits=(5, 2))
    benefits = fields.Text(
        translate=True, help="What the patient gets in this tier, as told at the desk and on the portal."
    )
    card_count = fields.Integer(compute="_compute_card_count", string="Cards")

    _sql_constraints = [
        (
            "threshold_unique",
            "UNIQUE(program_id, threshold)",
            "Two tiers of a programme cannot have the same threshold.",
        ),
        ("threshold_positive", "CHECK(threshold >= 0)", "A tier's threshold cannot be negative."),
        (
            "rates_range",
            "CHECK(earn_rate >= 0 AND earn_rate <= 100 AND discount_percent >= 0 AND discount_percent <= 100)",
            "A tier's cashback and discount are between 0 and 100%.",
        ),
    ]

    def _compute_card_count(self):
        counts = dict(
            self.env["loyalty.card"]._read_group([("clinic_tier_id", "in", self.ids)], ["clinic_tier_id"], ["__count"])
        )
        for tier in self:
            tier.card_count = counts.get(tier, 0)


class ClinicLoyaltyTierHistory(models.Model):
    """A card moving from one tier to another; kept for the patient's and the clinic's record."""

    _name = "clinic.loyalty.tier.history"
    _inherit = ["clinic.loyalty.notification.mixin"]
    _description = "Loyalty Tier Change"
    _clinic_mail_template = "clinic_loyalty.mail_template_tier_changed"
    _clinic_sms_template = "clinic_loyalty.sms_template_tier_changed"
    _order = "date desc, id desc"

    card_id = fields.Many2one(comodel_name="loyalty.card", required=True, index=True, ondelete="cascade")
    # Precomputed: the nightly job inserts thousands of rows, each complete at once.
    partner_id = fields.Many2one(related="card_id.partner_id", store=True, precompute=True, string="Patient")
    company_id = fields.Many2one(related="card_id.company_id", store=True, precompute=True)
    old_tier_id = fields.Many2one(comodel_name="clinic.loyalty.tier", string="From Tier", ondelete="set null")
    new_tier_id = fields.Many2one(comodel_name="clinic.loyalty.tier", string="To Tier", ondelete="set null")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    spend = fields.Float(string="Qualifying Spend", help="Qualifying spend when the tier changed.")
    direction = fields.Selection(
        selection=[("start", "First Tier"), ("up", "Upgrade"), ("down", "Downgrade")],
        compute="_compute_direction",
        store=True,
        precompute=True,
    )
    origin = fields.Char(string="Source Document")
    notified = fields.Boolean(
        # True unless a change is created to be told later (the nightly recomputation); also
        # what rows that existed before this field get, so no old change is told again.
        default=True,
        readonly=True,
        copy=False,
        help="The patient was told (or, for a card's first tier, there was nothing to tell).",
    )

    def init(self):
        # The notification job looks for the changes not told yet: few rows among many.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS clinic_loyalty_tier_history_to_notify_idx
                ON clinic_loyalty_tier_history (id) WHERE NOT notified
            """
        )

    def _clinic_notify_changes(self):
        """Tell patients their tier changed; a card's first tier (it had none) is not news."""
        self.filtered("old_tier_id")._clinic_notify()
        self.write({"notified": True})

    @api.model
    def _cron_clinic_notify_tier_changes(self, batch_size=500):
        """Tell patients about the tier changes of the nightly recomputation, a batch per call.

        Rendering a message costs milliseconds; the recomputation changes thousands of tiers
        in seconds and leaves the telling to this job, so neither outlives a cron worker.
        """
        changes = self.sudo().search([("notified", "=", False)], order="id", limit=batch_size)
        changes._clinic_notify_changes()
        remaining = self.sudo().search_count([("notified", "=", False)]) if len(changes) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(changes), remaining=remaining)
        return changes

    @api.depends("old_tier_id.threshold", "new_tier_id.threshold")
    def _compute_direction(self):
        for change in self:
            if not change.old_tier_id:
                # A new card placed in its first tier: no move to tell or count as an upgrade.
                change.direction = "start"
                continue
            old = change.old_tier_id.threshold if change.old_tier_id else -1
            new = change.new_tier_id.threshold if change.new_tier_id else -1
            change.direction = "up" if new > old else "down"


class ClinicLoyaltyCategoryRate(models.Model):
    _name = "clinic.loyalty.category.rate"
    _description = "Loyalty Cashback Rate of a Category"
    _order = "program_id, id"

    program_id = fields.Many2one(comodel_name="loyalty.program", required=True, index=True, ondelete="cascade")
    categ_id = fields.Many2one(comodel_name="product.category", string="Category", required=True, ondelete="cascade")
    rate = fields.Float(string="Cashback (%)", digits=(5, 2))
    excluded = fields.Boolean(string="Earns Nothing", help="Services of this category earn no points.")

    _sql_constraints = [
        ("categ_unique", "UNIQUE(program_id, categ_id)", "A category has one rate per programme."),
        ("rate_range", "CHECK(rate >= 0 AND rate <= 100)", "A category's cashback is between 0 and 100%."),
    ]


class ClinicLoyaltyDiscountStep(models.Model):
    _name = "clinic.loyalty.discount.step"
    _description = "Loyalty Discount Scale Step"
    _order = "program_id, threshold, id"

    program_id = fields.Many2one(comodel_name="loyalty.program", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="program_id.currency_id")
    threshold = fields.Monetary(
        string="Cumulative Spend",
        currency_field="currency_id",
        help="From this total paid, the patient's next visits get this discount.",
    )
    percent = fields.Float(string="Discount (%)", digits=(5, 2))

    _sql_constraints = [
        ("threshold_unique", "UNIQUE(program_id, threshold)", "Two steps of a scale cannot have the same threshold."),
        (
            "percent_range",
            "CHECK(percent >= 0 AND percent <= 100 AND threshold >= 0)",
            "A step's discount is between 0 and 100%.",
        ),
    ]
