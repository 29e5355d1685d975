"""Checking and normalising a claimed row before it is sent.

Everything here is pure: a row either becomes a :class:`Message` ready to
segment, or a :class:`Rejection` whose code and text go to error_code/error_text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hisms.engine import phone, segment
from hisms.engine.errors import ErrorCode

# C0 controls other than tab and newline garble handsets and some gateways.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SIGNED = re.compile(r"^【[^】]{1,20}】|【[^】]{1,20}】$")


@dataclass(frozen=True, slots=True)
class Rules:
    max_chars: int = 1000
    require_signature: bool = True
    default_signature: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    phone: str
    text: str  # signature included, as the handset will show it


@dataclass(frozen=True, slots=True)
class Rejection:
    code: ErrorCode
    text: str


def check(
    raw_phone: str | None,
    content: str | None,
    signature: str | None,
    rules: Rules,
    signature_at: str = "start",
) -> Message | Rejection:
    """``signature_at``: where a signature the content lacks goes, ``start`` or ``end``."""
    try:
        number = phone.normalise(raw_phone)
    except phone.InvalidPhone as exc:
        return Rejection(exc.code, exc.text)
    text = _CONTROL.sub("", (content or "").replace("\r\n", "\n")).strip()
    if not text:
        return Rejection(ErrorCode.CONTENT_EMPTY, "content is empty")
    # The configured default stands in only where signatures are required: with
    # require_signature off the gateway (or nobody) signs, and a row's own still counts.
    fallback = rules.default_signature if rules.require_signature else ""
    signed = _sign(text, (signature or "").strip() or fallback, signature_at == "end")
    if signed is None:
        if rules.require_signature:
            return Rejection(
                ErrorCode.SIGNATURE_MISSING,
                "content has no 【signature】 and neither the row nor the configuration gives one",
            )
        signed = text
    if len(signed) > rules.max_chars:
        return Rejection(
            ErrorCode.CONTENT_TOO_LONG,
            f"content is {len(signed)} characters with signature, the limit is {rules.max_chars}",
        )
    if segment.count(signed) > segment.MAX_PARTS:
        return Rejection(
            ErrorCode.CONTENT_TOO_LONG, f"content needs more than {segment.MAX_PARTS} parts"
        )
    return Message(number, signed)


def signature_of(text: str) -> str | None:
    """The 【signature】 a signed text carries, without the brackets."""
    found = _SIGNED.search(text)
    return found[0].strip("【】") if found else None


def _sign(text: str, signature: str, at_end: bool) -> str | None:
    if _SIGNED.search(text):
        return text
    if not signature:
        return None
    signed = f"【{signature.strip('【】')}】"
    return f"{text}{signed}" if at_end else f"{signed}{text}"
