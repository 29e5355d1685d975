"""SGIP phone numbers carry the country code 86 (spec 4.2.3.3: 手机号码前加“86”).

The engine keeps normalised 11-digit mainland numbers; these helpers convert at
the protocol boundary, accepting the ``+86`` and ``0086`` spellings as well.
"""

from __future__ import annotations

_PREFIXES = ("+86", "0086", "86")


def with_86(number: str) -> str:
    """``13800138000`` -> ``8613800138000``; an already prefixed number is kept."""
    return "86" + without_86(number)


def without_86(number: str) -> str:
    """``8613800138000`` (or ``+86…``/``0086…``) -> ``13800138000``.

    Only an 11-digit mobile number loses the prefix, so a number that merely
    starts with 86 (an SP access code, say) is returned unchanged.
    """
    number = number.strip()
    for prefix in _PREFIXES:
        rest = number[len(prefix) :]
        if number.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return number
