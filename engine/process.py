"""What to do with a claimed batch, and what its carrier results mean. Pure logic.

:func:`plan` validates and segments the rows (rejects, expiries and unroutable
numbers are settled at once); :func:`settle` turns the carrier's per-part
results into the write-back of each message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from hisms.carrier.base import Outcome, Submission, SubmitKey, SubmitResult, utcnow
from hisms.carrier.wire.text import UCS2
from hisms.engine import segment, validate
from hisms.engine.errors import ErrorCode
from hisms.engine.policy.check import Passed, Policy
from hisms.engine.retry import RetryPolicy
from hisms.engine.router import Route, Router
from hisms.engine.routing.rules import Facts
from hisms.engine.status import Status
from hisms.engine.store.base import Accepted, Claimed, WriteBack

# (channel, text) -> the data coding the channel sends the whole text in (Carrier.coding)
Coding = Callable[[str, str], int]
# channel -> its service number (Carrier.src_number; "" when it has none)
Senders = Callable[[str], str]


@dataclass(slots=True)
class Outgoing:
    row: Claimed
    channel: str
    phone: str
    whole: list[Submission] = field(default_factory=list)  # every part of the message
    facts: Facts | None = None  # what routing looked at, to fail over with
    digest: str | None = None  # its duplicate window's key (None: not checked)
    window: int = 0  # that window's seconds
    # Parts ``channel`` accepted in an earlier attempt: not sent again. A handset joins the
    # parts of one sender only, so a message that moves to another channel goes out whole.
    done: list[Accepted] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)  # channels it was handed to
    waits_for: str | None = None  # why no channel of its group is left, once failing over
    split: Callable[[int], list[Submission]] | None = None  # the parts in a data coding
    # channel -> why a blacklist entry scoped by service number blocks it as sent from there
    barred: Callable[[str], str | None] | None = None
    refused: str | None = None  # that reason, once a fail-over chose such a channel

    @property
    def parts(self) -> list[Submission]:
        """The parts to submit now."""
        sent = {a.seq for a in self.done}
        return [p for p in self.whole if p.seq not in sent]

    def fail_over(self, router: Router, coding: Coding = lambda channel, text: UCS2) -> Route:
        """Route again, avoiding the channels tried; on success, take the new channel for
        every part, split again if that channel sends the text in another data coding."""
        assert self.facts is not None
        self.tried.add(self.channel)
        row = self.row
        route = router.route(self.facts, self.tried, row.resend_from, row.pinned_channel)
        if route.channel is None:
            again = router.route(self.facts, pinned=row.pinned_channel)
            self.waits_for = again.why if route.wait else route.why
        elif self.barred is not None and (why := self.barred(route.channel)) is not None:
            self.refused = why  # settled REJECTED: not sent from that service number either
            return Route(route.rule, None, why)
        else:
            self.channel, self.done = route.channel, []
            self._recode(coding)
        return route

    def _recode(self, coding: Coding) -> None:
        text = "".join(p.text for p in self.whole)
        wanted = coding(self.channel, text)
        if self.split is not None and self.whole and self.whole[0].coding != wanted:
            self.whole = self.split(wanted)


def plan(
    rows: Sequence[Claimed],
    rules: validate.Rules,
    router: Router,
    content: Policy,
    policy: RetryPolicy,
    coding: Coding = lambda channel, text: UCS2,
    accepted: Mapping[int, Sequence[Accepted]] | None = None,
    senders: Senders = lambda channel: "",
) -> tuple[list[Outgoing], WriteBack]:
    """``content``: the content policy's rules; the duplicate check comes after, with the
    database (:func:`drop_duplicates`). ``accepted``: parts of the rows accepted before;
    those of the channel the row is routed to now are not submitted again. ``senders``:
    each channel's service number, for blacklist entries scoped by service number."""
    outgoing: list[Outgoing] = []
    done = WriteBack()
    now = utcnow()
    router = router.for_batch()
    for row in rows:
        if row.expired:
            done.finals.append(
                final(row, Status.EXPIRED, ErrorCode.EXPIRED, "expire_at passed before submission")
            )
            continue
        checked = content.check(row, rules, now)
        if isinstance(checked, validate.Rejection):
            done.finals.append(final(row, Status.REJECTED, checked.code, checked.text))
            continue
        facts = _facts(row, checked, router)
        barred = partial(_barred, content, row, checked, senders, now)
        route = router.route(facts, rather_not=row.resend_from, pinned=row.pinned_channel)
        if route.wait:
            done.waits.append(waiting(row, route.why, policy))
        elif route.channel is None:
            done.finals.append(final(row, Status.FAILED, ErrorCode.NO_CHANNEL, route.why))
        elif (why := barred(route.channel)) is not None:
            done.finals.append(final(row, Status.REJECTED, ErrorCode.BLACKLISTED, why))
        else:
            split = partial(_parts, row, checked)
            parts = split(coding(route.channel, checked.message.text))
            phone = checked.message.phone
            before = list((accepted or {}).get(row.id, ()))
            if any(a.channel != route.channel for a in before):
                before = []  # another sender now: the handset could not join old and new parts
            window = checked.digest, checked.window
            outgoing.append(
                Outgoing(
                    row,
                    route.channel,
                    phone,
                    parts,
                    facts,
                    *window,
                    before,
                    split=split,
                    barred=barred,
                )
            )
    return outgoing, done


