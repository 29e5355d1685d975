"""Mainland mobile numbers: normalisation and validation (the +86 rule: carrier.wire.numbers)."""

from __future__ import annotations

import re

from hisms.carrier.wire.numbers import MOBILE, mask, national
from hisms.engine.errors import ErrorCode

_SEPARATORS = re.compile(r"[\s\-()（）]")
# Full-width ASCII (U+FF01..FF5E) and the ideographic space, as Chinese input methods type
# them (１３８, ＋８６); nothing else: NFKC would also turn ¹³⁸ or ①③⑧ into digits.
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


class InvalidPhone(ValueError):
    """The number is not a mainland mobile number; ``code`` goes to error_code."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def normalise(raw: str | None) -> str:
    """The 11-digit number, accepting +86/0086/86 prefixes, spaces and dashes."""
    if raw is not None and MOBILE.fullmatch(raw):  # already normal, as most rows are
        return raw
    if raw is None or not raw.strip():
        raise InvalidPhone(ErrorCode.PHONE_EMPTY, "phone number is empty")
    number = national(_SEPARATORS.sub("", raw.translate(_FULL_WIDTH)))
    if not (number.isascii() and number.isdigit()):
        raise InvalidPhone(
            ErrorCode.PHONE_FORMAT, f"phone number {mask(raw)!r} contains non-digits"
        )
    if number.startswith("0"):
        raise InvalidPhone(
            ErrorCode.PHONE_NOT_MOBILE,
            f"{mask(number)} starts with an area code: a landline, not a mobile",
        )
    if len(number) != 11:
        raise InvalidPhone(
            ErrorCode.PHONE_LENGTH,
            f"phone number {mask(raw)!r} has {len(number)} digits, expected 11",
        )
    if not MOBILE.fullmatch(number):
        raise InvalidPhone(
            ErrorCode.PHONE_NOT_MOBILE, f"{mask(number)} is not a mainland mobile number"
        )
    return number
