"""Mainland mobile numbers at the protocol boundary: the country code, and masking for logs.

The engine keeps 11-digit national numbers. SGIP wants ``86`` in front (spec
4.2.3.3: 手机号码前加“86”); gateways and SMSCs send numbers with ``86``,
``+86`` or ``0086``, or without. A reply's sender is checked as an MT number
is (:func:`sender`).
"""

from __future__ import annotations

import re

_COUNTRY_CODES = ("+86", "0086")
MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)  # a mainland mobile number, national form


def national(number: str) -> str:
    """``13800138000`` from ``+8613800138000``, ``008613800138000`` or ``8613800138000``.

    ``+86`` and ``0086`` are always the country code; a bare ``86`` only when a
    whole 11-digit number follows, so a number that merely starts with 86 (an
    SP access code, say) is returned unchanged, as is anything without a prefix.
    """
    number = number.strip()
    for prefix in _COUNTRY_CODES:
        if number.startswith(prefix):
            return number[len(prefix) :]
    return number[2:] if len(number) == 13 and number.startswith("86") else number


def sender(number: str) -> str:
    """A reply's sender as stored: the national number when it is a mainland mobile
    number, else the value exactly as the gateway gave it (a landline, a foreign or a
    garbled number is kept for a person to read, never dropped or half-converted)."""
    bare = national(number)
    return bare if MOBILE.fullmatch(bare) else number


def with_86(number: str) -> str:
    """``13800138000`` -> ``8613800138000``; an already prefixed number is kept."""
    return "86" + national(number)


def mask(number: str | None) -> str:
    """138****8000: enough to tell numbers apart in a log, not enough to identify a patient.

    A number shorter than 8 characters is all stars: the 7 shown would be all of it.
    """
    if not number:
        return ""
    digits = number.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"