def _barred(
    content: Policy, row: Claimed, checked: Passed, senders: Senders, now: datetime, channel: str
) -> str | None:
    """Why a blacklist entry scoped by service number blocks ``row`` sent through
    ``channel``: as its service number followed by the source's extension (what the
    patient's phone shows), if one does."""
    service = senders(channel)
    if not service:
        return None  # a channel without a service number (a cloud API): nothing to match
    return content.barred(checked, row.source_system, service + checked.source.ext, now)


def drop_duplicates(
    outgoing: Sequence[Outgoing], firsts: Mapping[str, int], into: WriteBack
) -> list[Outgoing]:
    """The messages to send: those first in their duplicate window (``firsts``: the first
    message id of each window); the others are REJECTED as DUPLICATE of it."""
    kept = []
    for message in outgoing:
        first = firsts.get(message.digest or "", message.row.id)
        if first == message.row.id:
            kept.append(message)
            continue
        text = (
            f"duplicate of message {first}: same number and text from "
            f"{message.row.source_system} within {message.window} s"
        )
        into.finals.append(final(message.row, Status.REJECTED, ErrorCode.DUPLICATE, text))
    return kept


def _facts(row: Claimed, checked: Passed, router: Router) -> Facts:
    return Facts(
        router.number(checked.message.phone),
        source=row.source_system,
        account=row.account or checked.source.account,
        dept=row.dept_code or checked.source.dept_code,
        signature=validate.signature_of(checked.message.text) or "",
        template=checked.template,
        priority=row.priority,
    )


def waiting(
    row: Claimed, why: str, policy: RetryPolicy, due: datetime | None = None
) -> dict[str, Any]:
    """SENDING -> PENDING without spending the attempt: no channel takes traffic now (due
    after ``channel_wait_seconds``), or this engine is stopping (``due`` now)."""
    return {
        "id": row.id,
        "attempt": row.attempt,
        "next_attempt_at": due or policy.wait_at(row.priority),
        "error_code": ErrorCode.WAITING_CHANNEL,
        "error_text": _clip(why),
    }


def _parts(row: Claimed, checked: Passed, coding: int) -> list[Submission]:
    message = checked.message
    return [
        Submission(
            key=SubmitKey(row.id, part.seq, row.attempt),
            phone=message.phone,
            text=part.text,
            body=part.body,
            udh=part.udh,
            ref=row.id & 0xFF,
            total=part.total,
            priority=row.priority,
            src_ext=checked.source.ext,
            coding=part.coding,
            template=checked.template,
            params=row.params if checked.template else None,
        )
        for part in segment.split(message.text, row.id & 0xFF, coding)
    ]


