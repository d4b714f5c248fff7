def migrate(cr, version):
    """Reversal lines posted before 18.0.1.2.0 named what they reversed only in their source key
    (``<order prefix>unspend:<event>`` / ``unearn:``): link them to the reversed line and to
    the refund, which the engine now reads instead of searching keys."""
    if not version:
        return
    cr.execute(
        r"""
        UPDATE clinic_loyalty_ledger reversal
           SET reversed_line_id = original.id
          FROM clinic_loyalty_ledger original
         WHERE reversal.kind = 'reversal'
           AND reversal.reversed_line_id IS NULL
           AND reversal.source_key ~ 'un(spend|earn):'
           AND original.card_id = reversal.card_id
           AND original.source_key = regexp_replace(reversal.source_key, 'un(spend|earn):.*$', '\1')
        """
    )
    cr.execute(
        r"""
        UPDATE clinic_loyalty_ledger
           SET refund_pos_order_id = substring(source_key from ':un(?:spend|earn):pos\.order:(\d+)$')::int
         WHERE kind = 'reversal' AND refund_pos_order_id IS NULL
           AND source_key ~ ':un(spend|earn):pos\.order:\d+$'
        """
    )
    cr.execute(
        r"""
        UPDATE clinic_loyalty_ledger
           SET refund_move_id = substring(source_key from ':un(?:spend|earn):account\.move:(\d+)$')::int
         WHERE kind = 'reversal' AND refund_move_id IS NULL
           AND source_key ~ ':un(spend|earn):account\.move:\d+$'
        """
    )
