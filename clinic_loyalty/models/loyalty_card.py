import base64
import io
import secrets

import qrcode
from dateutil.relativedelta import relativedelta
from qrcode.image.pure import PyPNGImage

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, float_is_zero, format_amount

from ..tools.guard import is_server_write, server_write

# Cards of loyalty programmes carry a 13-digit EAN-13 number: it prints as a barcode, reads
# aloud at the front desk, and keeps the "044" prefix that Odoo's barcode nomenclature
# already routes to loyalty cards in the Point of Sale.
CLINIC_CODE_PREFIX = "044"
CLINIC_CODE_LENGTH = 13
# Besides every clinic_* field: what a client could change to move money between cards.
CLINIC_GUARDED_FIELDS = frozenset({"points", "partner_id", "program_id", "code"})


def ean13_check_digit(digits12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


class LoyaltyCard(models.Model):
    _name = "loyalty.card"
    # Managers get a to-do on the card when a paid POS order used more points than allowed.
    _inherit = ["loyalty.card", "mail.activity.mixin"]

    qr_code = fields.Binary(
        string="QR Code",
        compute="_compute_qr_code",
        help="QR code of the card number, printed on the card and shown on the portal.",
    )

    clinic_ledger_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="card_id",
        string="Ledger",
        readonly=True,
    )
    clinic_lot_ids = fields.One2many(
        comodel_name="clinic.loyalty.ledger",
        inverse_name="card_id",
        string="Open Lots",
        domain=[("remaining_points", ">", 0)],
        readonly=True,
    )
    clinic_tier_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier",
        string="Tier",
        index="btree_not_null",
        readonly=True,
        tracking=True,
    )
    clinic_tier_history_ids = fields.One2many(
        comodel_name="clinic.loyalty.tier.history",
        inverse_name="card_id",
        string="Tier History",
        readonly=True,
    )
    clinic_qualifying_spend = fields.Float(
        string="Qualifying Spend",
        readonly=True,
        help="Amount paid over the programme's qualifying period, as of the last order or recomputation.",
    )
    clinic_total_spend = fields.Float(
        string="Total Spend",
        readonly=True,
        help="Everything the patient paid with this card, net of refunds; drives the discount scale.",
    )
    clinic_tier_checked_on = fields.Date(readonly=True, copy=False)
    clinic_next_tier_id = fields.Many2one(
        comodel_name="clinic.loyalty.tier",
        string="Next Tier",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    clinic_amount_to_next_tier = fields.Float(
        string="Spend to Next Tier",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    clinic_tier_progress = fields.Float(
        string="Progress to Next Tier (%)",
        compute="_compute_clinic_tier_progress",
        compute_sudo=True,
    )
    clinic_discount_percent = fields.Float(
        string="Card Discount (%)",
        compute="_compute_clinic_discount_percent",
        compute_sudo=True,
        help="Discount the patient gets on the next visit, from the discount scale or the tier.",
    )
    clinic_next_expiry_date = fields.Date(
        string="Next Expiry",
        compute="_compute_clinic_expiry",
        compute_sudo=True,
    )
    clinic_expiring_points = fields.Float(
        string="Points Expiring Next",
        compute="_compute_clinic_expiry",
        compute_sudo=True,
    )

    @api.depends("code")
    def _compute_qr_code(self):
        for card in self:
            card.qr_code = card._qr_png(card._get_qr_payload()) if card.code else False

    @api.depends("clinic_tier_id", "clinic_qualifying_spend", "program_id.clinic_tier_ids.threshold")
    def _compute_clinic_tier_progress(self):
        for card in self:
            tiers = card.program_id.clinic_tier_ids
            tier = card._clinic_current_tier() if card.program_id else card.clinic_tier_id
            current = tier.threshold if tier else -1
            following = tiers.filtered(lambda tier, current=current: tier.threshold > current)[:1]
            card.clinic_next_tier_id = following
            if following:
                spend = card.clinic_qualifying_spend
                card.clinic_amount_to_next_tier = max(following.threshold - spend, 0.0)
                card.clinic_tier_progress = (
                    min(100.0, 100.0 * spend / following.threshold) if following.threshold else 100.0
                )
            else:
                card.clinic_amount_to_next_tier = 0.0
                card.clinic_tier_progress = 100.0 if tier else 0.0

    @api.depends(
        "clinic_total_spend",
        "clinic_qualifying_spend",
        "clinic_tier_id",
        "program_id.clinic_discount_mode",
        "program_id.clinic_tier_ids.discount_percent",
    )
    def _compute_clinic_discount_percent(self):
        for card in self:
            program = card.program_id
            card.clinic_discount_percent = (
                program._clinic_discount_for_spend(card.clinic_total_spend, card._clinic_current_tier())
                if program
                else 0.0
            )

    @api.depends("clinic_lot_ids.expiry_date", "clinic_lot_ids.remaining_points")
    def _compute_clinic_expiry(self):
        for card in self:
            dated = card.clinic_lot_ids.filtered("expiry_date")
            first = min(dated.mapped("expiry_date"), default=False)
            card.clinic_next_expiry_date = first
            card.clinic_expiring_points = sum(
                dated.filtered(lambda lot, first=first: lot.expiry_date == first).mapped("remaining_points")
            )

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.program"].browse(
            {vals["program_id"] for vals in vals_list if vals.get("program_id")}
        )
        loyalty_program_ids = set(programs.filtered(lambda p: p.program_type == "loyalty").ids)
        if not is_server_write(self.env) and programs.sudo().filtered("clinic_bonus"):
            self._clinic_refuse_create(programs.sudo().filtered("clinic_bonus")[:1])
        for vals in vals_list:
            if not vals.get("code") and vals.get("program_id") in loyalty_program_ids:
                vals["code"] = self._generate_clinic_code()
        cards = super().create(vals_list)
        clinic_cards = cards._clinic_cards()
        if clinic_cards and not is_server_write(self.env):
            # The programme came from a default (context): refused all the same.
            self._clinic_refuse_create(clinic_cards[:1].sudo().program_id)
        if any(not float_is_zero(card.points, precision_digits=2) for card in clinic_cards):
            raise UserError(self.env._("A clinic card starts empty: its points come from the ledger."))
        clinic_cards._clinic_give_welcome_bonus()
        return cards

    def write(self, vals):
        if not is_server_write(self.env):
            self._clinic_check_guarded_write(vals)
        return super().write(vals)

    def _clinic_refuse_create(self, program):
        # A clinic card is issued by enrolling the patient (one card, opened through the
        # ledger); copies, imports and stock flows would bring points from nowhere.
        raise AccessError(
            self.env._(
                "Cards of %(program)s are issued by enrolling the patient (Enrol button on the patient), "
                "not created directly.",
                program=program.name,
            )
        )

    def _clinic_cards(self):
        """The clinic cards among these: cards of a programme with the clinic bonus rules.

        Their balance, holder, programme, number and clinic figures change only through the
        ledger; cards of other programmes keep Odoo's own behaviour.
        """
        return self.browse(self.sudo().filtered(lambda card: card.program_id.clinic_bonus).ids)

    def _clinic_check_guarded_write(self, vals):
        """Refuse a write that changes a guarded field of a clinic card (values left as they are pass)."""
        guarded = [name for name in vals if name in CLINIC_GUARDED_FIELDS or name.startswith("clinic_")]
        if not guarded:
            return
        for card in self._clinic_cards().sudo():
            changed = [name for name in guarded if card._clinic_value_differs(name, vals[name])]
            if not changed:
                continue
            if "points" in changed:
                raise AccessError(
                    self.env._(
                        "The balance of card %(card)s changes only through its points ledger: orders, refunds, "
                        "or a loyalty manager's adjustment with a reason.",
                        card=card.code,
                    )
                )
            raise AccessError(
                self.env._(
                    "The clinic programme sets %(fields)s of card %(card)s: they cannot be changed by hand.",
                    fields=", ".join(card._fields[name].get_description(self.env)["string"] for name in changed),
                    card=card.code,
                )
            )

    def _clinic_value_differs(self, name, value):
        self.ensure_one()
        field = self._fields[name]
        if field.type in ("one2many", "many2many"):
            return bool(value)
        new = field.convert_to_record(field.convert_to_cache(value, self), self)
        if field.type in ("float", "monetary"):
            return float_compare(new or 0.0, self[name] or 0.0, precision_digits=2) != 0
        return new != self[name]

    def _clinic_post(self, kind, points, reason, source_key=None, **kwargs):
        """Post one ledger line on this card and update its balance; return the line.

        See ``_clinic_post_once``; this returns the line whether it is new or was posted before.
        """
        return self._clinic_post_once(kind, points, reason, source_key=source_key, **kwargs)[0]

    def _clinic_post_once(
        self,
        kind,
        points,
        reason,
        source_key=None,
        origin=None,
        expiry_date=None,
        lots=None,
        amount=0.0,
        document=None,
        refund=None,
        reversed_line=None,
    ):
        """Post one ledger line on this card and update its balance; return (line, created).

        Idempotent per ``source_key``: posting the same event twice returns the first line
        and ``created`` False. The card row is locked for the whole operation, so concurrent
        postings on one card (two terminals, two workers) run one after the other and the
        balance never goes below zero. Points taken from the card consume ``lots`` first,
        then the lots that expire first. ``amount`` is the money paid (negative: refunded)
        that counts towards tiers and the discount scale.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        self.env.cr.execute("SELECT points FROM loyalty_card WHERE id = %s FOR UPDATE", [self.id])
        balance = self.env.cr.fetchone()[0] or 0.0
        if source_key:
            existing = Ledger.search([("card_id", "=", self.id), ("source_key", "=", source_key)], limit=1)
            if existing:
                return existing, False
        if float_compare(balance + points, 0, precision_digits=2) < 0:
            raise UserError(
                self.env._(
                    "Card %(card)s has %(balance)s; %(points)s cannot be taken from it. Use at most the balance.",
                    card=self.code,
                    balance=self._format_points(balance),
                    points=self._format_points(-points),
                )
            )
        if points > 0 and expiry_date is None:
            months = self.program_id.clinic_points_validity_months
            expiry_date = fields.Date.context_today(self) + relativedelta(months=months) if months else False
        line = Ledger.create(
            {
                "card_id": self.id,
                "kind": kind,
                "points": points,
                "reason": reason,
                "origin": origin,
                "source_key": source_key,
                "expiry_date": expiry_date if points > 0 else False,
                "remaining_points": points if points > 0 else 0.0,
                "user_id": self.env.uid,
                "amount": amount,
                "balance_after": balance + points,
                "patient_id": self.partner_id.id,
                **self.env["clinic.loyalty.ledger"]._clinic_document_vals(document, refund, reversed_line),
            }
        )
        if points < 0:
            line._clinic_consume_lots(-points, lots=lots)
        self.env.cr.execute("UPDATE loyalty_card SET points = %s WHERE id = %s", [balance + points, self.id])
        self.invalidate_recordset(["points"])
        return line, True

    def _clinic_lock(self):
        """Lock this card's row until the end of the transaction (concurrent spenders wait)."""
        self.ensure_one()
        self.env.cr.execute("SELECT id FROM loyalty_card WHERE id = %s FOR UPDATE", [self.id])

    def _clinic_member_limit_left(self, member):
        """(points ``member`` may still spend from this card this month, monthly limit), or (None, 0).

        A household member spends the household's points up to the plan's monthly limit
        per member; the holder, and plans without a limit, have none.
        """
        self.ensure_one()
        household = member._clinic_household(self.company_id)
        limit = household.plan_id.member_spend_limit if household else 0.0
        if not limit or self.partner_id == member or not household._clinic_is_member_active():
            return None, 0.0
        month_start = fields.Date.context_today(self).replace(day=1)
        self.env["clinic.loyalty.ledger"].flush_model()
        self.env.cr.execute(
            """
            SELECT COALESCE(-SUM(points), 0) FROM clinic_loyalty_ledger
             WHERE card_id = %s AND patient_id = %s AND kind = 'spend' AND date >= %s
            """,
            [self.id, member.id, month_start],
        )
        spent = self.env.cr.fetchone()[0]
        return max(limit - spent, 0.0), limit

    def _clinic_check_member_limit(self, member, points):
        """Refuse a household member spending beyond the plan's monthly limit per member."""
        left, _limit = self._clinic_member_limit_left(member)
        if left is not None and float_compare(points, left, precision_digits=2) > 0:
            raise UserError(self._clinic_spending_allowance(member, points, 0.0, None)[1][0])

    def _clinic_spending_allowance(self, member, points, money, cap, order_name=None, program_name=None):
        """(points that may be taken, [reasons why fewer than ``points``]) for a payment with points.

        ``points`` pay for a discount of ``money``; ``cap`` is the most of the order payable
        with points (None: no cap). The limits are the member's monthly limit, the cap and
        the card's balance, each with a message that says what to do. One rule for every
        kind of order: sales orders refuse with the first reason, the POS (whose patient has
        already paid) takes what the rules allow and tells the manager.
        """
        self.ensure_one()
        allowed, problems = points, []
        left, limit = self._clinic_member_limit_left(member)
        if left is not None and float_compare(points, left, precision_digits=2) > 0:
            spent = limit - left
            problems.append(
                self.env._(
                    "%(member)s may spend %(limit)s of the household's points a month and has spent %(spent)s "
                    "this month: %(points)s more is refused.",
                    member=member.display_name,
                    limit=self._format_points(limit),
                    spent=self._format_points(spent),
                    points=self._format_points(points),
                )
            )
            allowed = min(allowed, left)
        if cap is not None and float_compare(money, cap, precision_digits=2) > 0:
            program = self.program_id
            percent = f"{program.clinic_max_redeem_percent:g}"
            problems.append(
                self.env._(
                    "Order %(order)s pays %(paid)s with points, more than the %(percent)s%% of the order "
                    "that %(program)s allows (%(cap)s). Remove the points reward and apply it again.",
                    order=order_name,
                    paid=format_amount(self.env, money, self.currency_id),
                    percent=percent,
                    program=program_name or program.name,
                    cap=format_amount(self.env, cap, self.currency_id),
                )
            )
            allowed = min(allowed, self.currency_id.round(points * cap / money) if money else 0.0)
        if float_compare(points, self.points, precision_digits=2) > 0:
            problems.append(
                self.env._(
                    "Order %(order)s uses %(points)s but card %(card)s has %(balance)s. Lower the points used "
                    "to at most the balance.",
                    order=order_name,
                    points=self._format_points(points),
                    card=self.code,
                    balance=self._format_points(self.points),
                )
            )
            allowed = min(allowed, self.points)
        return max(allowed, 0.0), problems

    def _clinic_record_spending_excess(self, order, points, allowed, problems):
        """Tell the loyalty managers that a paid order used more points than the rules allowed.

        The POS order is kept (the patient has paid); the card gave what it could, and a
        to-do on the card says what to settle with the patient.
        """
        self.ensure_one()
        managers = self.env.ref("clinic_loyalty.group_clinic_loyalty_manager").sudo().users.filtered(
            lambda user: self.company_id in user.company_ids and not user.share and user.active
        )
        note = self.env._(
            "Order %(order)s was paid with a discount worth %(points)s; the card gave %(allowed)s. %(reasons)s",
            order=order._clinic_origin(),
            points=self._format_points(points),
            allowed=self._format_points(allowed),
            reasons=" ".join(problems),
        )
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Points over the rules on order %(order)s", order=order._clinic_origin()),
            note=note,
            user_id=(managers - self.env.ref("base.user_root"))[:1].id or self.env.uid,
        )

    def _clinic_check_can_adjust(self):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager can adjust a card's balance, with a reason."))

    def action_clinic_adjust(self, points, reason):
        """A manager's correction of the balance, kept as an adjustment line."""
        self.ensure_one()
        self._clinic_check_can_adjust()
        self.check_access("write")
        if not self._clinic_cards():
            raise UserError(
                self.env._(
                    "Card %(card)s is not in a clinic programme: use Odoo's Update Balance on it.", card=self.code
                )
            )
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Say why the balance of card %(card)s is adjusted.", card=self.code))
        if not isinstance(points, (int, float)) or float_is_zero(points, precision_digits=2):
            raise UserError(self.env._("An adjustment must add or remove points."))
        return self._clinic_post("adjust", points, reason.strip())

    def _clinic_transfer_lots(self, target):
        """Move this card's open lots to ``target`` (partner merge), each with its expiry date."""
        self.ensure_one()
        for lot in self.clinic_lot_ids.sorted("id"):
            points = lot.remaining_points
            self._clinic_post(
                "adjust",
                -points,
                self.env._("Moved to card %(card)s", card=target.code),
                source_key=f"transfer:{lot.id}",
                lots=lot,
            )
            target._clinic_post(
                "adjust",
                points,
                self.env._("Moved from card %(card)s", card=self.code),
                source_key=f"transfer:{lot.id}",
                expiry_date=lot.expiry_date,
            )

    # Point of Sale ---------------------------------------------------------------------

    @api.model
    def _load_pos_data_domain(self, data):
        # Stock 18.0 loads every card of the shop's programmes into each POS. Patients'
        # cards (and e-wallets) are fetched when the patient is selected instead, so the POS
        # opens as fast with 100,000 patients as with 10.
        return super()._load_pos_data_domain(data) + [("program_id.program_type", "not in", ("loyalty", "ewallet"))]

    @api.model
    def clinic_pos_card_info(self, partner_id):
        """What the cashier's loyalty panel shows for a patient, read on demand."""
        user = self.env.user
        if not (
            user.has_group("clinic_loyalty.group_clinic_loyalty_user") or user.has_group("point_of_sale.group_pos_user")
        ):
            raise AccessError(self.env._("Only the clinic's front desk and cashiers read patients' cards."))
        if not isinstance(partner_id, int):
            return {}
        partner = self.env["res.partner"].browse(partner_id).exists()
        program = self.env.company.clinic_loyalty_program_id
        if not partner or not program.clinic_bonus:
            return {}
        partner.check_access("read")
        card = partner.sudo()._clinic_card_in(program)
        if not card:
            return {}
        return card._clinic_pos_info(partner.sudo())

    def _clinic_pos_info(self, patient):
        self.ensure_one()
        program = self.program_id
        categories = program.clinic_discount_categ_ids
        if categories:
            categories = self.env["product.category"].search([("id", "child_of", categories.ids)])
        household = patient._clinic_household(program.company_id)
        member = household if household and household._clinic_is_member_active() else household.browse()
        plan = member.plan_id
        member_categories = plan.discount_categ_ids
        if member_categories:
            member_categories = self.env["product.category"].search([("id", "child_of", member_categories.ids)])
        return {
            "card_id": self.id,
            "program_id": program.id,
            "code": self.code,
            "points": self.points,
            "point_name": self.point_name,
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

    # Tiers -----------------------------------------------------------------------------

    def _clinic_spend_since(self):
        """Start of the qualifying period of this card's programme (None: whole history)."""
        self.ensure_one()
        months = self.program_id.clinic_tier_window_months
        if not months:
            return None
        return fields.Datetime.now() - relativedelta(months=months)

    def _clinic_read_spend(self):
        """(qualifying spend, total spend) of this card, summed from its ledger in one query."""
        self.ensure_one()
        since = self._clinic_spend_since()
        self.env["clinic.loyalty.ledger"].flush_model(["amount", "date", "card_id"])
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(amount), 0),
                   COALESCE(SUM(amount) FILTER (WHERE %(since)s::timestamp IS NULL OR date >= %(since)s), 0)
              FROM clinic_loyalty_ledger
             WHERE card_id = %(card)s AND amount <> 0
            """,
            {"card": self.id, "since": since},
        )
        total, qualifying = self.env.cr.fetchone()
        return qualifying, total

    def _clinic_current_tier(self):
        """The tier the card is in now: the one recorded, or the one its spend reaches."""
        self.ensure_one()
        program = self.program_id
        if not program.clinic_tier_ids:
            return self.env["clinic.loyalty.tier"]
        return self.clinic_tier_id or program._clinic_tier_for_spend(self.clinic_qualifying_spend)

    def _clinic_refresh_spend_and_tier(self, origin=None):
        """Store the card's spend after an order or a refund; move it up (or down) a tier.

        Returns the tier change record, if the tier changed.
        """
        self.ensure_one()
        qualifying, total = self._clinic_read_spend()
        old_tier = self.clinic_tier_id
        new_tier = self.program_id._clinic_tier_for_spend(qualifying) if self.program_id.clinic_tier_ids else old_tier
        vals = {"clinic_qualifying_spend": qualifying, "clinic_total_spend": total}
        if new_tier != old_tier:
            vals["clinic_tier_id"] = new_tier.id
        server_write(self.sudo()).with_context(tracking_disable=True).write(vals)
        if new_tier == old_tier:
            return self.env["clinic.loyalty.tier.history"]
        change = (
            self.env["clinic.loyalty.tier.history"]
            .sudo()
            .create(
                {
                    "card_id": self.id,
                    "old_tier_id": old_tier.id,
                    "new_tier_id": new_tier.id,
                    "spend": qualifying,
                    "origin": origin,
                }
            )
        )
        change._clinic_notify_changes()
        return change

    @api.model
    def _cron_clinic_recompute_tiers(self, batch_size=20000):
        """Recompute the qualifying spend and tier of the cards not checked today, one batch per call.

        Set-based: one UPDATE sums each card's ledger over the qualifying period and picks its
        tier, so 100,000 cards cost a few statements, not 100,000 ORM writes. Downgrades happen
        here, when old orders leave a rolling period. Re-running the same day does nothing.
        """
        self.env.flush_all()
        today = fields.Date.context_today(self)
        programs = self.env["loyalty.program"].sudo().search([("clinic_tier_ids", "!=", False)])
        done = 0
        changes = []
        for program in programs:
            if done >= batch_size:
                break
            months = program.clinic_tier_window_months
            since = fields.Datetime.now() - relativedelta(months=months) if months else None
            self.env.cr.execute(
                """
                WITH batch AS (
                    SELECT id, clinic_tier_id AS old_tier
                      FROM loyalty_card
                     WHERE program_id = %(program)s
                       AND (clinic_tier_checked_on IS NULL OR clinic_tier_checked_on < %(today)s)
                  ORDER BY id
                     LIMIT %(limit)s
                       FOR UPDATE
                ), spend AS (
                    SELECT batch.id, batch.old_tier,
                           COALESCE(SUM(l.amount) FILTER (WHERE %(since)s::timestamp IS NULL OR l.date >= %(since)s), 0)
                               AS qualifying,
                           COALESCE(SUM(l.amount), 0) AS total
                      FROM batch
                 LEFT JOIN clinic_loyalty_ledger l ON l.card_id = batch.id AND l.amount <> 0
                  GROUP BY batch.id, batch.old_tier
                ), target AS (
                    SELECT spend.*,
                           (SELECT tier.id FROM clinic_loyalty_tier tier
                             WHERE tier.program_id = %(program)s AND tier.threshold <= spend.qualifying + 0.005
                          ORDER BY tier.threshold DESC LIMIT 1) AS new_tier
                      FROM spend
                )
                UPDATE loyalty_card card
                   SET clinic_qualifying_spend = target.qualifying,
                       clinic_total_spend = target.total,
                       clinic_tier_id = target.new_tier,
                       clinic_tier_checked_on = %(today)s
                  FROM target
                 WHERE card.id = target.id
             RETURNING card.id, target.old_tier, target.new_tier, target.qualifying
                """,
                {"program": program.id, "today": today, "since": since, "limit": batch_size - done},
            )
            rows = self.env.cr.fetchall()
            done += len(rows)
            changes += [
                {"card_id": card_id, "old_tier_id": old, "new_tier_id": new, "spend": spend}
                for card_id, old, new, spend in rows
                if old != new
            ]
        self.env.invalidate_all()
        if changes:
            # Told by _cron_clinic_notify_tier_changes, in small batches; a first tier is not news.
            self.env["clinic.loyalty.tier.history"].sudo().create(
                [dict(change, notified=not change["old_tier_id"]) for change in changes]
            )
        remaining = 0
        if done >= batch_size:
            remaining = self.sudo().search_count(
                [
                    ("program_id", "in", programs.ids),
                    "|",
                    ("clinic_tier_checked_on", "=", False),
                    ("clinic_tier_checked_on", "<", today),
                ]
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    # Expiry ----------------------------------------------------------------------------

    @api.model
    def _cron_clinic_expire_lots(self, batch_size=10000):
        """Burn what is left of the lots whose expiry date has passed, one batch per call.

        Set-based, because a clinic with a million ledger lines expires thousands of lots a
        night: a few statements write every expiry line, its lot use and the new balances.
        Each lot expires through its own ledger line (source ``expire:<lot id>``, UNIQUE per
        card), so an interrupted or repeated run never burns a lot twice. Progress is
        reported to the scheduler, which calls again while lots remain.
        """
        self.env.flush_all()
        cr = self.env.cr
        today = fields.Date.context_today(self)
        # Cards first, in id order, as every other posting does: concurrent postings on a
        # card wait for us instead of deadlocking.
        cr.execute(
            """
            SELECT card_id, array_agg(id ORDER BY id)
              FROM (SELECT id, card_id FROM clinic_loyalty_ledger
                     WHERE remaining_points > 0 AND expiry_date < %s
                  -- the order of the partial index on open lots (expiry_date, card_id): a range scan
                  ORDER BY expiry_date, card_id, id LIMIT %s) lots
          GROUP BY card_id
            """,
            [today, batch_size],
        )
        rows = cr.fetchall()
        if not rows:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        card_ids = [row[0] for row in rows]
        lot_ids = [lot_id for row in rows for lot_id in row[1]]
        cr.execute("SELECT id FROM loyalty_card WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [card_ids])
        reason = self.env._("Points earned on %(date)s expired")
        cr.execute(
            SQL(
                """
                WITH lots AS (
                    SELECT lot.id, lot.card_id, lot.partner_id, lot.program_id, lot.company_id, lot.origin,
                           lot.remaining_points, lot.date,
                           card.points - SUM(lot.remaining_points) OVER (PARTITION BY lot.card_id ORDER BY lot.id)
                               AS balance_after
                      FROM clinic_loyalty_ledger lot
                      JOIN loyalty_card card ON card.id = lot.card_id
                     WHERE lot.id = ANY(%(lots)s) AND lot.remaining_points > 0
                ), lines AS (
                    INSERT INTO clinic_loyalty_ledger (
                        card_id, partner_id, program_id, company_id, kind, points, date, user_id, reason,
                        origin, source_key, remaining_points, amount, balance_after,
                        create_uid, create_date, write_uid, write_date)
                    SELECT lots.card_id, lots.partner_id, lots.program_id, lots.company_id, 'expire',
                           -lots.remaining_points, %(now)s, %(uid)s,
                           replace(%(reason)s, %(placeholder)s, to_char(lots.date, 'YYYY-MM-DD')),
                           lots.origin, 'expire:' || lots.id, 0, 0, lots.balance_after,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM lots
                        ON CONFLICT (card_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
                 RETURNING id, source_key, card_id, points
                ), uses AS (
                    INSERT INTO clinic_loyalty_lot_use (line_id, lot_id, points, create_uid, create_date,
                                                        write_uid, write_date)
                    SELECT lines.id, substr(lines.source_key, 8)::int, -lines.points,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM lines
                ), burnt AS (
                    UPDATE clinic_loyalty_ledger lot
                       SET remaining_points = 0, write_uid = %(uid)s, write_date = %(now)s
                      FROM lines
                     WHERE lot.id = substr(lines.source_key, 8)::int
                ), per_card AS (
                    SELECT card_id, SUM(points) AS points, COUNT(*) AS lots FROM lines GROUP BY card_id
                )
                UPDATE loyalty_card card
                   SET points = card.points + per_card.points
                  FROM per_card
                 WHERE card.id = per_card.card_id
             RETURNING per_card.lots
                """,
                lots=lot_ids,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                reason=reason,
                placeholder="%(date)s",
            )
        )
        done = sum(row[0] for row in cr.fetchall())
        self.env.invalidate_all()
        remaining = 0
        if len(lot_ids) >= batch_size:
            cr.execute(
                "SELECT COUNT(*) FROM clinic_loyalty_ledger WHERE remaining_points > 0 AND expiry_date < %s",
                [today],
            )
            remaining = cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _cron_clinic_send_expiry_reminders(self, batch_size=1000):
        """Tell patients, once, that points expire in N days (N set on the programme).

        The points of a card expiring on one date form one reminder; its UNIQUE key (card,
        expiry date, N) makes a repeated run send nothing new. One batch per call.
        """
        self.env.flush_all()
        cr = self.env.cr
        today = fields.Date.context_today(self)
        cr.execute(
            """
            SELECT lot.card_id, lot.expiry_date, program.clinic_expiry_reminder_days, SUM(lot.remaining_points)
              FROM clinic_loyalty_ledger lot
              JOIN loyalty_program program ON program.id = lot.program_id
             WHERE lot.remaining_points > 0
               AND program.clinic_expiry_reminder_days > 0
               AND lot.expiry_date >= %(today)s
               AND lot.expiry_date <= %(today)s + program.clinic_expiry_reminder_days
               AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_reminder r
                                WHERE r.card_id = lot.card_id AND r.expiry_date = lot.expiry_date
                                  AND r.days = program.clinic_expiry_reminder_days)
          GROUP BY lot.card_id, lot.expiry_date, program.clinic_expiry_reminder_days
          ORDER BY lot.expiry_date, lot.card_id
             LIMIT %(limit)s
            """,
            {"today": today, "limit": batch_size},
        )
        rows = cr.fetchall()
        reminders = (
            self.env["clinic.loyalty.reminder"]
            .sudo()
            .create(
                [
                    {
                        "card_id": card_id,
                        "expiry_date": expiry,
                        "days": days,
                        "days_left": (expiry - today).days,
                        "points": points,
                    }
                    for card_id, expiry, days, points in rows
                ]
            )
        )
        reminders._clinic_notify()
        remaining = 1 if len(rows) >= batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=remaining)
        return reminders

    # Bonuses ---------------------------------------------------------------------------

    def _clinic_give_welcome_bonus(self):
        for card in self:
            program = card.program_id
            if program.clinic_bonus and program.clinic_welcome_points > 0 and card.partner_id:
                card._clinic_post(
                    "earn",
                    program.clinic_welcome_points,
                    self.env._("Welcome bonus"),
                    source_key="welcome",
                )

    @api.model
    def _cron_clinic_birthday_bonus(self):
        """Give the birthday bonus to patients born on this day; once a year per card."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT card.id
              FROM loyalty_card card
              JOIN loyalty_program program ON program.id = card.program_id
              JOIN res_partner partner ON partner.id = card.partner_id
             WHERE program.clinic_bonus AND program.clinic_birthday_points > 0 AND program.active
               AND card.active AND partner.active AND partner.clinic_birth_date IS NOT NULL
               AND EXTRACT(MONTH FROM partner.clinic_birth_date) = %(month)s
               AND EXTRACT(DAY FROM partner.clinic_birth_date) = %(day)s
               AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_ledger l
                                WHERE l.card_id = card.id AND l.source_key = %(key)s)
            """,
            {"month": today.month, "day": today.day, "key": f"birthday:{today.year}"},
        )
        cards = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        for card in cards:
            card._clinic_post(
                "earn",
                card.program_id.clinic_birthday_points,
                self.env._("Birthday bonus %(year)s", year=today.year),
                source_key=f"birthday:{today.year}",
            )
        self.env["ir.cron"]._notify_progress(done=len(cards), remaining=0)
        return cards

    @api.model
    def _generate_clinic_code(self):
        """A new EAN-13 card number that no card uses yet."""
        random_length = CLINIC_CODE_LENGTH - len(CLINIC_CODE_PREFIX) - 1
        for _attempt in range(10):
            body = CLINIC_CODE_PREFIX + "".join(str(secrets.randbelow(10)) for _i in range(random_length))
            code = body + ean13_check_digit(body)
            if not self.sudo().with_context(active_test=False).search_count([("code", "=", code)]):
                return code
        # A billion numbers make ten collisions in a row practically impossible; the
        # UNIQUE(code) constraint still guards the database.
        return code

    def _get_qr_payload(self):
        """What the QR code says: the card number, as the scanners at the desk type it."""
        self.ensure_one()
        return self.code

    @staticmethod
    def _qr_png(payload):
        image = qrcode.make(payload, image_factory=PyPNGImage, box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer)
        return base64.b64encode(buffer.getvalue())

    def action_print_clinic_card(self):
        self.check_access("read")
        return self.env.ref("clinic_loyalty.loyalty_card_report_clinic").report_action(self, config=False)
