def post_init_hook(env):
    """Open the ledger of the clinic programmes' cards that already had points.

    Cards of other programmes (coupons, gift cards, e-wallets, plain loyalty) keep Odoo's
    own bookkeeping: a programme's cards get their ledger when its clinic rules are turned
    on (``loyalty.program._clinic_open_ledgers``).
    """
    env["loyalty.program"].sudo().with_context(active_test=False).search(
        [("clinic_bonus", "=", True)]
    )._clinic_open_ledgers()
    # Odoo's "Cash" and "Card" read in the clinic's languages at the desk.
    env["pos.payment.method"]._clinic_translate_default_names()


def uninstall_hook(env):
    """Uninstalling keeps every card and its balance: a clinic programme that has cards
    stays, as a plain loyalty programme of stock Odoo, with its cards and their owners.

    The programme of the demo clinic and the demo patients are records of this module, which
    Odoo deletes on uninstall; a programme cannot be deleted while cards use it (and a
    patient's card would lose its owner). Those records stop belonging to the module first.
    """
    programs = env["loyalty.program"].with_context(active_test=False).search([("clinic_bonus", "=", True)])
    cards = env["loyalty.card"].with_context(active_test=False).search([("program_id", "in", programs.ids)])
    programs = cards.program_id
    kept = {
        "loyalty.program": programs.ids,
        "loyalty.rule": programs.rule_ids.ids,
        "loyalty.reward": programs.reward_ids.ids,
        "res.partner": cards.partner_id.ids,
    }
    modules = ["clinic_loyalty", "clinic_loyalty_packages", "clinic_loyalty_referral"]
    Data = env["ir.model.data"]
    for model, ids in kept.items():
        Data.search([("module", "in", modules), ("model", "=", model), ("res_id", "in", ids)]).unlink()
    # The demo clinic's company, its point of sale, products, prices and sales orders are a
    # company's records and documents (orders cannot even be deleted once confirmed): they
    # stay, as in any database where the clinic worked, without the module's names.
    Data.search([("module", "in", modules), ("model", "in", DEMO_BUSINESS_MODELS)]).unlink()
    # Recall calls are activities of the clinic's recalls, which go with the module: they go
    # first, or their activity type (which they restrict) could not be removed.
    recall_type = env.ref("clinic_loyalty.mail_activity_type_clinic_recall", raise_if_not_found=False)
    if recall_type:
        env["mail.activity"].sudo().search([("activity_type_id", "=", recall_type.id)]).unlink()


# Models of stock Odoo whose records the addons' demo data creates.
DEMO_BUSINESS_MODELS = [
    "res.company",
    "res.partner",
    "product.category",
    "product.product",
    "product.template",
    "product.pricelist",
    "pos.category",
    "pos.config",
    "sale.order",
    "sale.order.line",
]
