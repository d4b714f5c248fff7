import json

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

from ..tools import reasons

ROUNDING_METHODS = {"down": "DOWN", "half": "HALF-UP", "up": "UP"}


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    clinic_points_validity_months = fields.Integer(
        string="Points Valid for (months)",
        help="Points earned expire this many months after they were earned; 0 keeps them forever.",
    )
    clinic_bonus = fields.Boolean(
        string="Clinic Bonus Rules",
        help="Points are computed on the server from what the patient paid, with the rates, tiers, "
        "limits and bonuses below, and every change is kept in the points ledger. The programme's "
        "own rules are then not used to give points.",
    )
    clinic_earn_rate = fields.Float(
        string="Cashback (%)",
        digits=(5, 2),
        help="Share of the amount paid (not the part paid with points) returned as points, when the "
        "programme has no tiers.",
    )
    clinic_earn_trigger = fields.Selection(
        selection=[("confirm", "Order confirmed"), ("paid", "Invoice paid")],
        string="Points Earned When",
        # Value follows payment: a new programme waits for the invoice to be paid; earning at
        # confirmation is the manager's explicit choice. Existing programmes keep their value.
        default="paid",
        required=True,
        help="Sales orders earn points once all their invoices are paid, or already when they are confirmed "
        "(points for an order that may never be paid).",
    )
    clinic_earn_pay_later = fields.Boolean(
        string="Customer Account Earns",
        help="POS orders put on the customer account (pay later) earn points as if paid. Off: only the money "
        "received at the desk earns; the part on the customer account earns nothing.",
    )
    clinic_rounding = fields.Selection(
        selection=[
            ("down", "Down to whole points"),
            ("half", "To the nearest whole point"),
            ("up", "Up to whole points"),
            ("none", "Keep hundredths"),
        ],
        string="Rounding of Points",
        default="down",
        required=True,
    )
    clinic_max_redeem_percent = fields.Float(
        string="Max. Share Paid with Points (%)",
        digits=(5, 2),
        default=100.0,
        help="At most this share of an order's amount can be paid with points.",
    )
    clinic_tier_ids = fields.One2many(
        comodel_name="clinic.loyalty.tier",
        inverse_name="program_id",
        string="Tiers",
        copy=True,
    )
    clinic_tier_window_months = fields.Integer(
        string="Qualifying Period (months)",
        help="Spend that qualifies for a tier is counted over this many last months; 0 counts the whole history.",
    )
    clinic_tier_upgrade = fields.Selection(
        selection=[("this_order", "From the order that crosses the threshold"), ("next_order", "From the next order")],
        string="New Tier Applies",
        default="next_order",
        required=True,
    )
    clinic_category_rate_ids = fields.One2many(
        comodel_name="clinic.loyalty.category.rate",
        inverse_name="program_id",
        string="Category Rates",
        copy=True,
        help="Cashback rates that replace the tier's rate for services of these categories, or "
        "categories that earn nothing.",
    )
    clinic_welcome_points = fields.Float(string="Welcome Bonus", help="Points given when a card is issued.")
    clinic_birthday_points = fields.Float(string="Birthday Bonus", help="Points given on the patient's birthday.")
    clinic_birthday_wait_days = fields.Integer(
        string="Birthday Bonus Waits (days)",
        default=30,
        help="No birthday bonus within this many days of a date of birth entered or changed at the desk: "
        "a date typed as today's gives nothing.",
    )
    clinic_boost_factor = fields.Float(
        string="Boost Multiplier",
        default=1.0,
        help="Points earned between the boost dates are multiplied by this factor (2 gives double points).",
    )
    clinic_boost_date_from = fields.Date(string="Boost From")
    clinic_boost_date_to = fields.Date(string="Boost Until")
    clinic_discount_mode = fields.Selection(
        selection=[("none", "No card discount"), ("fixed", "Fixed discount"), ("scale", "Discount scale")],
        string="Card Discount",
        default="none",
        required=True,
    )
    clinic_discount_percent = fields.Float(string="Card Discount (%)", digits=(5, 2))
    clinic_discount_step_ids = fields.One2many(
        comodel_name="clinic.loyalty.discount.step",
        inverse_name="program_id",
        string="Discount Scale",
        copy=True,
    )
    clinic_discount_categ_ids = fields.Many2many(
        comodel_name="product.category",
        relation="clinic_loyalty_program_discount_categ_rel",
        string="Discounted Categories",
        help="The card discount applies to services of these categories (and their subcategories); "
        "empty applies it to every line.",
    )
    clinic_expiry_reminder_days = fields.Integer(
        string="Remind Before Expiry (days)",
        default=5,
        help="Patients are told this many days before their points expire; 0 sends no reminder.",
    )
    clinic_notify_email = fields.Boolean(string="Notify by Email", default=True)
    clinic_notify_sms = fields.Boolean(string="Notify by SMS")

    _sql_constraints = [
        (
            "clinic_points_validity_months_positive",
            "CHECK(clinic_points_validity_months >= 0)",
            "The validity of points cannot be negative.",
        ),
        (
            "clinic_max_redeem_percent_range",
            "CHECK(clinic_max_redeem_percent >= 0 AND clinic_max_redeem_percent <= 100)",
            "The share of an order payable with points is between 0 and 100%.",
        ),
        (
            "clinic_tier_window_months_positive",
            "CHECK(clinic_tier_window_months >= 0)",
            "The qualifying period cannot be negative.",
        ),
        (
            "clinic_expiry_reminder_days_positive",
            "CHECK(clinic_expiry_reminder_days >= 0)",
            "The reminder delay cannot be negative.",
        ),
    ]

    @api.constrains("clinic_earn_rate", "clinic_discount_percent", "clinic_boost_factor")
    def _check_clinic_rates(self):
        for program in self:
            if not 0 <= program.clinic_earn_rate <= 100 or not 0 <= program.clinic_discount_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "Cashback and discount rates of %(program)s are between 0 and 100%%.", program=program.name
                    )
                )
            if program.clinic_boost_factor <= 0:
                raise ValidationError(
                    self.env._(
                        "The boost multiplier of %(program)s must be above 0 (1 means no boost).", program=program.name
                    )
                )

    @api.constrains("clinic_boost_date_from", "clinic_boost_date_to")
    def _check_clinic_boost_dates(self):
        for program in self:
            start, end = program.clinic_boost_date_from, program.clinic_boost_date_to
            if start and end and start > end:
                raise ValidationError(
                    self.env._("The boost of %(program)s ends before it starts.", program=program.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        programs.filtered("clinic_bonus")._clinic_open_ledgers()
        return programs

    def write(self, vals):
        if "clinic_bonus" in vals and not vals["clinic_bonus"]:
            self._clinic_check_can_leave_clinic_rules()
        opening = self.filtered(lambda program: not program.clinic_bonus) if vals.get("clinic_bonus") else self.browse()
        result = super().write(vals)
        opening._clinic_open_ledgers()
        return result

    def _clinic_check_can_leave_clinic_rules(self):
        """A programme whose cards have a ledger stays a clinic programme: its history would stop adding up."""
        self.env["clinic.loyalty.ledger"].flush_model(["program_id"])
        for program in self.filtered("clinic_bonus"):
            if self.env["clinic.loyalty.ledger"].sudo().search_count([("program_id", "=", program.id)], limit=1):
                raise UserError(
                    self.env._(
                        "The cards of %(program)s have a points ledger: its clinic rules cannot be turned off. "
                        "Archive the programme and start a new one instead.",
                        program=program.name,
                    )
                )

    def _clinic_open_ledgers(self):
        """Give each card of these programmes that holds points without a ledger its opening line.

        One set-based INSERT: a clinic may turn the rules on for a programme with many cards.
        The current balance becomes an opening line (and, when positive, a lot that never
        expires), so every card's balance equals its ledger sum from then on. Safe to re-run.
        """
        if not self:
            return
        self.env["loyalty.card"].flush_model(["points", "program_id"])
        self.env.cr.execute(
            """
            INSERT INTO clinic_loyalty_ledger (card_id, partner_id, program_id, company_id, kind, points,
                                               date, user_id, reason, reason_data, source_key, remaining_points,
                                               amount, balance_after,
                                               create_uid, create_date, write_uid, write_date)
            SELECT card.id, card.partner_id, card.program_id, card.company_id, 'adjust', card.points,
                   now() AT TIME ZONE 'UTC', %(uid)s, %(reason)s, %(reason_data)s, 'opening',
                   GREATEST(card.points, 0),
                   0, card.points,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM loyalty_card card
             WHERE card.program_id = ANY(%(programs)s)
               AND card.points <> 0
               AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_ledger l WHERE l.card_id = card.id)
            """,
            {
                "uid": self.env.uid,
                "reason": reasons.MESSAGES["opening"]._source,
                "reason_data": json.dumps(reasons.reason("opening")),
                "programs": self.ids,
            },
        )
        self.env["clinic.loyalty.ledger"].invalidate_model()

    @api.model
    def _clinic_non_earning_product_ids(self):
        """Products whose sale earns no points: membership fees, gift cards and e-wallet
        top-ups (prepaid credit earns when it is spent on services), and rewards' discount
        products (a refund's deduction for points already spent). Configuration: read once
        and kept in Odoo's cache until a plan, rule, reward or programme type changes."""
        return self._clinic_read_non_earning_product_ids()

    @api.model
    @tools.ormcache()
    def _clinic_membership_product_ids(self):
        """Products that sell a membership plan (cached like the non-earning products)."""
        self.env["clinic.loyalty.membership.plan"].flush_model(["product_id"])
        self.env.cr.execute("SELECT product_id FROM clinic_loyalty_membership_plan")
        return frozenset(row[0] for row in self.env.cr.fetchall())

    @tools.ormcache()
    def _clinic_read_non_earning_product_ids(self):
        self.env["clinic.loyalty.membership.plan"].flush_model(["product_id"])
        self.env["loyalty.reward"].flush_model(["discount_line_product_id"])
        self.env["loyalty.rule"].flush_model(["product_ids", "program_id"])
        self.env["loyalty.program"].flush_model(["program_type"])
        self.env.cr.execute(
            """
            SELECT product_id FROM clinic_loyalty_membership_plan
             UNION
            SELECT rel.product_product_id
              FROM loyalty_rule_product_product_rel rel
              JOIN loyalty_rule rule ON rule.id = rel.loyalty_rule_id
              JOIN loyalty_program program ON program.id = rule.program_id
             WHERE program.program_type IN ('gift_card', 'ewallet')
             UNION
            SELECT discount_line_product_id FROM loyalty_reward WHERE discount_line_product_id IS NOT NULL
            """
        )
        return frozenset(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return fields_list + ["clinic_bonus", "clinic_max_redeem_percent", "clinic_rounding"]

    def _clinic_tier_for_spend(self, spend):
        """The highest tier whose threshold ``spend`` reaches (tiers are ordered by threshold)."""
        self.ensure_one()
        reached = self.clinic_tier_ids.filtered(lambda tier: tier.threshold <= spend + 0.005)
        return reached[-1:] if reached else self.env["clinic.loyalty.tier"]

    def _clinic_base_rate(self, tier):
        """Cashback % for lines without a category rate: the tier's, else the programme's."""
        self.ensure_one()
        return tier.earn_rate if tier else self.clinic_earn_rate

    def _clinic_category_rates(self):
        """{category id: rate or None (excluded)}, with each category's rule inherited by its subcategories.

        Configuration: read once per programme and kept in Odoo's cache until a rate or a
        category's place in the tree changes, so pricing an order costs no query for it.
        """
        self.ensure_one()
        return dict(self._clinic_read_category_rates(self.id))

    @api.model
    @tools.ormcache("program_id")
    def _clinic_read_category_rates(self, program_id):
        program = self.sudo().browse(program_id)
        rates = {}
        if not program.clinic_category_rate_ids:
            return ()
        # Deeper categories win over their parents: apply the rules from the top down.
        rules = program.clinic_category_rate_ids.sorted(lambda r: len(r.categ_id.parent_path or ""))
        categories = self.env["product.category"].sudo().search([("id", "child_of", rules.categ_id.ids)])
        for rule in rules:
            prefix = rule.categ_id.parent_path
            for categ in categories:
                if categ.parent_path.startswith(prefix):
                    rates[categ.id] = None if rule.excluded else rule.rate
        return tuple(rates.items())

    def _clinic_boost(self, day):
        self.ensure_one()
        start, end = self.clinic_boost_date_from, self.clinic_boost_date_to
        if self.clinic_boost_factor != 1 and (not start or start <= day) and (not end or day <= end):
            return self.clinic_boost_factor
        return 1.0

    def _clinic_points_step(self):
        """The smallest number of points the programme moves: one point, or a hundredth when
        it keeps hundredths. Earning, spending and refunds keep to it, so a balance of a
        programme that rounds to whole points is always whole."""
        self.ensure_one()
        return 0.01 if self.clinic_rounding == "none" else 1.0

    def _clinic_points_digits(self):
        """Decimal places of the programme's points (0 for whole points)."""
        return 2 if self.clinic_rounding == "none" else 0

    def _clinic_points_down(self, points):
        """``points`` down to the programme's step: what may be spent of a balance."""
        self.ensure_one()
        points = float_round(points, precision_digits=6)
        return float_round(points, precision_rounding=self._clinic_points_step(), rounding_method="DOWN")

    def _clinic_round_points(self, points):
        self.ensure_one()
        if self.clinic_rounding == "none":
            return float_round(points, precision_digits=2, rounding_method="DOWN")
        return float_round(points, precision_rounding=1, rounding_method=ROUNDING_METHODS[self.clinic_rounding])

    def _clinic_compute_earning(self, card, lines, discounts, day):
        """Points an order earns on ``card``, computed from the order itself.

        ``lines`` are the order's product lines as (category id, amount paid incl. taxes),
        ``discounts`` what was taken off them (reward lines, the part paid with points; gift
        cards and e-wallets count as paid). Returns ``{"points", "paid", "rate", "tier"}``:
        ``paid`` is what the patient paid with money. Each line earns its category's rate,
        else the tier's (or the programme's) rate, in proportion to what was paid; the
        boost multiplies the total, rounded as configured. A fixed number of queries
        whatever the number of lines.
        """
        self.ensure_one()
        gross = sum(amount for _categ, amount in lines)
        # What was paid with money, never more than the lines cost (a refund's points line
        # is no payment) nor below zero.
        paid = min(max(gross - discounts, 0.0), max(gross, 0.0))
        ratio = paid / gross if gross else 0.0
        tier = card._clinic_current_tier() if card else self.env["clinic.loyalty.tier"]
        if card and self.clinic_tier_ids and self.clinic_tier_upgrade == "this_order":
            qualifying = card._clinic_read_spend()[0]
            reached = self._clinic_tier_for_spend(qualifying + paid)
            if reached and (not tier or reached.threshold > tier.threshold):
                tier = reached
        base_rate = self._clinic_base_rate(tier)
        category_rates = self._clinic_category_rates()
        rates = [category_rates.get(categ_id, base_rate) or 0.0 for categ_id, _amount in lines]
        raws = [amount * ratio * rate / 100.0 for (_categ, amount), rate in zip(lines, rates, strict=True)]
        points = max(self._clinic_round_points(sum(raws) * self._clinic_boost(day)), 0.0)
        paid = self.currency_id.round(paid)
        # What each line did: its share of the points (in proportion to what it earned before
        # rounding) and of the money paid (in proportion to its amount); the shares add up.
        Record = self.env["clinic.loyalty.line.record"]
        line_points = Record._clinic_split(points, raws, digits=self._clinic_points_digits())
        line_paid = Record._clinic_split(paid, [amount for _categ, amount in lines])
        return {
            "points": points,
            "paid": paid,
            "rate": base_rate,
            "tier": tier,
            "lines": list(zip(line_points, line_paid, rates, strict=True)),
        }

    def _clinic_points_payment_cap(self, gross, currency):
        """Most of an order of ``gross`` that may be paid with points: the programme's share,
        down to what whole points pay when the programme moves whole points (143.75 payable
        at 1 per point is 143 points, 143.00)."""
        self.ensure_one()
        cap = currency.round(gross * self.clinic_max_redeem_percent / 100.0)
        value = self._clinic_points_reward().discount
        if value and self.clinic_rounding != "none":
            cap = currency.round(self._clinic_points_down(cap / value) * value)
        return cap

    def _clinic_points_reward(self):
        """The programme's points discount (money per point): how a point is valued when a
        refund pays back in money points the patient has already spent (empty if none, or
        for no programme: a company without a clinic programme)."""
        if not self:
            return self.env["loyalty.reward"]
        self.ensure_one()
        return self.reward_ids.filtered(
            lambda reward: reward.reward_type == "discount" and reward.discount_mode == "per_point" and reward.discount
        )[:1]

    def _clinic_discount_for_spend(self, spend, tier=None):
        """Card discount % for a patient who has spent ``spend`` so far (applies from the next visit)."""
        self.ensure_one()
        percent = 0.0
        if self.clinic_discount_mode == "fixed":
            percent = self.clinic_discount_percent
        elif self.clinic_discount_mode == "scale":
            steps = self.clinic_discount_step_ids.filtered(lambda step: step.threshold <= spend + 0.005)
            percent = steps[-1:].percent if steps else 0.0
        return max(percent, tier.discount_percent if tier else 0.0)
