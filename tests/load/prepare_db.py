"""Prepares a copy of the demo clinic for the load run; run inside ``odoo-bin shell``.

Environment: LOAD_FIXTURE (the JSON file written for the load users), LOAD_PATIENTS
(patients generated on top of the demo's, default 20000), LOAD_TERMINALS (POS terminals,
default 20), LOAD_PACKAGES (patients given a package, default 100).

Everything goes through Odoo's own API: patients get their card as at the desk, opening
balances are ledger postings, packages are sold by a synced POS order.
"""
# ruff: noqa: F821  (``env`` is the shell's)

import json
import os
import random
import time
import uuid

from odoo import Command, fields

random.seed(20261207)
PASSWORD = "load-run"
started = time.time()
fixture_path = os.environ["LOAD_FIXTURE"]
n_patients = int(os.environ.get("LOAD_PATIENTS", "20000"))
n_terminals = int(os.environ.get("LOAD_TERMINALS", "20"))
n_packages = int(os.environ.get("LOAD_PACKAGES", "100"))

company = env.ref("clinic_loyalty.res_company_clinic_demo")
env = env(context=dict(env.context, allowed_company_ids=[company.id], tracking_disable=True, mail_notrack=True))
program = company.clinic_loyalty_program_id
reward = program._clinic_points_reward()
base_config = env.ref("clinic_loyalty.pos_config_front_desk_demo")
currency = company.currency_id


def log(message):
    print(f"[prepare {time.time() - started:6.1f}s] {message}", flush=True)


# Patients ------------------------------------------------------------------------------
Partner = env["res.partner"]
existing = Partner.search_count([("name", "=like", "Load Patient %")])
batch = 500
for first in range(existing, n_patients, batch):
    count = min(batch, n_patients - first)
    partners = Partner.create(
        [
            {
                "name": f"Load Patient {first + i + 1:05d}",
                "phone": f"+7 900 {(first + i + 1) // 10000:03d} {(first + i + 1) % 10000:04d}",
                "is_patient": True,
                "company_id": company.id,
            }
            for i in range(count)
        ]
    )
    # A third start with a balance, posted as an opening adjustment through the ledger.
    for partner in partners[::3]:
        card = partner.clinic_card_ids[:1]
        if card:
            card._clinic_post("adjust", 1000, "Load run: opening balance", source_key=f"load-opening-{partner.id}")
    env.cr.commit()
    log(f"{first + count} patients generated")

patients = Partner.search([("is_patient", "=", True), ("company_id", "in", [company.id, False])])
households = [
    (household.member_ids | household.holder_id).ids
    for household in env["clinic.loyalty.household"].search([("company_id", "=", company.id), ("state", "=", "active")])
]
households = [ids for ids in households if len(ids) > 1]
log(f"{len(patients)} patients, {len(households)} households with members")

# Products the desk sells -----------------------------------------------------------------
Product = env["product.product"]
sellable = Product.search(
    [
        ("available_in_pos", "=", True),
        ("pos_categ_ids", "in", base_config.iface_available_categ_ids.ids),
        ("company_id", "in", [company.id, False]),
        ("list_price", ">", 0),
    ]
)
pricelist = base_config.pricelist_id


def priced(product):
    price = pricelist._get_product_price(product, 1.0)
    taxes = product.taxes_id.filtered(lambda tax: tax.company_id == company)
    totals = taxes.compute_all(price, currency, 1.0, product=product) if taxes else None
    return {
        "id": product.id,
        "name": product.name,
        "price_unit": price,
        "tax_ids": taxes.ids,
        "subtotal": totals["total_excluded"] if totals else price,
        "subtotal_incl": totals["total_included"] if totals else price,
    }


package_products = sellable.filtered("is_clinic_package")
memberships = env["clinic.loyalty.membership.plan"].search([]).product_id
plain = sellable.filtered(
    lambda p: not p.is_clinic_package and p not in memberships and p.type in ("service", "consu") and not p.is_storable
)
products = [priced(product) for product in plain]
log(f"{len(products)} products, {len(package_products)} package products")

# Terminals, cashiers and back-office users --------------------------------------------
Users = env["res.users"].with_context(no_reset_password=True)
cashier_groups = [
    env.ref("base.group_user").id,
    env.ref("point_of_sale.group_pos_user").id,
    env.ref("clinic_loyalty.group_clinic_loyalty_user").id,
]
office_groups = [
    env.ref("base.group_user").id,
    env.ref("sales_team.group_sale_salesman_all_leads").id,
    env.ref("account.group_account_invoice").id,
    env.ref("clinic_loyalty.group_clinic_loyalty_user").id,
]


