from odoo import api, models
from odoo.tools import float_compare, float_is_zero, float_round

from ..tools import reasons
from ..tools.guard import server_write


class ClinicLoyaltyDocument(models.AbstractModel):
    """The order engine: one code path for every document that moves clinic points.

    A sales order, a POS order (and a package or a referral) describes itself in one form:
    the card it earns into and pays from, its lines as (category, money paid), what reward
    lines took off, the points its rewards cost, its day and name. From that description
    alone the engine computes earning, the spending allowed (balance, the programme's share,
    a member's monthly limit), and the reversals of cancellations, credit notes and refunds,
    and posts them through the ledger, once per event. Documents only translate themselves.
    """

    _name = "clinic.loyalty.document"
    _description = "Document Moving Clinic Points"

    # Ledger field pointing to a document of this model, and to a refund of this model.
    _clinic_ledger_field = None
    _clinic_refund_ledger_field = None

    # What a document says about itself -----------------------------------------------

    def _clinic_card(self):
        """The clinic card this document earns into and pays from (empty if none)."""
        raise NotImplementedError

    def _clinic_origin(self):
        """How the patient and the staff name this document."""
        raise NotImplementedError

    def _clinic_key(self, event):
        """Identifies one event of this document (earn, spend) for the ledger, once."""
        raise NotImplementedError

    def _clinic_day(self):
        """Day whose rules (boost dates, memberships) apply."""
        raise NotImplementedError

    def _clinic_earning_lines(self):
        """[(product category id, amount paid for the line incl. taxes)] of the lines that earn."""
        raise NotImplementedError

    # Field of a line record (clinic.loyalty.line.record) pointing to a line of this
    # document; None: the document has no lines of its own (it is reversed as a whole).
    _clinic_record_line_field = None

    def _clinic_record_lines(self):
        """The document's lines that earn, in the order of :meth:`_clinic_earning_lines`:
        each gets a record of what it did (empty: the document keeps no line records)."""
        return

    def _clinic_discounts(self):
        """Money the document's reward lines took off (points, coupons; not gift cards or e-wallets)."""
        raise NotImplementedError

    def _clinic_spending(self, card):
        """(points, money): what the document's rewards take from ``card`` and the discount they gave."""
        raise NotImplementedError

    def _clinic_cap_base(self):
        """Amount the programme's maximum share payable with points applies to."""
        raise NotImplementedError

    def _clinic_effects(self):
        """What the document does to clinic value once paid (a POS order) or confirmed (a
        sales order), as (sequence, method) pairs run in sequence order. Each addon adds its
        own effects (packages, referrals, recalls); the engine runs the list, once."""
        return []

    def _clinic_run_effects(self):
        """Run the document's effects in their declared order."""
        self.ensure_one()
        for _sequence, method in sorted(self._clinic_effects()):
            getattr(self, method)()

    # The engine ------------------------------------------------------------------------

    @api.model
    def _clinic_rewards_cost(self, lines):
        """Points the reward ``lines`` [(reward, money, claimed points)] cost together: the
        lines of one points discount (Odoo splits it per tax) are priced as one discount, so
        whole points are rounded once, not once per line."""
        money_by_reward, points = {}, 0.0
        for reward, money, claimed in lines:
            if reward.reward_type == "discount" and reward.discount_mode == "per_point" and reward.discount:
                money_by_reward[reward] = money_by_reward.get(reward, 0.0) + money
            else:
                points += self._clinic_reward_cost(reward, money, claimed)
        return points + sum(self._clinic_reward_cost(reward, money, 0.0) for reward, money in money_by_reward.items())

    @api.model
    def _clinic_reward_cost(self, reward, money, claimed):
        """Points a clinic reward line costs, whatever the client claimed: a points discount
        what the discount is worth at the programme's value of a point, any other reward at
        least its required points; never below zero."""
        if reward.reward_type == "discount" and reward.discount_mode == "per_point" and reward.discount:
            program = reward.program_id
            points = money / reward.discount
            if program._clinic_points_step() < 1:
                return max(points, 0.0)
            # Whole points, never fewer than the discount is worth: 100.49 off costs 101
            # points, 0.49 off costs 1. One cent of a line's total is Odoo's rounding of the
            # taxes it spreads the discount over (143.01 off costs 143 points).
            cent = program.currency_id.rounding / reward.discount
            points = float_round(points - cent, precision_digits=6)
            return max(float_round(points, precision_rounding=1, rounding_method="UP"), 0.0)
        return max(claimed or 0.0, reward.required_points, 0.0)

    def _clinic_compute_earning(self, card, program=None):
        """Points this document earns on ``card``: ``{"points", "paid", "rate", "tier"}``."""
        self.ensure_one()
        program = program or card.program_id
        return program._clinic_compute_earning(
            card, self._clinic_earning_lines(), self._clinic_discounts(), self._clinic_day()
        )

    def _clinic_paid_visit(self):
        """Whether the document's money was received (a POS order is paid when posted)."""
        return True

    def _clinic_post_earning(self, card):
        """Post what the document earns on ``card``, once; move the tier; tell the patient."""
        self.ensure_one()
        figures = self._clinic_compute_earning(card)
        # Only money paid is a paid visit: a refund, or an order paid nothing, earns nothing
        # and counts nothing towards tiers.
        if float_compare(figures["paid"], 0, precision_digits=2) <= 0:
            return self.env["clinic.loyalty.ledger"]
        card = card.sudo()
        origin = self._clinic_origin()
        rate = f"{figures['rate']:g}"
        line, created = card._clinic_post_once(
            "earn",
            figures["points"],
            reasons.reason(
                "order_earn", order=origin, rate=rate, amount=reasons.money(figures["paid"], card.currency_id)
            ),
            source_key=self._clinic_key("earn"),
            origin=origin,
            amount=figures["paid"],
            document=self,
            line_records=self._clinic_line_record_vals(
                "earn", [{"points": points, "amount": paid, "rate": rate} for points, paid, rate in figures["lines"]]
            ),
        )
        if created:
            # The first paid visit credits what was promised before anyone met the patient
            # (an order earning at confirmation does when its invoices are paid).
            if self._clinic_paid_visit():
                card._clinic_credit_pending(origin)
            # One notice per visit: the earning's says the new tier too, if the order moved it.
            earned = line.points > 0
            change = card._clinic_refresh_spend_and_tier(origin=origin, notify=not earned)
            if earned:
                if change.old_tier_id:
                    server_write(line).tier_change_id = change
                line._clinic_notify()
        return line

    def _clinic_spending_allowance(self, card):
        """(points, money, points allowed, [reasons]) of the document's payment with ``card``'s points."""
        self.ensure_one()
        points, money = self._clinic_spending(card)
        if float_is_zero(points, precision_digits=2):
            return points, money, 0.0, []
        card.invalidate_recordset(["points"])
        cap = card.program_id._clinic_points_payment_cap(self._clinic_cap_base(), card.currency_id)
        allowed, problems = card._clinic_spending_allowance(
            self.partner_id, points, money, cap, order_name=self._clinic_origin()
        )
        return points, money, card.currency_id.round(allowed), problems

    def _clinic_post_spending_points(self, card, points):
        """Take ``points`` from ``card`` for this document, once."""
        self.ensure_one()
        if float_is_zero(points, precision_digits=2):
            return self.env["clinic.loyalty.ledger"]
        # Each line's share of the points payment, in proportion to what the line costs: a
        # refund of the line gives back its share.
        amounts = [amount for _categ, amount in self._clinic_earning_lines()]
        shares = self.env["clinic.loyalty.line.record"]._clinic_split(
            -points, amounts, digits=card.program_id._clinic_points_digits()
        )
        return card.sudo()._clinic_post(
            "spend",
            -points,
            reasons.reason("order_spend", order=self._clinic_origin()),
            source_key=self._clinic_key("spend"),
            origin=self._clinic_origin(),
            document=self,
            line_records=self._clinic_line_record_vals("spend", [{"points": share} for share in shares]),
        )

    def _clinic_line_record_vals(self, kind, shares):
        """Values of the records of what each of the document's lines did (see
        ``clinic.loyalty.line.record``): ``shares`` are each line's figures, in the order of
        :meth:`_clinic_record_lines`. Empty for a document without lines."""
        lines = self._clinic_record_lines()
        field = self._clinic_record_line_field
        if not lines or not field:
            return []
        return [
            {
                "kind": kind,
                "sale_line_id": None,
                "pos_line_id": None,
                "reversed_record_id": None,
                "qty": self._clinic_record_qty(doc_line),
                "amount": 0.0,
                "points": 0.0,
                "rate": 0.0,
                **share,
                field: doc_line.id,
            }
            for doc_line, share in zip(lines, shares, strict=True)
        ]

    def _clinic_record_qty(self, line):
        """Quantity of one of the document's lines (in the unit a refund counts in)."""
        return 1.0

    def _clinic_refunded_ratio(self, refunded):
        """The share of the money the document was paid that ``refunded`` returns: a number
        (0 to 1), or {line id: share of that line refunded}, each line weighed by the money
        its record says it counted as paid (by its amount when it has no record)."""
        if not isinstance(refunded, dict):
            return min(max(refunded, 0.0), 1.0)
        field = self._clinic_record_line_field
        earned = self._clinic_posted_lines().filtered(lambda line: line.kind == "earn")
        records = (
            self.env["clinic.loyalty.line.record"]
            .sudo()
            .search([("ledger_id", "in", earned.ids), ("reversed_record_id", "=", False)])
            if earned and field
            else []
        )
        if records:
            weighed = [(record[field].id, record.amount) for record in records]
        else:
            weighed = [
                (line.id, amount)
                for line, (_categ, amount) in zip(
                    self._clinic_record_lines() or [], self._clinic_earning_lines(), strict=False
                )
            ]
        gross = sum(amount for _line, amount in weighed)
        if gross <= 0:
            return 0.0
        value = sum(amount * min(max(refunded.get(line, 0.0), 0.0), 1.0) for line, amount in weighed)
        return min(value / gross, 1.0)

    def _clinic_posted_lines(self):
        """The spending and earning lines the ledger holds for this document (every card)."""
        self.ensure_one()
        return (
            self.env["clinic.loyalty.ledger"]
            .sudo()
            .search([(self._clinic_ledger_field, "=", self.id), ("kind", "in", ("spend", "earn"))], order="id")
        )

    @api.model
    def _clinic_points_given_back(self, pairs):
        """Points a refund gives back through its points lines: ``pairs`` of (line of the
        document that paid with points, part of its discount the refund returns, 0 to 1),
        each worth that part of the points the line cost, in the programme's points (whole
        points: the share of a discount Odoo spread over several taxes comes back whole)."""
        total, step = 0.0, 0.01
        for line, part in pairs:
            total += line.points_cost * min(max(part, 0.0), 1.0)
            step = max(step, line.reward_id.program_id._clinic_points_step())
        return float_round(total, precision_rounding=step)

    def _clinic_line_shares(self, line, refunded):
        """[(record, points, amount, part)]: what reversing ``refunded`` takes of each line record
        of the ledger ``line`` (points and money as magnitudes), never more than is left of
        the record. None when the line has no records (posted before line records existed,
        or a document without lines)."""
        records = (
            self.env["clinic.loyalty.line.record"]
            .sudo()
            .search([("ledger_id", "=", line.id), ("reversed_record_id", "=", False)])
        )
        if not records:
            return None
        field = self._clinic_record_line_field
        shares = []
        for record, (points_left, amount_left, done) in records._clinic_left_parts().items():
            if isinstance(refunded, dict):
                part = refunded.get(record[field].id, 0.0) if field else 0.0
            else:
                part = refunded
            part = min(max(part, 0.0), 1.0)
            points = min(abs(record.points) * part, abs(points_left))
            if line.card_id.program_id._clinic_points_step() >= 1:
                # Whole points, rounded on the running total of the parts refunded, so a
                # line refunded in parts gives back exactly what it did (10 points over
                # three units: 3, 4, 3), and a line refunded to the end all that is left.
                done = min(max(done, 0.0), 1.0)
                after = min(done + part, 1.0)
                target = float_round(abs(record.points) * after, precision_rounding=1)
                taken = abs(record.points) - abs(points_left)
                points = abs(points_left) if after >= 1 - 1e-6 else min(max(target - taken, 0.0), abs(points_left))
            amount = min(max(record.amount, 0.0) * part, max(amount_left, 0.0))
            if float_compare(points, 0, precision_digits=2) > 0 or float_compare(amount, 0, precision_digits=2) > 0:
                shares.append((record, points, amount, part))
        return shares

    def _clinic_reversal_plan(self, refunded, settled=0.0, given_back=None):
        """What reversing ``refunded`` of the document changes, per posted line, without posting.

        ``refunded`` is the share of the document reversed (1.0: a cancellation) or, line by
        line, ``{document line id: share of that line refunded}``: each line gives back
        exactly what its record says it did, in proportion (a line that earned nothing takes
        back nothing; a line at 20 % takes back its 20 %).

        Answers ``[{"line", "points", "amount", "missing", "settled", "records"}]``: a
        spending line gets back its lines' share of the points it spent, at most
        ``given_back`` points in all (a refund gives back the points its points lines
        return, so money and points returned never exceed what the patient paid for the
        items; None: the share, as a cancellation); an earning line gives back its lines'
        points (``points`` negative) and money counted (``amount``), never beyond what is
        left of them, so partial refunds add up to at most the document. ``settled`` points
        were paid back in money by the refund (the POS deducts their value from the money
        returned): they are not taken from the card. What the card no longer holds is
        ``missing``: a balance never goes below zero. ``records`` are the line records and
        the part of each reversed. Lines are taken in posting order and each card's balance
        moves as they would post, so the plan is exactly what :meth:`_clinic_reverse`
        posts, and what the POS shows before a refund is paid.
        """
        self.ensure_one()
        lines = self._clinic_posted_lines()
        if not lines:
            return []
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        done = Ledger.search([("reversed_line_id", "in", lines.ids)])
        # Reversals undone since (their credit note reset to draft) count with their undoing.
        done |= Ledger.search([("reversed_line_id", "in", done.ids)]) if done else Ledger
        ratio = self._clinic_refunded_ratio(refunded)
        balances, plan = {}, []
        for line in lines:
            reversals = done.filtered(lambda rev, line=line: rev.reversed_line_id == line)
            reversing = reversals | done.filtered(lambda rev, reversals=reversals: rev.reversed_line_id in reversals)
            card = line.card_id
            round_points = card.currency_id.round
            if card not in balances:
                card.invalidate_recordset(["points"])
                balances[card] = card.points
            shares = self._clinic_line_shares(line, refunded)
            if line.kind == "spend":
                if shares is None:
                    spent, restored = -line.points, sum(reversing.mapped("points"))
                    to_restore = min(spent * ratio, spent - restored)
                else:
                    to_restore = sum(share[1] for share in shares)
                to_restore = round_points(to_restore)
                if given_back is not None:
                    to_restore = round_points(min(to_restore, max(given_back, 0.0)))
                    given_back -= to_restore
                if float_compare(to_restore, 0, precision_digits=2) > 0:
                    balances[card] += to_restore
                    plan.append(
                        {
                            "line": line,
                            "points": to_restore,
                            "amount": 0.0,
                            "missing": 0.0,
                            "settled": 0.0,
                            "records": self._clinic_scaled_shares(shares, to_restore),
                        }
                    )
                continue
            if shares is None:
                to_take = min(line.points * ratio, line.points + sum(reversing.mapped("points")))
                to_refund = min(line.amount * ratio, line.amount + sum(reversing.mapped("amount")))
            else:
                to_take = sum(share[1] for share in shares)
                to_refund = sum(share[2] for share in shares)
            if (
                float_compare(to_take, 0, precision_digits=2) <= 0
                and float_compare(to_refund, 0, precision_digits=2) <= 0
            ):
                continue
            paid = round_points(min(max(settled, 0.0), max(to_take, 0.0)))
            settled -= paid
            take = round_points(max(min(to_take - paid, balances[card]), 0.0))
            missing = round_points(max(to_take - paid - take, 0.0))
            balances[card] -= take
            plan.append(
                {
                    "line": line,
                    "points": -take,
                    "amount": -card.currency_id.round(to_refund),
                    "missing": missing,
                    "settled": paid,
                    # The lines' records count what was settled and what was missing as
                    # reversed too: the refund took the line's points back, in money or as a
                    # shortfall the managers settle; a later refund never takes them again.
                    "records": shares or [],
                }
            )
        return plan

    @api.model
    def _clinic_scaled_shares(self, shares, total):
        """``shares`` of a spending line scaled to the ``total`` points actually given back."""
        if not shares:
            return []
        planned = sum(share[1] for share in shares)
        factor = min(total / planned, 1.0) if planned else 0.0
        return [(record, points * factor, amount, part) for record, points, amount, part in shares]

    def _clinic_reverse(self, refunded, event, reason, refund=None, settled=0.0, given_back=None):
        """Give back what ``refunded`` of the document spent and take back what it earned.

        ``refunded`` is a share of the document or a share per line (see
        :meth:`_clinic_reversal_plan`); ``reason`` is a message of ``tools.reasons`` (or a
        text) the reversal lines carry.

        Cancellation (1.0), credit notes and POS refunds (the lines refunded), as planned by
        :meth:`_clinic_reversal_plan`. Each line is reversed on the card it was posted on,
        and each line record gets a reversal record of the part reversed. If the patient
        has already spent the points it earned, the card is emptied, the shortfall is
        written in the reason and the managers get a to-do (unless the refund deducted its
        value from the money returned: ``settled``). A refund gives back at most
        ``given_back`` spent points (see the plan). ``refund`` (a POS refund, a credit note)
        is linked on the reversal lines; ``event`` makes each reversal happen once.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        origin = self._clinic_origin()
        reversals = Ledger
        for step in self._clinic_reversal_plan(refunded, settled, given_back):
            line, points, missing, paid = step["line"], step["points"], step["missing"], step["settled"]
            card = line.card_id
            key = f"{line.source_key}:undo:{event}"
            if line.kind == "spend":
                reversal = card._clinic_post(
                    "reversal",
                    points,
                    reason,
                    source_key=key,
                    origin=origin,
                    document=self,
                    refund=refund,
                    reversed_line=line,
                    expiry_date=line._clinic_restored_expiry(),
                    line_records=self._clinic_reversal_record_vals(step["records"], "spend"),
                )
            else:
                line_reason = reason
                if float_compare(paid, 0, precision_digits=2) > 0:
                    line_reason = reasons.reason("refund_deducted", reason=line_reason, paid=reasons.points(paid))
                if float_compare(missing, 0, precision_digits=2) > 0:
                    line_reason = reasons.reason("refund_missing", reason=line_reason, missing=reasons.points(missing))
                    if not Ledger.search_count([("card_id", "=", card.id), ("source_key", "=", key)]):
                        card._clinic_record_refund_shortfall(
                            self,
                            refund.display_name if refund else reasons.render(self.env, reason, card),
                            missing,
                        )
                reversal = card._clinic_post(
                    "reversal",
                    points,
                    line_reason,
                    source_key=key,
                    origin=origin,
                    lots=line,
                    amount=step["amount"],
                    document=self,
                    refund=refund,
                    reversed_line=line,
                    line_records=self._clinic_reversal_record_vals(step["records"], "earn"),
                )
                card._clinic_refresh_spend_and_tier(origin=origin)
            reversals |= reversal
        return reversals

    @api.model
    def _clinic_reversal_record_vals(self, shares, kind):
        """Values of the records of what a reversal takes back of each line record in
        ``shares`` [(record, points, amount, part)] (magnitudes; ``part`` of the record's
        line refunded): a spending record gets points back, an earning record gives points
        and money back; the reversal keeps the quantity it refunded."""
        return [
            {
                "kind": kind,
                "sale_line_id": record.sale_line_id.id or None,
                "pos_line_id": record.pos_line_id.id or None,
                "reversed_record_id": record.id,
                "qty": record.qty * part,
                "points": points if kind == "spend" else -points,
                "amount": -amount,
                "rate": record.rate,
            }
            for record, points, amount, part in shares
            if float_compare(points, 0, precision_digits=4) > 0 or float_compare(amount, 0, precision_digits=4) > 0
        ]
