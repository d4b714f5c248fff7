from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.guard import server_write
from .clinic_loyalty_household_consent import CODE_ATTEMPTS


def _mask_phone(number):
    """Enough of the holder's number for the desk to say where the code went."""
    digits = "".join(char for char in number or "" if char.isdigit())
    return f"*** {digits[-2:]}" if digits else ""


def _mask_email(email):
    name, _at, domain = (email or "").partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


class ClinicLoyaltyHousehold(models.Model):
    _name = "clinic.loyalty.household"
    _description = "Patient Household"
    _inherit = ["mail.thread", "clinic.loyalty.notification.mixin"]
    _clinic_mail_template = "clinic_loyalty.mail_template_membership_renewal"
    _clinic_sms_template = "clinic_loyalty.sms_template_membership_renewal"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    holder_id = fields.Many2one(
        comodel_name="res.partner",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('is_patient', '=', True)]",
        help="Patient who owns the household's membership.",
    )
    member_ids = fields.One2many(
        comodel_name="res.partner",
        inverse_name="clinic_household_id",
        string="Members",
    )
    member_count = fields.Integer(compute="_compute_member_count")
    plan_id = fields.Many2one(
        comodel_name="clinic.loyalty.membership.plan",
        string="Membership Plan",
        check_company=True,
        tracking=True,
    )
    state = fields.Selection(
        selection=[("active", "Active"), ("expired", "Expired")],
        default="active",
        required=True,
        tracking=True,
        index=True,
    )
    date_start = fields.Date(string="Member Since", tracking=True)
    date_end = fields.Date(string="Valid Until", tracking=True)
    period_ids = fields.One2many(
        comodel_name="clinic.loyalty.membership.period",
        inverse_name="household_id",
        string="Membership Periods",
        readonly=True,
    )
    voucher_use_ids = fields.One2many(
        comodel_name="clinic.loyalty.voucher.use",
        inverse_name="household_id",
        string="Benefits Used",
        readonly=True,
    )
    card_id = fields.Many2one(
        comodel_name="loyalty.card",
        string="Household Card",
        compute="_compute_card_id",
        help="The holder's card: members earn into it and pay from it when the plan shares points.",
    )
    balance = fields.Float(string="Household Balance", compute="_compute_card_id")
    savings = fields.Float(compute="_compute_savings", help="What the household saved with its membership benefits.")
    membership_paid = fields.Float(compute="_compute_savings", string="Paid for the Membership")
    payback_percent = fields.Float(
        string="Payback (%)",
        compute="_compute_savings",
        help="Savings against the price paid for the membership (100% = the membership has paid for itself).",
    )
    renewal_reminded_until = fields.Date(readonly=True, copy=False)
    unused_vouchers_text = fields.Char(
        string="Unused Vouchers",
        compute="_compute_unused_vouchers_text",
        help="Vouchers of the current period not used yet.",
    )

    @api.depends("member_ids")
    def _compute_member_count(self):
        for household in self:
            household.member_count = len(household.member_ids)

    @api.depends("holder_id", "company_id.clinic_loyalty_program_id")
    def _compute_card_id(self):
        Card = self.env["loyalty.card"].sudo()
        for household in self:
            program = household.company_id.clinic_loyalty_program_id
            household.card_id = (
                Card.search([("partner_id", "=", household.holder_id.id), ("program_id", "=", program.id)], limit=1)
                if program and household.holder_id
                else Card
            )
            household.balance = household.card_id.points

    @api.depends("voucher_use_ids.saved", "period_ids.amount", "period_ids.cancelled")
    def _compute_savings(self):
        for household in self:
            household.savings = sum(household.voucher_use_ids.mapped("saved"))
            household.membership_paid = sum(household.period_ids.filtered(lambda p: not p.cancelled).mapped("amount"))
            paid = household.membership_paid
            household.payback_percent = 100.0 * household.savings / paid if paid else 0.0

    @api.model_create_multi
    def create(self, vals_list):
        households = super().create(vals_list)
        households._add_holders_as_members()
        return households

    def write(self, vals):
        result = super().write(vals)
        if "holder_id" in vals:
            self._add_holders_as_members()
        return result

    def _add_holders_as_members(self):
        for household in self:
            holder = household.holder_id.sudo()
            if holder.clinic_household_id != household:
                server_write(holder).clinic_household_id = household

    # Changing members ----------------------------------------------------------------------
    # A member earns into and pays from the holder's card, so who is a member, and who holds,
    # is the holder's decision. A loyalty manager changes a household directly; the front
    # desk asks the holder for a one-time code (or a manager for approval): the code or the
    # approval applies exactly the change the holder or the manager saw.

    def action_clinic_add_members(self, partner_ids):
        """A loyalty manager adds patients to this household. Returns the household's members.

        The plan's member limit, active memberships elsewhere and the company are checked as
        for any other way of joining.
        """
        self.ensure_one()
        self._clinic_check_manager_changes()
        return self._clinic_add_members(self._clinic_patients(partner_ids))

    def action_clinic_remove_member(self, partner_id):
        """A loyalty manager takes a member out (their history stays with the household's card)."""
        self.ensure_one()
        self._clinic_check_manager_changes()
        return self._clinic_remove_members(self._clinic_patients([partner_id]))

    def action_clinic_set_holder(self, partner_id):
        """A loyalty manager makes another member the holder (the card members share becomes theirs)."""
        self.ensure_one()
        self._clinic_check_manager_changes()
        self._clinic_set_holder(self._clinic_patients([partner_id]))
        return True

    def action_clinic_send_consent_code(self, operation, partner_ids):
        """The front desk asks the holder to consent to a change: a one-time code goes to the
        holder's phone (or email), never to the desk. Returns where it was sent, masked."""
        self.ensure_one()
        self._clinic_check_desk_changes()
        partners = self._clinic_check_change(operation, partner_ids)
        consent = self.env["clinic.loyalty.household.consent"]._clinic_request(self, operation, partners, "code")
        holder = self.sudo().holder_id
        return {
            "channel": consent.channel,
            "destination": _mask_phone(holder._clinic_sms_number())
            if consent.channel == "sms"
            else _mask_email(holder.email),
        }

    def action_clinic_confirm_consent_code(self, code):
        """The code the holder read out: right, it makes the change they were told of, once;
        wrong, it uses up one of the code's attempts.

        A wrong code is answered, not raised: raising would roll the used-up attempt back
        with the transaction, and leave guessing unlimited.
        """
        self.ensure_one()
        self._clinic_check_desk_changes()
        consent = self.env["clinic.loyalty.household.consent"]._clinic_live_code(self)
        if not consent._clinic_try_code(code):
            return {"done": False, "attempts_left": max(CODE_ATTEMPTS - consent.attempts, 0)}
        consent._clinic_apply()
        return {"done": True, "member_ids": self.sudo().member_ids.ids}

    def action_clinic_ask_manager(self, operation, partner_ids):
        """The front desk asks a loyalty manager to approve a change (the holder has no phone or
        email, or cannot give the code): the manager approves it in Household Requests."""
        self.ensure_one()
        self._clinic_check_desk_changes()
        partners = self._clinic_check_change(operation, partner_ids)
        self.env["clinic.loyalty.household.consent"]._clinic_request(self, operation, partners, "manager")
        return True

    def _clinic_check_manager_changes(self):
        self.check_access("read")
        if self.env.su or self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            return
        raise AccessError(
            self.env._(
                "Only %(holder)s, the holder of %(household)s, or a loyalty manager agrees to change its members: "
                "send a code to the holder and type it, or ask a loyalty manager.",
                holder=self.sudo().holder_id.name,
                household=self.name,
            )
        )

    def _clinic_check_desk_changes(self):
        """The front desk (or a manager) may ask for changes, where the company allows it."""
        self.check_access("read")
        user = self.env.user
        if self.env.su or user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            return
        if not user.has_group("clinic_loyalty.group_clinic_loyalty_user"):
            raise AccessError(self.env._("Only the clinic's front desk and loyalty managers change households."))
        if not self.company_id.clinic_household_desk_members:
            raise AccessError(
                self.env._("At %(company)s only loyalty managers change households.", company=self.company_id.name)
            )

    def _clinic_check_change(self, operation, partner_ids):
        """The patients of a change asked for, refused now if it could not be made (the holder
        is not asked to consent to an impossible change)."""
        if operation not in ("add", "remove", "holder"):
            raise UserError(self.env._("Choose to add members, remove members or change the holder."))
        partners = self._clinic_patients(partner_ids)
        if operation == "add":
            self._clinic_check_can_join(partners.filtered(lambda partner: partner.clinic_household_id != self))
        else:
            self._clinic_check_members(partners)
        if operation == "holder" and len(partners) != 1:
            raise UserError(self.env._("Choose one member as the new holder."))
        return partners

    def _clinic_check_members(self, partners):
        strangers = partners.filtered(lambda partner: partner.clinic_household_id != self)
        if strangers:
            raise UserError(
                self.env._(
                    "%(patient)s is not a member of %(household)s.",
                    patient=", ".join(strangers.mapped("name")),
                    household=self.name,
                )
            )

    def _clinic_add_members(self, partners):
        joining = partners.filtered(lambda partner: partner.clinic_household_id != self)
        self._clinic_check_can_join(joining)
        server_write(joining).write({"clinic_household_id": self.id})
        return self.sudo().member_ids.ids

    def _clinic_remove_members(self, partners):
        self._clinic_check_members(partners)
        server_write(partners).write({"clinic_household_id": False})
        return self.sudo().member_ids.ids

    def _clinic_set_holder(self, partners):
        self._clinic_check_members(partners)
        if len(partners) != 1:
            raise UserError(self.env._("Choose one member as the new holder."))
        server_write(self.sudo()).write({"holder_id": partners.id})

    def _clinic_patients(self, partner_ids):
        """The patients named by ``partner_ids``, readable by the user and enrolled."""
        if not isinstance(partner_ids, list | tuple) or not all(isinstance(pid, int) for pid in partner_ids):
            raise UserError(self.env._("Choose the patients by their records."))
        partners = self.env["res.partner"].browse(partner_ids).exists()
        partners.check_access("read")
        not_patients = partners.sudo().filtered(lambda partner: not partner.is_patient)
        if not partners or not_patients:
            raise UserError(
                self.env._(
                    "Only enrolled patients join a household: enrol %(partner)s first.",
                    partner=", ".join(not_patients.mapped("name")) or "-",
                )
            )
        return partners.sudo()

    def action_clinic_open_member_usage(self):
        """The household card's ledger, by member: who earned and who spent what."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Points by member"),
            "res_model": "clinic.loyalty.ledger",
            "view_mode": "list,pivot",
            "domain": [("card_id", "=", self.card_id.id)],
            "context": {"group_by": ["patient_id"]},
        }

    # Membership --------------------------------------------------------------------------

    def _clinic_is_member_active(self, day=None):
        """Whether the household's membership gives its benefits on ``day`` (default today)."""
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        return bool(
            self.plan_id
            and self.active
            and self.state == "active"
            and (not self.date_start or self.date_start <= day)
            and (not self.date_end or day <= self.date_end)
        )

    def _clinic_check_can_join(self, partners, company=None):
        """Refuse, with the reason, patients who cannot join this household.

        ``company`` is the company of a patient being created (``partners`` is then empty).
        """
        self.ensure_one()
        for partner_company in {*partners.company_id, *self.env["res.company"].browse(company or [])}:
            if partner_company != self.company_id:
                raise ValidationError(
                    self.env._(
                        "%(household)s belongs to %(company)s; patients of %(other)s cannot join it.",
                        household=self.name,
                        company=self.company_id.name,
                        other=partner_company.name,
                    )
                )
        if self.state == "expired":
            raise ValidationError(
                self.env._(
                    "The membership of %(household)s expired on %(date)s: renew it before adding members.",
                    household=self.name,
                    date=self.date_end or "",
                )
            )
        for partner in partners:
            other = partner.clinic_household_id
            if other and other != self and other.plan_id and other.state == "active":
                raise ValidationError(
                    self.env._(
                        "%(patient)s is a member of the active household %(other)s; they must leave it "
                        "before joining %(household)s.",
                        patient=partner.display_name,
                        other=other.name,
                        household=self.name,
                    )
                )
        limit = self.plan_id.member_limit
        if limit and len(self.member_ids | partners) > limit:
            raise ValidationError(
                self.env._(
                    "%(household)s already has %(count)s members, the most its plan %(plan)s allows "
                    "(holder included). %(patient)s cannot join.",
                    household=self.name,
                    count=len(self.member_ids),
                    plan=self.plan_id.name,
                    patient=", ".join((partners - self.member_ids).mapped("display_name")),
                )
            )

    @api.model
    def _clinic_sell_membership(self, partner, plan, amount, source_key, origin):
        """A sale of ``plan``'s product to ``partner``: start their household, or renew it.

        A renewal extends the membership from its end (or from today, if it has already
        expired) by the plan's validity. Each sale pays one period, once.
        """
        Period = self.env["clinic.loyalty.membership.period"].sudo()
        if Period.search_count([("source_key", "=", source_key)]):
            return Period.search([("source_key", "=", source_key)]).household_id
        today = fields.Date.context_today(self)
        household = partner._clinic_household(plan.company_id).sudo()
        if household and household.holder_id != partner:
            raise ValidationError(
                self.env._(
                    "%(patient)s is a member of %(household)s, held by %(holder)s: the holder buys or "
                    "renews the membership.",
                    patient=partner.display_name,
                    household=household.name,
                    holder=household.holder_id.display_name,
                )
            )
        if not household:
            if not partner.sudo().is_patient:
                partner.sudo().action_clinic_enrol()
            household = server_write(self.sudo()).create(
                {
                    "name": self.env._("%(holder)s family", holder=partner.name),
                    "holder_id": partner.id,
                    "plan_id": plan.id,
                    "company_id": plan.company_id.id,
                    "date_start": today,
                }
            )
            # Named in every language the clinic reads ("Ivan Ivanov family", "Семья Ivan Ivanov").
            household.update_field_translations(
                "name",
                {
                    code: self.with_context(lang=code).env._("%(holder)s family", holder=partner.name)
                    for code, _name in self.env["res.lang"].get_installed()
                },
            )
        start = max(today, household.date_end + relativedelta(days=1)) if household.date_end else today
        end = start + relativedelta(months=plan.validity_months, days=-1)
        household.write(
            {
                "plan_id": plan.id,
                "state": "active",
                "date_start": household.date_start or today,
                "date_end": end,
            }
        )
        Period.create(
            {
                "household_id": household.id,
                "date_start": start,
                "date_end": end,
                "amount": amount,
                "origin": origin,
                "source_key": source_key,
            }
        )
        return household

    @api.model
    def _clinic_membership_keys(self, source_key, qty):
        """The keys of the periods a line selling ``qty`` of a plan pays: one period per
        whole unit (the first keeps the line's own key)."""
        units = max(int(qty + 1e-6), 1)
        return [source_key] + [f"{source_key}:{unit}" for unit in range(2, units + 1)]

    @api.model
    def _clinic_sell_memberships(self, partner, plan, amount, source_key, origin, qty):
        """A line selling ``qty`` of ``plan``'s product: that many consecutive periods, each
        paying its share of ``amount``, each once."""
        keys = self._clinic_membership_keys(source_key, qty)
        household = self
        for key in keys:
            household = self._clinic_sell_membership(partner, plan, amount / len(keys), key, origin)
        return household

    @api.model
    def _clinic_revoke_periods(self, source_key, qty, count, origin, cancel_key=None):
        """A refund or a cancellation of ``count`` whole units of a line that sold ``qty``:
        the membership loses that many of the line's periods, the last first. Once per
        ``cancel_key`` (the refund and its posting): a replay cancels nothing more."""
        Period = self.env["clinic.loyalty.membership.period"].sudo()
        keys = self._clinic_membership_keys(source_key, qty)
        if cancel_key:
            done = Period.search_count([("source_key", "in", keys), ("cancel_key", "=", cancel_key)])
            count -= done
        revoked = Period
        for key in reversed(keys):
            if len(revoked) >= count:
                break
            revoked |= self._clinic_revoke_period(key, origin, cancel_key)
        return revoked

    @api.model
    def _clinic_restore_periods(self, cancel_key, origin):
        """The refund that cancelled periods under ``cancel_key`` no longer refunds (a credit
        note reset to draft): the periods count again and the membership gets them back."""
        periods = (
            self.env["clinic.loyalty.membership.period"]
            .sudo()
            .search([("cancel_key", "=", cancel_key), ("cancelled", "=", True)])
        )
        for period in periods:
            household = period.household_id
            length = period.date_end - period.date_start + timedelta(days=1)
            period.write({"cancelled": False, "cancel_origin": False, "cancel_key": False})
            date_end = (household.date_end or period.date_start - timedelta(days=1)) + length
            vals = {"date_end": date_end}
            if date_end >= fields.Date.context_today(self):
                vals["state"] = "active"
            household.write(vals)
            household.message_post(
                body=self.env._(
                    "%(origin)s gave back the membership period paid by %(sale)s: valid until %(date)s.",
                    origin=origin,
                    sale=period.origin,
                    date=date_end,
                )
            )
        return periods

    @api.model
    def _clinic_revoke_period(self, source_key, origin, cancel_key=None):
        """The sale that paid a period was cancelled or refunded: the membership loses that period.

        The period stays in the history, marked cancelled; the membership ends that much
        earlier (and is expired if that is in the past). Once per sale.
        """
        period = (
            self.env["clinic.loyalty.membership.period"]
            .sudo()
            .search([("source_key", "=", source_key), ("cancelled", "=", False)], limit=1)
        )
        if not period:
            return period
        household = period.household_id
        length = period.date_end - period.date_start + timedelta(days=1)
        period.write({"cancelled": True, "cancel_origin": origin, "cancel_key": cancel_key})
        date_end = household.date_end - length if household.date_end else False
        vals = {"date_end": date_end}
        if not date_end or date_end < fields.Date.context_today(self):
            vals["state"] = "expired"
        household.write(vals)
        household.message_post(
            body=self.env._(
                "%(origin)s cancelled the membership period paid by %(sale)s: valid until %(date)s.",
                origin=origin,
                sale=period.origin,
                date=date_end or "-",
            )
        )
        return period

    def _clinic_period_start(self, day=None):
        """First day of the membership period that contains ``day``."""
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        period = self.env["clinic.loyalty.membership.period"].search_fetch(
            [
                ("household_id", "=", self.id),
                ("cancelled", "=", False),
                ("date_start", "<=", day),
                ("date_end", ">=", day),
            ],
            ["date_start"],
            limit=1,
        )
        return period.date_start or self.date_start or day

    def _clinic_vouchers_left(self, day=None):
        """{voucher: uses left in the current period}."""
        self.ensure_one()
        if not self.plan_id.voucher_ids:
            return {}
        start = self._clinic_period_start(day)
        used = self.env["clinic.loyalty.voucher.use"].search_fetch(
            [("household_id", "=", self.id), ("voucher_id", "!=", False), ("date", ">=", start)], ["voucher_id"]
        )
        return {
            voucher: voucher.count - len(used.filtered(lambda u, v=voucher: u.voucher_id == v))
            for voucher in self.plan_id.voucher_ids
        }

    @api.model
    def _cron_clinic_expire_memberships(self):
        """Expire the memberships whose validity has ended; their members lose the benefits."""
        today = fields.Date.context_today(self)
        expired = self.sudo().search([("state", "=", "active"), ("plan_id", "!=", False), ("date_end", "<", today)])
        expired.write({"state": "expired"})
        self.env["ir.cron"]._notify_progress(done=len(expired), remaining=0)
        return expired

    @api.model
    def _cron_clinic_membership_reminders(self, batch_size=500):
        """Tell holders, once per period, that the membership ends soon and which vouchers are unused.

        A batch per call: the scheduler calls again while holders remain (each call
        commits); a household reminded for its current end date is not chosen again.
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT household.id, COUNT(*) OVER ()
              FROM clinic_loyalty_household household
              JOIN clinic_loyalty_membership_plan plan ON plan.id = household.plan_id
             WHERE household.state = 'active' AND household.active
               AND household.date_end >= %(today)s
               AND plan.renewal_reminder_days > 0
               AND household.date_end - %(today)s <= plan.renewal_reminder_days
               AND household.renewal_reminded_until IS DISTINCT FROM household.date_end
          ORDER BY household.date_end, household.id
             LIMIT %(limit)s
            """,
            {"today": today, "limit": batch_size},
        )
        rows = self.env.cr.fetchall()
        due = self.sudo().browse([row[0] for row in rows])
        for household in due:
            household.renewal_reminded_until = household.date_end
        due._clinic_notify()
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=rows[0][1] - len(due) if rows else 0)
        return due

    def _clinic_allocate_benefits(self, lines, day=None):
        """Benefits of the membership on an order's lines: [(key, voucher, voucher amount, price after)].

        ``lines`` are (key, product, gross amount) in the order of the order. Vouchers left in
        the period go to the first lines they apply to; the member discount applies where
        the plan allows; both in the plan's order. Sales orders and POS orders use it alike.
        """
        self.ensure_one()
        plan = self.plan_id
        left = self._clinic_vouchers_left(day)
        allocation = []
        for key, product, gross in lines:
            if product == plan.product_id or gross <= 0:
                continue
            voucher = next(
                (v for v in plan.voucher_ids if left.get(v, 0) > 0 and v._applies_to(product)),
                self.env["clinic.loyalty.membership.voucher"],
            )
            if voucher:
                left[voucher] -= 1
            amount = min(voucher.amount, gross) if voucher else 0.0
            percent = plan.member_discount_percent if plan._discount_applies_to(product) else 0.0
            if plan.benefit_order == "voucher_first":
                final = (gross - amount) * (1 - percent / 100.0)
            else:
                final = max(gross * (1 - percent / 100.0) - amount, 0.0)
            if voucher or percent:
                allocation.append((key, voucher, amount, final))
        return allocation

    def _clinic_record_benefits(self, partner, allocation, grosses, origin, key_prefix):
        """Record the benefits a member used, once per line (``grosses`` maps keys to gross amounts).

        One INSERT whose unique source keys skip what a replay (a re-synced POS order, a
        second worker) already recorded.
        """
        self.ensure_one()
        if not allocation:
            return
        values = [
            SQL(
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')",
                self.id,
                voucher.id or None,
                partner.id,
                fields.Date.context_today(self),
                origin,
                amount,
                discount,
                amount + discount,
                f"{key_prefix}{key}",
                self.env.uid,
                self.env.uid,
            )
            for key, voucher, amount, final in allocation
            for discount in [max(grosses[key] - amount - final, 0.0)]
        ]
        self.env.execute_query(
            SQL(
                """
                INSERT INTO clinic_loyalty_voucher_use
                       (household_id, voucher_id, partner_id, date, origin, voucher_amount, discount_amount,
                        saved, source_key, create_uid, write_uid, create_date, write_date)
                VALUES %s
                ON CONFLICT (source_key) DO NOTHING
                """,
                SQL(", ").join(values),
            )
        )
        self.invalidate_recordset(["voucher_use_ids"])

    def _compute_unused_vouchers_text(self):
        for household in self:
            left = household._clinic_vouchers_left() if household.plan_id else {}
            household.unused_vouchers_text = ", ".join(
                f"{voucher.name} x{count}" for voucher, count in left.items() if count > 0
            )
