def post_init_hook(env):
    """Open the ledger of cards that already had points when the module was installed.

    One set-based INSERT: a clinic may install this on a database with many cards. Each
    card's current balance becomes an opening line (and, when positive, a lot that never
    expires), so the balance equals the ledger sum from the first day.
    """
    env.cr.execute(
        """
        INSERT INTO clinic_loyalty_ledger (card_id, partner_id, program_id, company_id, kind, points,
                                           date, user_id, reason, source_key, remaining_points,
                                           create_uid, create_date, write_uid, write_date)
        SELECT card.id, card.partner_id, card.program_id, card.company_id, 'adjust', card.points,
               now() AT TIME ZONE 'UTC', %(uid)s, %(reason)s, 'opening', GREATEST(card.points, 0),
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM loyalty_card card
         WHERE card.points <> 0
           AND NOT EXISTS (SELECT 1 FROM clinic_loyalty_ledger l WHERE l.card_id = card.id)
        """,
        {"uid": env.uid, "reason": "Opening balance"},
    )
