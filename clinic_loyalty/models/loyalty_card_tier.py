"""A clinic card's spend and tier: after each order and in the nightly recomputation."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..tools.guard import server_write


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

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
        tiers = self.program_id.clinic_tier_ids
        if not tiers:
            return self.env["clinic.loyalty.tier"]
        # Read with the programme's other tiers: the order may move the card to one of them.
        tier = self.clinic_tier_id.with_prefetch(tiers._prefetch_ids)
        return tier or self.program_id._clinic_tier_for_spend(self.clinic_qualifying_spend)

    def _clinic_refresh_spend_and_tier(self, origin=None, notify=True):
        """Store the card's spend after an order or a refund; move it up (or down) a tier.

        Returns the tier change record, if the tier changed. ``notify=False``: the caller
        tells the patient (an order's earning notice says the new tier too).
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
        if notify:
            change._clinic_notify_changes()
        return change

    @api.model
    def _cron_clinic_recompute_tiers(self, batch_size=2000):
        """Recompute the qualifying spend and tier of the cards not checked today, one batch per call.

        Batches stay small: a batch locks its cards, and a card an order changed meanwhile
        fails the batch (a serialization failure, retried by Odoo). Under twenty desks' load
        a 20,000-card batch failed every retry (tests/load); 2,000 cards commit in a moment.

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
                       FOR NO KEY UPDATE
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
