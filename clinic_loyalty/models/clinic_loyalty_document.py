from odoo import api, models
from odoo.tools import float_compare, float_is_zero

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

    def _clinic_discounts(self):
        """Money the document's reward lines took off (points, coupons; not gift cards or e-wallets)."""
        raise NotImplementedError

    def _clinic_spending(self, card):
        """(points, money): what the document's rewards take from ``card`` and the discount they gave."""
        raise NotImplementedError

    def _clinic_cap_base(self):
        """Amount the programme's maximum share payable with points applies to."""
        raise NotImplementedError

    # The engine ------------------------------------------------------------------------

    @api.model
    def _clinic_reward_cost(self, reward, money, claimed):
        """Points a clinic reward line costs, whatever the client claimed: a points discount
        what the discount is worth at the programme's value of a point, any other reward at
        least its required points; never below zero."""
        if reward.reward_type == "discount" and reward.discount_mode == "per_point" and reward.discount:
            return max(money / reward.discount, 0.0)
        return max(claimed or 0.0, reward.required_points, 0.0)

    def _clinic_compute_earning(self, card, program=None):
        """Points this document earns on ``card``: ``{"points", "paid", "rate", "tier"}``."""
        self.ensure_one()
        program = program or card.program_id
        return program._clinic_compute_earning(
            card, self._clinic_earning_lines(), self._clinic_discounts(), self._clinic_day()
        )

    def _clinic_post_earning(self, card):
        """Post what the document earns on ``card``, once; move the tier; tell the patient."""
        self.ensure_one()
        figures = self._clinic_compute_earning(card)
        if float_is_zero(figures["points"], precision_digits=2) and float_is_zero(figures["paid"], precision_digits=2):
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
        )
        if created:
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
        return card.sudo()._clinic_post(
            "spend",
            -points,
            reasons.reason("order_spend", order=self._clinic_origin()),
            source_key=self._clinic_key("spend"),
            origin=self._clinic_origin(),
            document=self,
        )

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
        each worth that part of the points the line cost."""
        return sum(line.points_cost * min(max(part, 0.0), 1.0) for line, part in pairs)

    def _clinic_reversal_plan(self, ratio, settled=0.0, given_back=None):
        """What reversing ``ratio`` of the document changes, per posted line, without posting.

        ``[(line, points, amount, missing, settled)]``: a spending line gets back its share of
        the points it spent, at most ``given_back`` points in all (a refund gives back the
        points its points lines return, so money and points returned never exceed what the
        patient paid for the items; None: the share, as a cancellation); an earning line gives
        back its share of the points it earned (``points`` negative) and of the money it
        counted (``amount``), never beyond what is left of it, so partial refunds add up to at
        most the document. ``settled`` points
        were paid back in money by the refund (the POS deducts their value from the money
        returned): they are not taken from the card. What the card no longer holds is
        ``missing``: a balance never goes below zero. Lines are taken in posting order and
        each card's balance moves as they would post, so the plan is exactly what
        :meth:`_clinic_reverse` posts, and what the POS shows before a refund is paid.
        """
        self.ensure_one()
        lines = self._clinic_posted_lines()
        if not lines:
            return []
        done = self.env["clinic.loyalty.ledger"].sudo().search([("reversed_line_id", "in", lines.ids)])
        balances, plan = {}, []
        for line in lines:
            undone = done.filtered(lambda rev, line=line: rev.reversed_line_id == line)
            card = line.card_id
            round_points = card.currency_id.round
            if card not in balances:
                card.invalidate_recordset(["points"])
                balances[card] = card.points
            if line.kind == "spend":
                spent, restored = -line.points, sum(undone.mapped("points"))
                to_restore = round_points(min(spent * ratio, spent - restored))
                if given_back is not None:
                    to_restore = round_points(min(to_restore, max(given_back, 0.0)))
                    given_back -= to_restore
                if float_compare(to_restore, 0, precision_digits=2) > 0:
                    balances[card] += to_restore
                    plan.append((line, to_restore, 0.0, 0.0, 0.0))
                continue
            to_take = min(line.points * ratio, line.points + sum(undone.mapped("points")))
            to_refund = min(line.amount * ratio, line.amount + sum(undone.mapped("amount")))
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
            plan.append((line, -take, -card.currency_id.round(to_refund), missing, paid))
        return plan

    def _clinic_reverse(self, ratio, event, reason, refund=None, settled=0.0, given_back=None):
        """Give back ``ratio`` of what the document spent and take back ``ratio`` of what it earned.

        ``reason`` is a message of ``tools.reasons`` (or a text) the reversal lines carry.

        Cancellation (ratio 1), credit notes and POS refunds (the refunded share), as
        planned by :meth:`_clinic_reversal_plan`. Each line is reversed on the card it was
        posted on. If the patient has already spent the points it earned, the card is
        emptied, the shortfall is written in the reason and the managers get a to-do
        (unless the refund deducted its value from the money returned: ``settled``). A
        refund gives back at most ``given_back`` spent points (see the plan).
        ``refund`` (a POS refund, a credit note) is linked on the reversal lines; ``event``
        makes each reversal happen once.
        """
        self.ensure_one()
        Ledger = self.env["clinic.loyalty.ledger"].sudo()
        origin = self._clinic_origin()
        reversals = Ledger
        for line, points, amount, missing, paid in self._clinic_reversal_plan(ratio, settled, given_back):
            card = line.card_id
            key = f"{line.source_key}:undo:{event}"
            if line.kind == "spend":
                reversals |= card._clinic_post(
                    "reversal",
                    points,
                    reason,
                    source_key=key,
                    origin=origin,
                    document=self,
                    refund=refund,
                    reversed_line=line,
                    expiry_date=line._clinic_restored_expiry(),
                )
                continue
            line_reason = reason
            if float_compare(paid, 0, precision_digits=2) > 0:
                line_reason = reasons.reason("refund_deducted", reason=line_reason, paid=reasons.points(paid))
            if float_compare(missing, 0, precision_digits=2) > 0:
                line_reason = reasons.reason("refund_missing", reason=line_reason, missing=reasons.points(missing))
                if not Ledger.search_count([("card_id", "=", card.id), ("source_key", "=", key)]):
                    card._clinic_record_refund_shortfall(
                        self, refund.display_name if refund else reasons.render(self.env, reason, card), missing
                    )
            reversals |= card._clinic_post(
                "reversal",
                points,
                line_reason,
                source_key=key,
                origin=origin,
                lots=line,
                amount=amount,
                document=self,
                refund=refund,
                reversed_line=line,
            )
            card._clinic_refresh_spend_and_tier(origin=origin)
        return reversals
