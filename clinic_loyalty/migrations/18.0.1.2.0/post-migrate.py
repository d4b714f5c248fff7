from odoo.tools import SQL


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
    # The refund named at the end of the key: a POS refund or a credit note.
    for field, model in (("refund_pos_order_id", r"pos\.order"), ("refund_move_id", r"account\.move")):
        pattern = rf":un(?:spend|earn):{model}:(\d+)$"
        cr.execute(
            SQL(
                """
                UPDATE clinic_loyalty_ledger
                   SET %(field)s = substring(source_key from %(pattern)s)::int
                 WHERE kind = 'reversal' AND %(field)s IS NULL AND source_key ~ %(pattern)s
                """,
                field=SQL.identifier(field),
                pattern=pattern,
            )
        )
