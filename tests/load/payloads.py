"""What the POS sends: order lines and paid orders as ``pos.order.sync_from_ui`` receives them
(shared by the Locust terminals and the launcher's read-after-write probe)."""

import uuid
from datetime import datetime, timezone


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def line(product, qty, **extra):
    """A line of ``qty`` of a fixture product, at its pricelist price and taxes."""
    return {
        "product_id": product["id"],
        "qty": qty,
        "price_unit": product["price_unit"],
        "price_subtotal": round(product["subtotal"] * qty, 2),
        "price_subtotal_incl": round(product["subtotal_incl"] * qty, 2),
        "tax_ids": [[6, 0, product["tax_ids"]]],
        "discount": 0,
        **extra,
    }


def order(terminal, sequence, partner_id, lines, reward=None):
    """A paid order of ``terminal`` (a fixture terminal), paid exactly its total."""
    total = round(sum(item["price_subtotal_incl"] for item in lines), 2)
    base = round(sum(item["price_subtotal"] for item in lines), 2)
    if reward:
        lines = [*lines, reward]
        total = round(total + reward["price_subtotal_incl"], 2)
        base = round(base + reward["price_subtotal"], 2)
    key = str(uuid.uuid4())
    return {
        "uuid": key,
        "name": f"Load {terminal['config_id']}-{key[:8]}",
        "session_id": terminal["session_id"],
        "partner_id": partner_id,
        "pricelist_id": terminal["pricelist_id"],
        "user_id": terminal["uid"],
        "sequence_number": sequence,
        "date_order": now(),
        "amount_paid": total,
        "amount_total": total,
        "amount_tax": round(total - base, 2),
        "amount_return": 0,
        "lines": [[0, 0, item] for item in lines],
        "payment_ids": [[0, 0, {"amount": total, "payment_method_id": terminal["payment_method_id"], "name": now()}]],
        "last_order_preparation_change": "{}",
        "to_invoice": False,
    }
