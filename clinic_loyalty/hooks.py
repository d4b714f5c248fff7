def post_init_hook(env):
    """Open the ledger of the clinic programmes' cards that already had points.

    Cards of other programmes (coupons, gift cards, e-wallets, plain loyalty) keep Odoo's
    own bookkeeping: a programme's cards get their ledger when its clinic rules are turned
    on (``loyalty.program._clinic_open_ledgers``).
    """
    env["loyalty.program"].sudo().with_context(active_test=False).search(
        [("clinic_bonus", "=", True)]
    )._clinic_open_ledgers()
