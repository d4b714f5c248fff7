"""A clinic card's points ledger: posting, spending limits, adjustments, expiry and bonuses."""

import json

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare, float_is_zero, format_amount

from ..tools import reasons
from ..tools.guard import server_write
from ..tools.unverified import is_unverified

# Every ledger line of a clinic card is one line of Odoo's loyalty history, written in the
# statement that moves the balance (no query of its own): the portal's history is the ledger.
HISTORY_CTE = """
    history AS (
        INSERT INTO loyalty_history (card_id, description, issued, used, order_model, order_id,
                                     create_uid, create_date, write_uid, write_date)
        VALUES (%(card)s, %(history_description)s, %(history_issued)s, %(history_used)s,
                %(history_model)s, %(history_order)s,
                %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC')
    )"""


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

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
        line_records=None,
    ):
        """Post one ledger line on this card and update its balance; return (line, created).

        Idempotent per ``source_key``: posting the same event twice returns the first line
        and ``created`` False. The card row is locked for the whole operation, so concurrent
        postings on one card (two terminals, two workers) run one after the other and the
        balance never goes below zero. Points taken from the card consume ``lots`` first,
        then the lots that expire first. ``amount`` is the money paid (negative: refunded)
        that counts towards tiers and the discount scale. ``reason`` is a message with its
        parameters (``tools.reasons.reason``), rendered in each reader's language, or a text
        typed by a manager. ``line_records`` are the values of the line's records of what
        each order line did (``clinic.loyalty.line.record``), written with the line.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        # One statement locks the card and looks for the event's line: the unique index on
        # (card, source_key) backs it, and the lock makes a concurrent poster wait.
        Ledger.flush_model(["card_id", "source_key"])
        self.env.cr.execute(
            """
            SELECT card.points,
                   (SELECT line.id FROM clinic_loyalty_ledger line
                     WHERE line.card_id = card.id AND line.source_key = %(key)s LIMIT 1)
              FROM loyalty_card card
             WHERE card.id = %(card)s
               FOR NO KEY UPDATE OF card
            """,
            {"card": self.id, "key": source_key},
        )
        balance, existing = self.env.cr.fetchone()
        balance = balance or 0.0
        if existing:
            return Ledger.browse(existing), False
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
                # A message with parameters is kept as data and rendered for each reader;
                # the English text stays searchable. A typed reason is kept as typed.
                "reason": reasons.render(self.env, reason, self, "en_US") if isinstance(reason, dict) else reason,
                "reason_data": reason if isinstance(reason, dict) else False,
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
        history = self._clinic_history_params(line, points, reason, document)
        if line_records:
            # In the statement that moves the balance: what each order line did costs the
            # order no query of its own (accruing points costs a fixed number of queries).
            self.env.cr.execute(
                f"""
                WITH {HISTORY_CTE}, records AS (
                    INSERT INTO clinic_loyalty_line_record (
                        ledger_id, kind, card_id, company_id, sale_line_id, pos_line_id, reversed_record_id,
                        qty, amount, points, rate, create_uid, create_date, write_uid, write_date)
                    SELECT %(line)s, r.kind, %(card)s, %(company)s, r.sale_line_id, r.pos_line_id,
                           r.reversed_record_id, r.qty, r.amount, r.points, r.rate,
                           %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                      FROM jsonb_to_recordset(%(records)s::jsonb) AS r(
                           kind varchar, sale_line_id int, pos_line_id int, reversed_record_id int,
                           qty float8, amount float8, points float8, rate float8)
                )
                UPDATE loyalty_card SET points = %(balance)s WHERE id = %(card)s
                """,
                {
                    "line": line.id,
                    "card": self.id,
                    "company": self.company_id.id or None,
                    "uid": self.env.uid,
                    "records": json.dumps(line_records),
                    "balance": balance + points,
                    **history,
                },
            )
        else:
            self.env.cr.execute(
                f"WITH {HISTORY_CTE} UPDATE loyalty_card SET points = %(balance)s WHERE id = %(card)s",
                {"card": self.id, "uid": self.env.uid, "balance": balance + points, **history},
            )
        self.invalidate_recordset(["points", "history_ids"])
        self.env["loyalty.history"].invalidate_model()
        return line, True

    def _clinic_history_params(self, line, points, reason, document):
        """Odoo's history line of a ledger line (``HISTORY_CTE``'s parameters): what the
        patient reads on the portal, with the ledger's figures. Display only: the balance is
        the ledger's. In the card holder's language (the patient reads it)."""
        lang = self.partner_id.lang or "en_US"
        text = reasons.render(self.env, reason, self, lang) if isinstance(reason, dict) else (reason or "")
        # The order column links the patient's own orders; other documents (a referral
        # reward names the friend) are told by the description only.
        order = document if document and document._name in ("sale.order", "pos.order") else None
        return {
            "history_description": text or line.reason,
            "history_issued": max(points, 0.0),
            "history_used": max(-points, 0.0),
            "history_model": order._name if order else None,
            "history_order": order.id if order else None,
        }

    def _clinic_lock(self):
        """Lock these cards' rows until the end of the transaction (concurrent spenders wait).

        In id order, as every posting does. ``FOR NO KEY UPDATE``, the lock an update of the
        balance takes anyway: it does not wait for the shared key locks that writing a row
        referring to the card takes (an order line's coupon, a ledger line, a sales order's
        link). ``FOR UPDATE`` did, and two desks that had each written an order line naming
        one household card then waited for each other (a deadlock, seen under load).
        """
        ids = sorted({card_id for card_id in self.ids if isinstance(card_id, int)})
        if ids:
            self.env.cr.execute("SELECT id FROM loyalty_card WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids])

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

    def _clinic_usable_points(self, member):
        """Points ``member`` may spend from this card now: the balance, within a household
        member's monthly limit."""
        self.ensure_one()
        left, _limit = self._clinic_member_limit_left(member)
        return self.points if left is None else min(self.points, left)

    def _clinic_spending_allowance(self, member, points, money, cap, order_name=None):
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
                    program=program.name,
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
        # In the programme's points: a whole-point card never spends half a point.
        return max(self.program_id._clinic_points_down(allowed), 0.0), problems

    def _clinic_record_spending_excess(self, order, points, allowed, problems):
        """Tell the loyalty managers that a paid order used more points than the rules allowed.

        The POS order is kept (the patient has paid); the card gave what it could, and a
        to-do on the card says what to settle with the patient.
        """
        self.ensure_one()
        self._clinic_tell_managers(
            self.env._("Points over the rules on order %(order)s", order=order._clinic_origin()),
            self.env._(
                "Order %(order)s was paid with a discount worth %(points)s; the card gave %(allowed)s. %(reasons)s",
                order=order._clinic_origin(),
                points=self._format_points(points),
                allowed=self._format_points(allowed),
                reasons=" ".join(problems),
            ),
        )

    def _clinic_record_refund_shortfall(self, order, refund_name, missing):
        """Tell the loyalty managers that a refund could not take back points the patient had spent."""
        self.ensure_one()
        self._clinic_tell_managers(
            self.env._("Points not taken back by %(refund)s", refund=refund_name),
            self.env._(
                "%(refund)s of order %(order)s should take back %(missing)s that the order earned, but the patient "
                "has already spent them: their value was refunded too. Settle it with the patient.",
                refund=refund_name,
                order=order._clinic_origin(),
                missing=self._format_points(missing),
            ),
        )

    def _clinic_tell_managers(self, summary, note):
        """A to-do on the card for a loyalty manager of its company."""
        self.ensure_one()
        self._clinic_tell_managers_about(self, summary, note, self.company_id)

    @api.model
    def _clinic_tell_managers_about(self, record, summary, note, company=None):
        """A to-do on ``record`` (a card, a patient) for a loyalty manager of ``company``."""
        record.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=self._clinic_manager_of(company or self.env.company).id,
        )

    def _clinic_manager_of(self, company):
        """The loyalty manager of ``company`` who gets its to-dos (else the current user)."""
        managers = (
            self.env.ref("clinic_loyalty.group_clinic_loyalty_manager")
            .sudo()
            .users.filtered(lambda user: company in user.company_ids and not user.share and user.active)
        )
        return (managers - self.env.ref("base.user_root"))[:1] or self.env.user

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
        if not isinstance(points, int | float) or float_is_zero(points, precision_digits=2):
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
                reasons.reason("moved_to", card=target.code),
                source_key=f"transfer:{lot.id}",
                lots=lot,
            )
            target._clinic_post(
                "adjust",
                points,
                reasons.reason("moved_from", card=self.code),
                source_key=f"transfer:{lot.id}",
                expiry_date=lot.expiry_date,
            )

    # Expiry ----------------------------------------------------------------------------

    @api.model
    def _cron_clinic_expire_lots(self, batch_size=50000, limit=2000000):
        """Burn what is left of the lots whose expiry date has passed; up to ``limit`` lots a call.

        Set-based, because clinics that expire points on a fixed date burn a year's lots in
        one night: each batch of ``batch_size`` lots is a few statements that write every
        expiry line, what each lot lost and the new balances. Batches follow the index of
        open lots (expiry date, card, id) from where the previous one stopped, so a batch
        never re-reads the lots already burnt. A burnt lot is closed (nothing remains) and
        the expiry line's source is UNIQUE per card, so an interrupted or repeated run never
        burns a lot twice. Progress is reported to the scheduler, which calls again while
        lots remain.
        """
        self.env.flush_all()
        cr = self.env.cr
        today = fields.Date.context_today(self)
        done, after, more = 0, None, True
        while more and done < limit:
            batch = min(batch_size, limit - done)
            # The batch's bounds and cards, read along the partial index on open lots.
            cr.execute(
                SQL(
                    """
                    WITH batch AS (
                        SELECT expiry_date, card_id, id FROM clinic_loyalty_ledger
                         WHERE remaining_points > 0 AND expiry_date < %(today)s %(after)s
                      ORDER BY expiry_date, card_id, id
                         LIMIT %(limit)s
                    )
                    SELECT (SELECT COUNT(*) FROM batch),
                           (SELECT ARRAY[expiry_date::text, card_id::text, id::text] FROM batch
                             ORDER BY expiry_date, card_id, id LIMIT 1),
                           (SELECT ARRAY[expiry_date::text, card_id::text, id::text] FROM batch
                             ORDER BY expiry_date DESC, card_id DESC, id DESC LIMIT 1),
                           (SELECT array_agg(DISTINCT card_id ORDER BY card_id) FROM batch)
                    """,
                    today=today,
                    after=SQL("AND (expiry_date, card_id, id) > (%s, %s, %s)", *after) if after else SQL(),
                    limit=batch,
                )
            )
            count, first, last, card_ids = cr.fetchone()
            more = count == batch
            if not count:
                break
            after = (last[0], int(last[1]), int(last[2]))
            done += self._clinic_expire_batch(today, (first[0], int(first[1]), int(first[2])), after, card_ids)
        self.env.invalidate_all()
        remaining = 0
        if more and after:
            # A lower bound (at most one more call's worth): enough for the scheduler to call again.
            cr.execute(
                """
                SELECT COUNT(*) FROM (
                    SELECT 1 FROM clinic_loyalty_ledger
                     WHERE remaining_points > 0 AND expiry_date < %s AND (expiry_date, card_id, id) > (%s, %s, %s)
                     LIMIT %s) due
                """,
                [today, *after, limit],
            )
            remaining = cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _clinic_expire_batch(self, today, first, last, card_ids):
        """Expire the open lots due before ``today`` whose (expiry date, card, id) lies between
        ``first`` and ``last``, of the given cards (in id order); return how many.

        One expiry line per card burns all its lots of the batch; each lot records exactly
        what it lost and is left with nothing. A lot already burnt (an earlier or a
        concurrent run) is skipped, and the line's source (``expire:`` and its first lot) is
        UNIQUE per card, so no lot is burnt twice.
        """
        cr = self.env.cr
        # Cards first, in id order, as every other posting does: concurrent postings on a
        # card wait for us instead of deadlocking.
        self.env["loyalty.card"].browse(card_ids)._clinic_lock()
        cr.execute(
            SQL(
                """
                WITH lots AS (
                    SELECT ctid AS row, id, card_id, remaining_points, date
                      FROM clinic_loyalty_ledger
                     WHERE remaining_points > 0 AND expiry_date < %(today)s
                       AND (expiry_date, card_id, id) >= (%(first)s)
                       AND (expiry_date, card_id, id) <= (%(last)s)
                ), per_card AS (
                    SELECT card_id, SUM(remaining_points) AS points, COUNT(*) AS lots, MIN(id) AS first_lot,
                           MIN(date) AS first_date, MAX(date) AS last_date
                      FROM lots
                  GROUP BY card_id
                ), lines AS (
                    INSERT INTO clinic_loyalty_ledger (
                        card_id, partner_id, program_id, company_id, kind, points, date, user_id, reason,
                        reason_data, source_key, remaining_points, amount, balance_after,
                        create_uid, create_date, write_uid, write_date)
                    SELECT card.id, card.partner_id, card.program_id, card.company_id, 'expire', -per_card.points,
                           %(now)s, %(uid)s,
                           CASE WHEN per_card.first_date::date = per_card.last_date::date
                                THEN replace(%(one_day)s, %(date)s, to_char(per_card.first_date, 'YYYY-MM-DD'))
                                ELSE replace(replace(%(days)s, %(first_tag)s,
                                                     to_char(per_card.first_date, 'YYYY-MM-DD')),
                                             %(last_tag)s, to_char(per_card.last_date, 'YYYY-MM-DD'))
                           END,
                           CASE WHEN per_card.first_date::date = per_card.last_date::date
                                THEN jsonb_build_object('msg', 'expired_day', 'args', jsonb_build_object(
                                        'date', jsonb_build_object('date', to_char(per_card.first_date, 'YYYY-MM-DD'))))
                                ELSE jsonb_build_object('msg', 'expired_days', 'args', jsonb_build_object(
                                        'first', jsonb_build_object('date', to_char(per_card.first_date, 'YYYY-MM-DD')),
                                        'last', jsonb_build_object('date', to_char(per_card.last_date, 'YYYY-MM-DD'))))
                           END,
                           'expire:' || per_card.first_lot, 0, 0, card.points - per_card.points,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM per_card
                      JOIN loyalty_card card ON card.id = per_card.card_id
                        ON CONFLICT (card_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
                 RETURNING card_id, reason, points
                ), history AS (
                    -- Odoo's history line of each expiry line (see HISTORY_CTE)
                    INSERT INTO loyalty_history (card_id, description, issued, used,
                                                 create_uid, create_date, write_uid, write_date)
                    SELECT card_id, reason, 0, -points, %(uid)s, %(now)s, %(uid)s, %(now)s FROM lines
                ), burnt AS (
                    -- by row address (a TID scan): the lots were just read, no index lookup per lot
                    UPDATE clinic_loyalty_ledger lot
                       SET remaining_points = 0, expired_points = lot.remaining_points,
                           write_uid = %(uid)s, write_date = %(now)s
                     WHERE lot.ctid = ANY(ARRAY(SELECT lots.row FROM lots JOIN lines ON lines.card_id = lots.card_id))
                )
                UPDATE loyalty_card card
                   SET points = card.points - per_card.points
                  FROM per_card
                  JOIN lines ON lines.card_id = per_card.card_id
                 WHERE card.id = per_card.card_id
             RETURNING per_card.lots
                """,
                today=today,
                first=SQL("%s::date, %s, %s", *first),
                last=SQL("%s::date, %s, %s", *last),
                now=fields.Datetime.now(),
                uid=self.env.uid,
                # The English text (searchable); readers get reason_data in their language.
                one_day=reasons.MESSAGES["expired_day"]._source,
                days=reasons.MESSAGES["expired_days"]._source,
                date="%(date)s",
                first_tag="%(first)s",
                last_tag="%(last)s",
            )
        )
        return sum(row[0] for row in cr.fetchall())

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
        """Each card's welcome bonus, once per patient and programme.

        Keyed by patient and programme, not by card: archiving a card and enrolling the
        patient again issues a new card, never a new bonus. Given to someone the clinic has
        not met (a public page, a portal sign-up), it waits for the first paid visit.
        """
        for card in self:
            program = card.program_id
            if not (program.clinic_bonus and program.clinic_welcome_points > 0 and card.partner_id):
                continue
            card._clinic_lock_patient()
            if card._clinic_had_welcome():
                continue
            key = card._clinic_welcome_key()
            if is_unverified(self.env):
                card._clinic_hold_pending(program.clinic_welcome_points, reasons.reason("welcome"), key)
            else:
                card._clinic_post("earn", program.clinic_welcome_points, reasons.reason("welcome"), source_key=key)

    def _clinic_welcome_key(self):
        self.ensure_one()
        return f"welcome:{self.program_id.id}:{self.partner_id.id}"

    def _clinic_lock_patient(self):
        """Serialise the enrolments of the card's patient.

        The patient's row is written, not only locked: a transaction (REPEATABLE READ) that
        waited for a mere lock would still miss the other's welcome on its old snapshot;
        after a write it fails with a serialization error and Odoo replays it on fresh data.
        The ledger's unique welcome key backs this up.
        """
        self.ensure_one()
        self.env.cr.execute("UPDATE res_partner SET write_date = write_date WHERE id = %s", [self.partner_id.id])

    def _clinic_had_welcome(self):
        """Whether the card's patient was given (or promised) the programme's welcome bonus,
        on any card, archived ones included. Lines posted before the key named the patient
        ("welcome") count too."""
        self.ensure_one()
        self.env["clinic.loyalty.ledger"].flush_model(["source_key", "program_id", "patient_id"])
        self.env["clinic.loyalty.pending"].flush_model(["source_key"])
        self.env.cr.execute(
            """
            SELECT 1 FROM clinic_loyalty_ledger
             WHERE source_key = %(key)s
                OR (source_key = 'welcome' AND program_id = %(program)s AND patient_id = %(partner)s)
             UNION ALL
            SELECT 1 FROM clinic_loyalty_pending WHERE source_key = %(key)s
             LIMIT 1
            """,
            {"key": self._clinic_welcome_key(), "program": self.program_id.id, "partner": self.partner_id.id},
        )
        return bool(self.env.cr.fetchone())

    def _clinic_hold_pending(self, points, reason, source_key, document=None):
        """Promise ``points`` on this card, credited at the patient's first paid visit."""
        self.ensure_one()
        server_write(self.sudo()).clinic_pending_open = True
        return (
            self.env["clinic.loyalty.pending"]
            .sudo()
            .create(
                {
                    "card_id": self.id,
                    "points": points,
                    "reason": reasons.render(self.env, reason, self, "en_US"),
                    "reason_data": reason,
                    "source_key": source_key,
                    "document_model": document._name if document else False,
                    "document_id": document.id if document else False,
                }
            )
        )

    def _clinic_credit_pending(self, origin):
        """A paid visit (``origin``) on this card credits what was promised on it, once."""
        self.ensure_one()
        if not self.clinic_pending_open:
            return
        pending = (
            self.env["clinic.loyalty.pending"].sudo().search([("card_id", "=", self.id), ("state", "=", "pending")])
        )
        pending._clinic_credit(origin)
        server_write(self.sudo()).clinic_pending_open = False

    @api.model
    def _cron_clinic_birthday_bonus(self, batch_size=1000):
        """Give the birthday bonus to patients born on this day; once a year per patient and
        programme (a new card after an archived one gets nothing more that year), and not
        while the date of birth is younger than the programme's waiting days (a date typed
        as today's at the desk gives nothing).

        A batch per call: the scheduler calls again while patients remain (each call
        commits), and a patient who got this year's bonus is never chosen again.
        """
        today = fields.Date.context_today(self)
        key = f"birthday:{today.year}"
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT card.id, COUNT(*) OVER ()
              FROM loyalty_card card
              JOIN loyalty_program program ON program.id = card.program_id
              JOIN res_partner partner ON partner.id = card.partner_id
             WHERE program.clinic_bonus AND program.clinic_birthday_points > 0 AND program.active
               AND card.active AND partner.active AND partner.clinic_birth_date IS NOT NULL
               AND EXTRACT(MONTH FROM partner.clinic_birth_date) = %(month)s
               AND EXTRACT(DAY FROM partner.clinic_birth_date) = %(day)s
               AND (partner.clinic_birth_date_set_on IS NULL
                    OR partner.clinic_birth_date_set_on <= %(today)s::date - program.clinic_birthday_wait_days)
               AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_ledger l
                                 JOIN loyalty_card given ON given.id = l.card_id
                                WHERE given.partner_id = card.partner_id AND given.program_id = card.program_id
                                  AND l.source_key = %(key)s)
          ORDER BY card.id
             LIMIT %(limit)s
            """,
            {"month": today.month, "day": today.day, "today": today, "key": key, "limit": batch_size},
        )
        rows = self.env.cr.fetchall()
        cards = self.sudo().browse([row[0] for row in rows])
        for card in cards:
            card._clinic_post(
                "earn",
                card.program_id.clinic_birthday_points,
                reasons.reason("birthday", year=today.year),
                source_key=key,
            )
        self.env["ir.cron"]._notify_progress(done=len(cards), remaining=rows[0][1] - len(cards) if rows else 0)
        return cards