def user(login, groups):
    found = Users.search([("login", "=", login)])
    values = {
        "name": login.replace("_", " ").title(),
        "login": login,
        # Posting a credit note writes to its chatter as the user: Odoo needs a sender address.
        "email": f"{login}@clinic-load.example",
        "password": PASSWORD,
        "company_id": company.id,
        "company_ids": [Command.set([company.id])],
        "groups_id": [Command.set(groups)],
    }
    if found:
        found.write(values)
        return found
    return Users.create(values)


terminals = []
for index in range(n_terminals):
    name = f"Load Desk {index + 1:02d}"
    config = env["pos.config"].search([("name", "=", name), ("company_id", "=", company.id)])
    if not config:
        config = base_config.copy({"name": name})
    cashier = user(f"load_cashier_{index + 1:02d}", cashier_groups)
    if not config.current_session_id:
        # Each terminal's session is its cashier's, opened as the POS opens it.
        config.with_user(cashier).open_ui()
        config.current_session_id.with_user(cashier).set_opening_control(0, None)
    session = config.current_session_id
    bank = config.payment_method_ids.filtered(lambda m: not m.is_cash_count and not m.split_transactions)[:1]
    terminals.append(
        {
            "config_id": config.id,
            "session_id": session.id,
            "login": cashier.login,
            "uid": cashier.id,
            "pricelist_id": config.pricelist_id.id,
            "payment_method_id": (bank or config.payment_method_ids[:1]).id,
        }
    )
office = [user(f"load_office_{index + 1}", office_groups) for index in range(2)]
env.cr.commit()
log(f"{len(terminals)} terminals open")

# Packages sold at the first terminal, by a synced POS order each -----------------------------
package_uses = []
first = terminals[0]
for partner in random.sample(list(patients), min(n_packages, len(patients))) if package_products else []:
    product = random.choice(package_products)
    line = priced(product)
    order = {
        "uuid": str(uuid.uuid4()),
        "name": f"Load package {partner.id}",
        "session_id": first["session_id"],
        "partner_id": partner.id,
        "pricelist_id": first["pricelist_id"],
        "user_id": env.uid,
        "sequence_number": 1,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "amount_paid": line["subtotal_incl"],
        "amount_total": line["subtotal_incl"],
        "amount_tax": line["subtotal_incl"] - line["subtotal"],
        "amount_return": 0,
        "lines": [
            Command.create(
                {
                    "product_id": product.id,
                    "qty": 1,
                    "price_unit": line["price_unit"],
                    "price_subtotal": line["subtotal"],
                    "price_subtotal_incl": line["subtotal_incl"],
                    "tax_ids": [Command.set(line["tax_ids"])],
                }
            )
        ],
        "payment_ids": [
            Command.create(
                {
                    "amount": line["subtotal_incl"],
                    "payment_method_id": first["payment_method_id"],
                    "name": fields.Datetime.now(),
                }
            )
        ],
        "last_order_preparation_change": "{}",
        "to_invoice": False,
    }
    env["pos.order"].sync_from_ui([order])
    for package in env["clinic.package"].search([("partner_id", "=", partner.id), ("state", "=", "active")]):
        for counter in package.counter_ids.filtered(lambda c: c.sessions_left > 0):
            service = priced(counter.service_id)
            package_uses.append({"partner_id": partner.id, "code": package.code, "product": service})
env.cr.commit()
log(f"{len(package_uses)} package services to use")

crons = [
    env.ref(xmlid).id
    for xmlid in (
        "clinic_loyalty.ir_cron_clinic_expire_lots",
        "clinic_loyalty.ir_cron_clinic_expiry_reminders",
        "clinic_loyalty.ir_cron_clinic_recompute_tiers",
    )
    if env.ref(xmlid, raise_if_not_found=False)
]

with open(fixture_path, "w") as fixture:
    json.dump(
        {
            "db": env.cr.dbname,
            "company_id": company.id,
            "password": PASSWORD,
            "terminals": terminals,
            "office": [{"login": u.login, "uid": u.id} for u in office],
            "patients": patients.ids,
            "households": households,
            "products": products,
            "package_uses": package_uses,
            "reward": {
                "id": reward.id,
                "product_id": reward.discount_line_product_id.id,
                "value": reward.discount,
            },
            "crons": crons,
        },
        fixture,
    )
log(f"fixture written to {fixture_path}")
