def migrate(cr, version):
    """A card's first tier was recorded as an upgrade from no tier before 18.0.1.3.0."""
    if not version:
        return
    cr.execute("UPDATE clinic_loyalty_tier_history SET direction = 'start' WHERE old_tier_id IS NULL")
