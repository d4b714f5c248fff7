from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, format_date

from odoo.addons.clinic_loyalty.tools.guard import server_write
from odoo.addons.clinic_loyalty.tools.unverified import is_unverified

from ..tools import referral_reasons

REFERRAL_STATES = [
    ("pending", "Pending"),
    ("qualified", "Qualified, Not Rewarded"),
    ("rewarded", "Rewarded"),
    ("reversed", "Reversed"),
    ("refused", "Refused"),
]
NO_REWARD_REASONS = [
    ("compliance", "Rewards not allowed in this company"),
    ("no_program", "No referral programme"),
    ("limit", "Referrer over the monthly limit"),
    ("deadline", "No qualifying visit in time"),
    ("manager", "Refused by a manager"),
    ("before", "Recorded before referral rewards"),
]
SOURCES = [
    ("desk", "Front Desk"),
    ("pos", "Point of Sale"),
    ("sale", "Sales Order"),
    ("link", "Referral Link"),
    ("signup", "Portal Sign-up"),
]


class ClinicReferral(models.Model):
    """Who brought whom: a newcomer, their referrer, the code used, and what it earned.

    Recorded once per newcomer and company, only through ``_clinic_record`` (which refuses
    the impossible referrals); it then follows the newcomer's paid visits: the first one that
    qualifies rewards the referrer once, later ones a share of what they paid (by programme),
    refunds take back in proportion. Nobody writes these records over RPC.
    """

    _name = "clinic.referral"
    _description = "Referral"
    _order = "date desc, id desc"
    _check_company_auto = True

    referrer_id = fields.Many2one("clinic.referrer", required=True, index=True, ondelete="restrict", readonly=True)
    referrer_kind = fields.Selection(related="referrer_id.kind", store=True, string="Referrer Kind")
    newcomer_id = fields.Many2one("res.partner", required=True, index=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    code_used = fields.Char(readonly=True, help="The code the newcomer gave, as recorded (an alias counts too).")
    source = fields.Selection(SOURCES, required=True, readonly=True, help="Where the code was entered.")
    user_id = fields.Many2one("res.users", string="Recorded By", readonly=True, default=lambda self: self.env.user)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    deadline = fields.Date(readonly=True, help="Last day for the newcomer's qualifying visit.")
    state = fields.Selection(REFERRAL_STATES, required=True, default="pending", readonly=True, index=True)
    no_reward_reason = fields.Selection(NO_REWARD_REASONS, readonly=True, string="Why Not Rewarded")
    converted = fields.Integer(
        readonly=True, help="1 once the newcomer paid a qualifying visit: summed in reports as conversions."
    )
    qualified_date = fields.Datetime(readonly=True)
    sale_order_id = fields.Many2one(
        "sale.order", string="Qualifying Sales Order", readonly=True, index="btree_not_null"
    )
    pos_order_id = fields.Many2one("pos.order", string="Qualifying POS Order", readonly=True, index="btree_not_null")
    reward_ids = fields.One2many("clinic.referral.reward", "referral_id", readonly=True)
    referrer_reward = fields.Float(
        compute="_compute_rewards", string="Referrer's Reward", help="Points or commission, net of reversals."
    )
    newcomer_reward = fields.Float(compute="_compute_rewards", string="Newcomer's Gift (points)")

    _sql_constraints = [
        ("newcomer_unique", "UNIQUE(newcomer_id, company_id)", "A patient is referred once."),
    ]

    @api.depends("referrer_id", "newcomer_id")
    def _compute_display_name(self):
        for referral in self:
            referral.display_name = self.env._(
                "%(newcomer)s, referred by %(referrer)s",
                newcomer=referral.newcomer_id.display_name,
                referrer=referral.referrer_id.display_name,
            )

    @api.depends("reward_ids.net_amount")
    def _compute_rewards(self):
        for referral in self:
            rewards = referral.reward_ids
            referral.referrer_reward = sum(rewards.filtered(lambda r: r.kind != "gift").mapped("net_amount"))
            referral.newcomer_reward = sum(rewards.filtered(lambda r: r.kind == "gift").mapped("net_amount"))

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("Referrals change only through the clinic's own actions, never by editing."))
        return super().write(vals)

    # Capture ---------------------------------------------------------------------------

    @api.model
    def _clinic_check_front_desk(self):
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk (Loyalty User) records a referral code."))

    @api.model
    def _clinic_record(self, newcomer, code, source, company=None):
        """Record that ``newcomer`` came on ``code``, or refuse with the reason (nothing written).

        The newcomer's gift (two-sided programmes) is given now, for their first visit; the
        referrer's reward waits for a qualifying paid visit.
        """
        company = company or self.env.company
        newcomer = newcomer.sudo()
        referrer, typed = self.env["clinic.referrer"].sudo()._clinic_find(code)
        self._clinic_check_capture(newcomer, referrer, typed, company)
        program = self.env["clinic.referral.program"]._clinic_for(company)
        today = fields.Date.context_today(self)
        referral = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "referrer_id": referrer.id,
                    "newcomer_id": newcomer.id,
                    "company_id": company.id,
                    "code_used": typed,
                    "source": source,
                    "user_id": self.env.uid,
                    "deadline": today + relativedelta(days=program.qualify_days) if program.qualify_days else False,
                }
            )
        )
        referral._clinic_give_gift(program)
        return referral

    @api.model
    def _clinic_check_capture(self, newcomer, referrer, typed, company):
        """Refuse, with a message the front desk can act on, a referral that cannot be."""
        _ = self.env._
        if not typed:
            raise UserError(_("Type the referral code the patient gave."))
        if not referrer:
            raise UserError(_("There is no referral code %(code)s. Check it with the patient.", code=typed))
        if not referrer.active:
            raise UserError(
                _(
                    "Referral code %(code)s is no longer in use: %(referrer)s no longer refers patients.",
                    code=typed,
                    referrer=referrer.name,
                )
            )
        today = fields.Date.context_today(self)
        if referrer._clinic_expired(today):
            raise UserError(
                _(
                    "Referral code %(code)s expired on %(date)s.",
                    code=typed,
                    date=format_date(self.env, referrer.date_end),
                )
            )
        if referrer.company_id and referrer.company_id != company:
            raise UserError(
                _(
                    "Referral code %(code)s belongs to %(other)s and cannot be used in %(company)s.",
                    code=typed,
                    other=referrer.company_id.name,
                    company=company.name,
                )
            )
        if not newcomer.sudo().is_patient:
            raise UserError(
                _("%(newcomer)s is not enrolled as a patient: enrol them first.", newcomer=newcomer.display_name)
            )
        person = referrer._clinic_recipient_partner()
        reason = None
        if person and person.commercial_partner_id == newcomer.commercial_partner_id:
            reason = _("%(newcomer)s cannot use their own referral code.", newcomer=newcomer.display_name)
        elif person and newcomer.clinic_household_id and person.clinic_household_id == newcomer.clinic_household_id:
            reason = _(
                "%(newcomer)s and %(referrer)s belong to the same household (%(household)s): "
                "members of a household cannot refer each other.",
                newcomer=newcomer.display_name,
                referrer=referrer.name,
                household=newcomer.clinic_household_id.name,
            )
        elif person and set(person._clinic_phones()) & set(newcomer._clinic_phones()):
            reason = _(
                "%(newcomer)s has the same phone number as the referrer %(referrer)s: a patient cannot refer "
                "themselves under another name.",
                newcomer=newcomer.display_name,
                referrer=referrer.name,
            )
        elif (
            person
            and person.email
            and newcomer.email
            and person.email.strip().lower() == newcomer.email.strip().lower()
        ):
            reason = _(
                "%(newcomer)s has the same email as the referrer %(referrer)s: a patient cannot refer "
                "themselves under another name.",
                newcomer=newcomer.display_name,
                referrer=referrer.name,
            )
        if reason:
            raise UserError(reason)
        previous = self.sudo().search([("newcomer_id", "=", newcomer.id), ("company_id", "=", company.id)], limit=1)
        if previous:
            raise UserError(
                _(
                    "%(newcomer)s was already referred by %(referrer)s on %(date)s: a patient has one referrer.",
                    newcomer=newcomer.display_name,
                    referrer=previous.referrer_id.name,
                    date=format_date(self.env, previous.date),
                )
            )
        if self._clinic_has_paid_orders(newcomer, company):
            raise UserError(
                _(
                    "%(newcomer)s already has paid visits: a referral counts only for a new patient.",
                    newcomer=newcomer.display_name,
                )
            )

    @api.model
    def _clinic_has_paid_orders(self, partner, company):
        """Whether ``partner`` has a confirmed sales order or a paid POS order in ``company``."""
        domain = [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        if self.env["sale.order"].sudo().search_count([*domain, ("state", "=", "sale")], limit=1):
            return True
        return bool(
            self.env["pos.order"].sudo().search_count([*domain, ("state", "in", ("paid", "done", "invoiced"))], limit=1)
        )

    def _clinic_program(self):
        self.ensure_one()
        return self.env["clinic.referral.program"]._clinic_for(self.company_id)

    def _clinic_give_gift(self, program):
        """The newcomer's gift of a two-sided programme: points on their card or a coupon."""
        self.ensure_one()
        if program._clinic_rewards_off_reason() or program.sides != "two":
            return
        Reward = self.env["clinic.referral.reward"].sudo()
        newcomer = self.newcomer_id
        if program.newcomer_gift == "coupon":
            coupon = server_write(self.env["loyalty.card"].sudo()).create(
                {
                    "program_id": program.newcomer_coupon_program_id.id,
                    "partner_id": newcomer.id,
                    "points": 1,
                    "expiration_date": self.deadline,
                }
            )
            Reward.create(
                {
                    "referral_id": self.id,
                    "kind": "gift",
                    "partner_id": newcomer.id,
                    "coupon_id": coupon.id,
                    "source_key": "gift",
                    "state": "posted",
                }
            )
            return
        if float_is_zero(program.newcomer_points, precision_digits=2):
            return
        card = self._clinic_card_of(newcomer)
        if not card:
            return
        # Someone nobody has met (a public page, a portal sign-up) gets the gift at the first
        # paid visit: a stranger's form cannot mint spendable points.
        held = is_unverified(self.env)
        reward = Reward.create(
            {
                "referral_id": self.id,
                "kind": "gift",
                "partner_id": newcomer.id,
                "card_id": card.id,
                "amount": program.newcomer_points,
                "source_key": "gift",
                "state": "pending" if held else "posted",
            }
        )
        if held:
            reward._clinic_hold_points(referral_reasons.reason("referral_gift"))
        else:
            reward._clinic_post_points(referral_reasons.reason("referral_gift"))

    def _clinic_card_of(self, partner):
        """``partner``'s card in the company's clinic programme, issued if they have none."""
        self.ensure_one()
        program = self.company_id.clinic_loyalty_program_id
        if not program.clinic_bonus:
            return self.env["loyalty.card"]
        card = partner._clinic_card_in(program)
        if not card:
            partner.with_company(self.company_id)._clinic_issue_cards()
            partner.invalidate_recordset(["clinic_card_ids"])
            card = partner._clinic_card_in(program)
        return card

    # Visits and refunds ----------------------------------------------------------------

    @api.model
    def _clinic_visit_paid(self, order):
        """A paid order of a referred newcomer: qualify the referral, reward the referrer.

        Called by every paid sales or POS order (and again when the POS syncs an order
        twice): the referrer and the referral are locked, and each order rewards once.
        """
        partner = order.partner_id
        if not partner or not self.env["clinic.referral.program"]._clinic_for(order.company_id):
            return
        referral = self.sudo().search(
            [
                ("newcomer_id", "=", partner.id),
                ("company_id", "=", order.company_id.id),
                ("state", "in", ("pending", "rewarded")),
            ],
            limit=1,
        )
        if not referral:
            return
        referral._clinic_lock()
        if referral.state not in ("pending", "rewarded"):
            return
        program = referral._clinic_program()
        paid = order._clinic_money_paid()
        day = order._clinic_day()
        if referral.state == "pending":
            if referral.deadline and day > referral.deadline:
                referral._clinic_refuse("deadline")
                return
            if paid <= 0 or float_compare(paid, program.qualify_min_amount, precision_digits=2) < 0:
                return
            referral._clinic_qualify(order, program)
        elif (
            program.referrer_reward == "percent"
            and day <= (referral.date + relativedelta(months=program.reward_months)).date()
        ):
            referral._clinic_reward_share(order, program, paid)

    def _clinic_lock(self):
        """Lock the referrer (its monthly limits) and the referral (its state) for the transaction.

        The referrer's row is written, not only locked: a transaction (REPEATABLE READ) that
        waited for a mere lock would still count this month's rewards on its old snapshot;
        after a write it fails with a serialization error and Odoo replays it on fresh data.
        """
        self.ensure_one()
        self.env.cr.execute("UPDATE clinic_referrer SET write_date = write_date WHERE id = %s", [self.referrer_id.id])
        self.env.cr.execute("SELECT id FROM clinic_referral WHERE id = %s FOR UPDATE", [self.id])
        self.invalidate_recordset()

    def _clinic_qualify(self, order, program):
        self.ensure_one()
        vals = {
            "state": "qualified",
            "converted": 1,
            "qualified_date": fields.Datetime.now(),
            order._clinic_referral_order_field: order.id,
        }
        if program._clinic_rewards_off_reason():
            vals["no_reward_reason"] = "compliance" if program else "no_program"
        elif program.monthly_limit and self._clinic_rewarded_this_month() >= program.monthly_limit:
            vals["no_reward_reason"] = "limit"
        self.write(vals)
        if vals.get("no_reward_reason"):
            return
        if program.referrer_reward == "fixed":
            amount = program.referrer_points if self.referrer_id.kind == "patient" else program.commission_amount
            reward = self._clinic_post_reward(order, amount, program, referral_reasons.reason("referral_reward"))
        else:
            reward = self._clinic_reward_share(order, program, order._clinic_money_paid())
        if reward:
            self.state = "rewarded"

    def _clinic_rewarded_this_month(self):
        self.ensure_one()
        start = fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return self.search_count(
            [("referrer_id", "=", self.referrer_id.id), ("state", "=", "rewarded"), ("qualified_date", ">=", start)]
        )

    def _clinic_reward_share(self, order, program, paid):
        self.ensure_one()
        share = paid * program.reward_percent / 100.0
        reason = referral_reasons.reason("referral_share", percent=f"{program.reward_percent:g}")
        return self._clinic_post_reward(order, share, program, reason)

    def _clinic_post_reward(self, order, amount, program, reason):
        """The referrer's reward for ``order``, within the caps; once per order."""
        self.ensure_one()
        Reward = self.env["clinic.referral.reward"].sudo()
        key = order._clinic_key("referral")
        if Reward.search_count([("referral_id", "=", self.id), ("source_key", "=", key)]):
            return Reward
        referrer = self.referrer_id
        if program.cap_per_newcomer:
            given = sum(self.reward_ids.filtered(lambda r: r.kind != "gift").mapped("net_amount"))
            amount = min(amount, program.cap_per_newcomer - given)
        if program.cap_per_referrer_month:
            start = fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            month = Reward.search([("referrer_id", "=", referrer.id), ("kind", "!=", "gift"), ("date", ">=", start)])
            amount = min(amount, program.cap_per_referrer_month - sum(month.mapped("net_amount")))
        amount = self.currency_id.round(amount)
        if float_compare(amount, 0, precision_digits=2) <= 0:
            return Reward
        vals = {
            "referral_id": self.id,
            "source_key": key,
            "amount": amount,
            "base_amount": order._clinic_money_paid(),
            order._clinic_referral_order_field: order.id,
        }
        if referrer.kind == "patient":
            card = self._clinic_card_of(referrer.partner_id)
            if not card:
                return Reward
            reward = Reward.create(
                {**vals, "kind": "points", "partner_id": referrer.partner_id.id, "card_id": card.id, "state": "posted"}
            )
            reward._clinic_post_points(reason)
        else:
            reward = Reward.create(
                {
                    **vals,
                    "kind": "commission",
                    "partner_id": referrer._clinic_recipient_partner().id,
                    "state": "pending",
                }
            )
        return reward

    @api.model
    def _clinic_order_reversed(self, order, ratio, event, reason, refund=None):
        """``ratio`` of ``order`` was refunded or cancelled: take back that share of the referral
        rewards it earned (points through the ledger, commissions by a reversing line)."""
        field = order._clinic_referral_order_field
        rewards = (
            self.env["clinic.referral.reward"]
            .sudo()
            .search([(field, "=", order.id), ("kind", "in", ("points", "commission")), ("amount", ">", 0)])
        )
        for reward in rewards:
            reward._clinic_reverse_share(ratio, event, reason, refund)
        for referral in rewards.referral_id:
            qualifying = referral[field] == order
            given = sum(referral.reward_ids.filtered(lambda r: r.kind != "gift").mapped("net_amount"))
            if qualifying and referral.state == "rewarded" and float_is_zero(given, precision_digits=2):
                referral.state = "reversed"

    def _clinic_refuse(self, why):
        """Refuse a referral that will never be rewarded; take back the newcomer's unspent gift."""
        for referral in self:
            referral.write({"state": "refused", "no_reward_reason": why})
            for gift in referral.reward_ids.filtered(lambda r: r.kind == "gift"):
                if gift.state == "pending":
                    gift._clinic_pending_points()._clinic_cancel()
                    gift.write({"state": "reversed", "reversed_amount": gift.amount})
                elif gift.card_id:
                    gift._clinic_reverse(1.0, "refused", referral_reasons.reason("referral_refused"))
                    gift._clinic_sync_reversed()
                elif gift.coupon_id and not gift.coupon_id.use_count:
                    gift.coupon_id.sudo().points = 0

    # Actions ---------------------------------------------------------------------------

    def action_refuse(self):
        """A manager refuses a pending referral (a fake newcomer, a mistaken code)."""
        if not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager refuses a referral."))
        self.check_access("read")
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(
                self.env._("Only a pending referral can be refused; a rewarded one is reversed by refunding its visit.")
            )
        self.sudo()._clinic_refuse("manager")
        return True

    @api.model
    def _cron_clinic_referral_deadlines(self, batch_size=1000):
        """Refuse pending referrals whose newcomer did not qualify in time, a batch per call."""
        today = fields.Date.context_today(self)
        late = self.sudo().search([("state", "=", "pending"), ("deadline", "<", today)], limit=batch_size)
        late._clinic_refuse("deadline")
        if len(late) == batch_size:
            self.env.ref("clinic_loyalty_referral.ir_cron_clinic_referral_deadlines")._trigger()
        return len(late)