def settle(
    outgoing: Sequence[Outgoing],
    results: Mapping[SubmitKey, SubmitResult],
    policy: RetryPolicy,
    into: WriteBack,
    blocked: Callable[[str], str | None],
    due: datetime | None = None,
) -> None:
    """Add each message's outcome to ``into``; ``blocked(channel)`` says why a channel takes
    no traffic now (a part it handed back then waits, without spending an attempt, until
    ``due`` if given)."""
    for message in outgoing:
        got = [results.get(p.key) or _missing(p.key) for p in message.parts]
        accepted = [r for r in got if r.outcome is Outcome.ACCEPTED]
        into.segments.extend(_segment(message, r) for r in accepted)
        if message.refused is not None:  # failed over to a service number it is barred from
            barred = final(message.row, Status.REJECTED, ErrorCode.BLACKLISTED, message.refused)
            into.finals.append(barred)
            continue
        failed = next((r for r in got if r.outcome is Outcome.FAILED), None)
        retry = next((r for r in got if r.outcome is Outcome.RETRY), None)
        row = message.row
        if failed is None and retry is None:
            into.submitted.append(_submitted(message, accepted))
        elif failed is not None:
            code = failed.error_code or ErrorCode.FAILED
            into.finals.append(final(row, Status.FAILED, code, failed.error_text, message.channel))
        elif retry is not None and (why := blocked(message.channel)) is not None:
            why = message.waits_for or f"waiting for a channel: {why}"
            into.waits.append(waiting(row, why, policy, due))
        elif retry is not None and policy.exhausted(row.attempt):
            text = f"gave up after {row.attempt} attempts: {retry.error_text or retry.error_code}"
            code = retry.error_code or ErrorCode.FAILED
            into.finals.append(final(row, Status.FAILED, code, text, message.channel))
        elif retry is not None:
            into.retries.append(
                {
                    "id": row.id,
                    "attempt": row.attempt,
                    "next_attempt_at": policy.next_at(row.attempt),
                    "channel": message.channel,
                    "error_code": retry.error_code or ErrorCode.RETRY,
                    "error_text": _clip(retry.error_text),
                }
            )


def _missing(key: SubmitKey) -> SubmitResult:
    return SubmitResult(
        key, Outcome.RETRY, error_code=ErrorCode.NO_RESULT, error_text="carrier gave no result"
    )


def _segment(message: Outgoing, result: SubmitResult) -> dict[str, Any]:
    return {
        "outbox_id": message.row.id,
        "seq": result.key.seq,
        "total": _billed(message, result),
        "channel": message.channel,
        "carrier_msg_id": result.carrier_msg_id,
        "submit_result": "0",
        "submitted_at": result.at,
    }


def _submitted(message: Outgoing, accepted: list[SubmitResult]) -> dict[str, Any]:
    parts = [(r.key.seq, r.carrier_msg_id) for r in accepted]
    parts += [(a.seq, a.carrier_msg_id) for a in message.done]
    return {
        "id": message.row.id,
        "attempt": message.row.attempt,
        "phone": message.phone,
        "channel": message.channel,
        "segments": len(message.whole),
        "carrier_msg_id": min(parts)[1],
        "submitted_at": max((r.at for r in accepted), default=utcnow()),
    }


def _billed(message: Outgoing, result: SubmitResult) -> int:
    """The message's parts: those the provider billed when it split the text itself (one
    part submitted: PROVIDER_SPLITS) and said so, else the parts submitted. Roll-up counts
    the segment rows against ``sms_outbox.segments`` (the parts submitted), then writes the
    largest total into it when the message is final, for the rollup and billing."""
    return result.billed if result.billed is not None else len(message.whole)


def final(
    row: Claimed, status: Status, code: str, text: str | None, channel: str | None = None
) -> dict[str, Any]:
    return {
        "id": row.id,
        "attempt": row.attempt,
        "status": int(status),
        "channel": channel,
        "error_code": code[:32],
        "error_text": _clip(text) or status.name.lower(),
    }


def _clip(text: str | None) -> str | None:
    return text[:500] if text else text
