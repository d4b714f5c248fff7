"""Why a card's points moved, stored as a message and its parameters, rendered when read.

A ledger line keeps its reason as data (``clinic.loyalty.ledger.reason_data``): the key of
one of the messages below and its parameters. Each reader gets it in their language when it
is shown: the back office and the portal in the user's, an email or SMS in the patient's,
the POS receipt in the cashier's. Money, points and dates among the parameters are
formatted for that language too. A reason typed by a manager (an adjustment) is stored as
typed and shown as typed.
"""

from odoo.tools import format_amount, format_date
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MESSAGES = {
    "order_earn": _lt("Order %(order)s: %(rate)s%% of %(amount)s"),
    "order_spend": _lt("Paid on order %(order)s"),
    "order_cancel": _lt("Order %(order)s cancelled"),
    "order_refund": _lt("Refund %(refund)s of order %(order)s"),
    "refund_reset": _lt("Refund %(refund)s of order %(order)s reset to draft"),
    "refund_deducted": _lt("%(reason)s (%(paid)s already spent, deducted from the money refunded)"),
    "refund_missing": _lt("%(reason)s (%(missing)s already spent, not taken back)"),
    "welcome": _lt("Welcome bonus"),
    "recall_reward": _lt("Recall reward: came back by %(date)s"),
    "birthday": _lt("Birthday bonus %(year)s"),
    "moved_to": _lt("Moved to card %(card)s"),
    "moved_from": _lt("Moved from card %(card)s"),
    "opening": _lt("Opening balance"),
    "expired_day": _lt("Points earned on %(date)s expired"),
    "expired_days": _lt("Points earned from %(first)s to %(last)s expired"),
}


def reason(key, **params):
    """The reason ``key`` (one of MESSAGES) with its parameters, as a ledger line stores it."""
    assert key in MESSAGES, key
    return {"msg": key, "args": params}


def money(amount, currency):
    """An amount of money as a reason's parameter: formatted in the reader's language."""
    return {"money": amount, "currency": currency.id}


def points(value):
    """Points as a reason's parameter: with the plural form of the reader's language."""
    return {"points": value}


def render(env, data, card, lang=None):
    """``data`` (a reason or a parameter) as text in ``lang`` (default: ``env``'s language)."""
    lang = lang or env.lang or "en_US"
    if not isinstance(data, dict):
        return "" if data is None else str(data)
    if "msg" in data:
        message = MESSAGES.get(data["msg"])
        args = {name: render(env, value, card, lang) for name, value in (data.get("args") or {}).items()}
        if message is None:
            return ", ".join(args.values())
        text = message._translate(lang)
        try:
            return text % args
        except (KeyError, TypeError, ValueError):
            # A translation that lost a parameter: the source text is always complete.
            return message._source % args
    env = env(context=dict(env.context, lang=lang))
    if "money" in data:
        return format_amount(env, data["money"], env["res.currency"].browse(data.get("currency")))
    if "points" in data:
        return card.with_env(env)._format_points(data["points"])
    if "date" in data:
        return format_date(env, data["date"], lang_code=lang)
    return ""
