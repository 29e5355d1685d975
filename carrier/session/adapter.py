"""The protocol adapter: what CMPP, SGIP, SMGP or SMPP supplies to the shared session.

The asyncio session (:mod:`hisms.carrier.session`) owns sockets, windows, rate
limits, timers and reconnects; it knows nothing about bytes. A protocol plugs
in by implementing :class:`ProtocolAdapter` over its sans-IO
:class:`~hisms.carrier.wire.connection.Connection`:

* ``new_connection()`` -> a fresh client-role ``Connection`` for one TCP link.
* ``login(seq)`` -> the login PDU; ``check_login(pdu)`` -> ``None`` when the
  answer accepts us, else raises :class:`LoginRefused` with a readable reason
  (a bad server authenticator is the adapter's warning, not a refusal).
* ``submit(submission, seq)`` -> the PDU for one message part.
* ``keepalive(seq)`` -> the keep-alive PDU, or ``None`` if the protocol has none
  (SGIP: the session then simply closes idle links and reconnects on demand).
* ``logout(seq)`` -> the logout PDU.
* ``classify(pdu)`` -> one of :class:`SubmitAnswer` (the answer to a submit),
  :class:`Answer` (the answer to a keep-alive or logout) or :class:`PeerRequest`
  (the peer's own request: the reply to send, the events it yields -
  :class:`~hisms.carrier.base.DeliveryReport` / ``MoMessage`` / ``MoPart`` - and whether it
  ends the session).

``seq`` is a per-link counter the session allocates (1 .. 2**31-1, wrapping);
the adapter puts it in the PDU (SGIP: as the counter of its sequence triple)
and hands the same int back in ``SubmitAnswer.seq`` / ``Answer.seq`` so the
session can match answers to requests. Message ids are strings in whatever
stable form the protocol documents; reports must use the same form.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hisms.carrier.base import CarrierEvent, MoMessage, MoPart, Submission
from hisms.carrier.wire.connection import Connection


class LoginRefused(Exception):
    """The gateway answered the login with an error (wrong secret, bad account...)."""


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    THROTTLED = "throttled"  # flow control: slow down and submit again, not a failure
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SubmitAnswer:
    seq: int
    verdict: Verdict
    msg_id: str | None = None
    error_code: str | None = None
    error_text: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one of our non-submit requests (keep-alive, logout)."""

    seq: int


@dataclass(frozen=True, slots=True)
class PeerRequest:
    reply: Any = None  # the PDU to send back, if any
    events: Sequence[CarrierEvent] = ()
    closes: bool = False  # the peer ends the session (after our reply)


Incoming = SubmitAnswer | Answer | PeerRequest


class ProtocolAdapter(Protocol):
    def new_connection(self) -> Connection[Any]: ...

    def login(self, seq: int) -> Any: ...

    def check_login(self, pdu: Any) -> None: ...

    def submit(self, submission: Submission, seq: int) -> Any: ...

    def keepalive(self, seq: int) -> Any | None: ...

    def logout(self, seq: int) -> Any: ...

    def classify(self, pdu: Any) -> Incoming: ...


def with_extensions(events: Sequence[CarrierEvent], src_number: str) -> list[CarrierEvent]:
    """``events`` with each MO's extension: what its number adds to ``src_number``."""
    return [
        dataclasses.replace(e, extension=e.service_number.removeprefix(src_number))
        if isinstance(e, MoMessage | MoPart)
        and src_number
        and e.service_number.startswith(src_number)
        else e
        for e in events
    ]
