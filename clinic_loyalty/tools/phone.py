"""Phone numbers in E.164, the one form patients' numbers are stored and searched in."""

import phonenumbers


def to_e164(number, region=None):
    """Return ``number`` in E.164 (``+79123456789``), or ``None`` when it is not a valid number.

    ``region`` is the ISO country code used for numbers typed without a country code
    (``8 (912) 345-67-89`` in ``RU``); numbers starting with ``+`` or ``00`` need none.
    """
    if not number or not number.strip():
        return None
    text = number.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text):
    """True when ``text`` is made of the characters people type in phone numbers."""
    if not text:
        return False
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and all(ch.isdigit() or ch in "+-()./ " for ch in text.strip())
