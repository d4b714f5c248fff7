"""The checks at the end of the load run; run inside ``odoo-bin shell`` on the load database.

Environment: LOAD_SENT (the orders the terminals sent, one JSON line each), LOAD_FIXTURE,
LOAD_RESULT (the JSON file written here). Prints a table of checks: each must be 0.
"""
# ruff: noqa: F821  (``env`` is the shell's)

import json
import os
from collections import Counter

with open(os.environ["LOAD_SENT"]) as lines:
    sent = [json.loads(line) for line in lines if line.strip()]
with open(os.environ["LOAD_FIXTURE"]) as fixture_file:
    fixture = json.load(fixture_file)
company = env["res.company"].browse(fixture["company_id"])
cr = env.cr
env.flush_all()

kinds = Counter(order["kind"] for order in sent)
uuids = [order["uuid"] for order in sent]
cr.execute("SELECT uuid, COUNT(*), MIN(state) FROM pos_order WHERE uuid = ANY(%s) GROUP BY uuid", [uuids])
saved = {uuid: (count, state) for uuid, count, state in cr.fetchall()}
lost = [uuid for uuid in uuids if uuid not in saved]
doubled = [uuid for uuid, (count, _state) in saved.items() if count > 1]
unpaid = [uuid for uuid, (_count, state) in saved.items() if state not in ("paid", "done", "invoiced")]

# Each saved paid order of a patient with a clinic card has its ledger lines: an earn for
# what it paid (when it earns), a spend for the points its reward line used.
cr.execute(
    """
    SELECT o.id, o.uuid,
           EXISTS (SELECT 1 FROM pos_order_line l WHERE l.order_id = o.id AND l.is_reward_line
                      AND l.reward_id = %(reward)s),
           EXISTS (SELECT 1 FROM clinic_loyalty_ledger g WHERE g.pos_order_id = o.id AND g.kind = 'spend'),
           EXISTS (SELECT 1 FROM clinic_loyalty_ledger g WHERE g.pos_order_id = o.id AND g.kind = 'earn'),
           EXISTS (SELECT 1 FROM clinic_loyalty_pending p
                    WHERE p.document_model = 'pos.order' AND p.document_id = o.id)
      FROM pos_order o
     WHERE o.uuid = ANY(%(uuids)s)
    """,
    {"reward": fixture["reward"]["id"], "uuids": uuids},
)
kind_of = {order["uuid"]: order["kind"] for order in sent}
spend_missing = []
earn_missing = []
for order_id, uuid, has_reward, has_spend, has_earn, has_pending in cr.fetchall():
    if has_reward and not has_spend:
        spend_missing.append(order_id)
    if kind_of.get(uuid) == "earn" and not (has_earn or has_pending):
        earn_missing.append(order_id)
# An order of non-earning products earns nothing: only what the order engine says earns counts.
program = company.clinic_loyalty_program_id
earn_missing = [
    order.id
    for order in env["pos.order"].sudo().browse(earn_missing)
    if order._clinic_compute_earning(order.partner_id._clinic_card_in(program))["points"] > 0
]

# Ledger lines posted twice for one source (the source key is unique: a count above one is a
# second effect of one order line).
cr.execute(
    """
    SELECT COUNT(*) FROM (
        SELECT source_key FROM clinic_loyalty_ledger
         WHERE source_key IS NOT NULL AND company_id = %s
      GROUP BY source_key HAVING COUNT(*) > 1) doubled
    """,
    [company.id],
)
ledger_doubled = cr.fetchone()[0]
cr.execute(
    """
    SELECT CASE WHEN pos_order_id IS NOT NULL THEN 'pos order'
                WHEN sale_order_id IS NOT NULL THEN 'sales order'
                WHEN refund_move_id IS NOT NULL THEN 'credit note'
                ELSE 'other' END, kind, COUNT(*)
      FROM clinic_loyalty_ledger WHERE company_id = %s GROUP BY 1, 2 ORDER BY 1, 2
    """,
    [company.id],
)
ledger_by_source = [{"source": source, "kind": kind, "lines": count} for source, kind, count in cr.fetchall()]

# Balances, lots, packages and referral rewards: the clinic's own integrity check.
problems = env["clinic.loyalty.integrity.check"]._clinic_integrity_problems(company)
problem_kinds = Counter(problem["kind"] for problem in problems)
cr.execute(
    """
    SELECT COUNT(*) FROM loyalty_card c JOIN loyalty_program p ON p.id = c.program_id
     WHERE p.clinic_bonus AND p.company_id = %s AND c.points < -0.005
    """,
    [company.id],
)
negative = cr.fetchone()[0]

checks = {
    "orders lost (sent, not saved)": len(lost),
    "orders saved twice": len(doubled),
    "orders saved unpaid": len(unpaid),
    "paid orders using points without a spend line": len(spend_missing),
    "paid earning orders without an earn line": len(earn_missing),
    "ledger effects posted twice": ledger_doubled,
    "cards below zero": negative,
    **{f"integrity: {kind}": count for kind, count in sorted(problem_kinds.items())},
    "integrity problems in all": len(problems),
}
result = {
    "orders_sent": len(uuids),
    "orders_distinct": len(set(uuids)),
    "orders_by_kind": dict(kinds),
    "orders_saved": len(saved),
    "checks": checks,
    "ledger_by_source": ledger_by_source,
    "examples": {
        "lost": lost[:10],
        "doubled": doubled[:10],
        "spend_missing": spend_missing[:10],
        "earn_missing": earn_missing[:10],
        "problems": problems[:10],
    },
}
with open(os.environ["LOAD_RESULT"], "w") as out:
    json.dump(result, out, indent=2, default=str)
print(f"orders sent {len(uuids)} ({dict(kinds)}), distinct {len(set(uuids))}, saved {len(saved)}")
for source in ledger_by_source:
    print(f"  ledger {source['source']:<12} {source['kind']:<9} {source['lines']:>7}")
width = max(len(name) for name in checks)
for name, value in checks.items():
    print(f"  {name:<{width}}  {value:>6}  {'ok' if not value else 'FAILED'}")
