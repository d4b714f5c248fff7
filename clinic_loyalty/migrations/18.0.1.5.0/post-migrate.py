def migrate(cr, version):
    """POS orders paid before 18.0.1.5.0 have had their loyalty effects: mark them so, or
    running their payment hook again would apply them once more."""
    if not version:
        return
    cr.execute(
        "UPDATE pos_order SET clinic_loyalty_posted = TRUE WHERE state IN ('paid', 'done', 'invoiced')"
        " AND clinic_loyalty_posted IS NOT TRUE"
    )
