"""What a provider's answer to one number means, and the engine's result for it. Pure.

Every provider maps its result codes to a :class:`Verdict`; the carrier acts on the verdict
the same way for all of them: throttled answers wait and are sent again, a refused key
takes the channel DOWN, a refused number or template fails the message with the
provider's code in ``error_code``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from hisms.carrier.base import Outcome, SubmitKey, SubmitResult


class Verdict(enum.Enum):
    ACCEPTED = "accepted"  # the provider took it and named it (carrier_msg_id)
    THROTTLED = "throttled"  # flow control or a business limit: slower, and again later
    AUTH = "auth"  # our key or signature was refused: nothing will pass until fixed
    REJECTED = "rejected"  # this message can never pass: bad number, blacklisted, template
    RETRY = "retry"  # transient: the provider's error, a lost answer


@dataclass(frozen=True, slots=True)
class Answer:
    """The provider's answer for one number of a request."""

    verdict: Verdict
    carrier_msg_id: str | None = None
    code: str | None = None  # the provider's own result code, as it gave it
    text: str | None = None
    billed: int | None = None  # parts the provider counted for the message, when it says

    @property
    def error_code(self) -> str | None:
        return self.code[:32] if self.code else None


def billed_count(value: Any) -> int | None:
    """A provider's count of billed parts (a number or its text), None unless it is one that
    ``sms_segment.total`` (smallint) can hold."""
    if value is None or isinstance(value, bool):
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        return None
    return count if 0 < count < 32768 else None


def result(key: SubmitKey, answer: Answer) -> SubmitResult:
    """The engine's result for a part from the provider's final answer to it."""
    if answer.verdict is Verdict.ACCEPTED:
        return SubmitResult(
            key, Outcome.ACCEPTED, carrier_msg_id=answer.carrier_msg_id, billed=answer.billed
        )
    outcome = Outcome.FAILED if answer.verdict is Verdict.REJECTED else Outcome.RETRY
    return SubmitResult(key, outcome, error_code=answer.error_code, error_text=answer.text)


def classify(code: str, table: dict[str, Verdict], success: frozenset[str]) -> Verdict:
    """A result code's verdict: ``success`` codes accept, ``table`` names the others (the exact
    code, else the longest pattern ending in ``*`` it starts with: ``isv.*``); unlisted codes
    are REJECTED, since an unknown refusal sent again would be refused again."""
    if code in success:
        return Verdict.ACCEPTED
    if code in table:
        return table[code]
    prefixes = [p for p in table if p.endswith("*") and code.startswith(p[:-1])]
    if prefixes:
        return table[max(prefixes, key=len)]
    return Verdict.REJECTED
