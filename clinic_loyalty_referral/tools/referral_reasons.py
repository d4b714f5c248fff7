"""Ledger reasons of referral rewards, rendered in each reader's language like the others.

They never name the other patient: a referrer sees on their card and portal that a patient
they referred earned them points, not who visited the clinic or what they paid.
"""

from odoo.tools.translate import LazyTranslate

from odoo.addons.clinic_loyalty.tools import reasons

_lt = LazyTranslate(__name__)

MESSAGES = {
    "referral_gift": _lt("Welcome gift: you came on a referral"),
    "referral_reward": _lt("Reward for a patient you referred"),
    "referral_share": _lt("%(percent)s%% of a visit of a patient you referred"),
    "referral_refused": _lt("Welcome gift withdrawn: no qualifying visit"),
}
reasons.MESSAGES.update(MESSAGES)


def reason(key, **params):
    return reasons.reason(key, **params)
