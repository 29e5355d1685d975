"""The carrier interface every protocol implements, and the events it reports.

The engine hands a carrier a batch of :class:`Submission` (one per message part)
and awaits one :class:`SubmitResult` per submission. Delivery reports and uplink
(MO) messages arrive later, at any time, through the ``on_event`` callback given
to :meth:`Carrier.start`. A protocol's windowing, rate limiting, keep-alive and
reconnects all stay inside the carrier; the engine only sees these types.
"""

from __future__ import annotations

import asyncio
import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hisms.carrier.wire.text import UCS2


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SubmitKey:
    """Identifies one part of one claim of one outbox row."""

    outbox_id: int
    seq: int  # 1-based part number
    attempt: int  # the row's ``attempts`` when it was claimed: fences stale results


@dataclass(frozen=True, slots=True)
class Submission:
    """One short message part, ready for a protocol to frame.

    ``body`` is the text of this part in ``coding`` (UCS2, i.e. UTF-16-BE, unless the
    channel chose the default alphabet: :meth:`Carrier.coding`) without the UDH; ``udh`` is
    the concatenation header (``05 00 03 ref total seq``) or empty for a single
    part. Protocols that carry concatenation in TLVs use ``ref``/``total``/``seq``.
    """

    key: SubmitKey
    phone: str  # normalised 11-digit mainland number, no country code
    text: str  # this part's text, for protocols that re-encode and for logs
    body: bytes
    udh: bytes = b""
    ref: int = 0
    total: int = 1
    priority: int = 5
    src_ext: str = ""  # extension appended to the channel's service number (MO routing)
    want_report: bool = True
    coding: int = UCS2  # of ``body``: the same for every part of a message
    # The row's template code ("" without) and its params (a JSON object): the cloud
    # providers send the template registered with them, not the text.
    template: str = ""
    params: str | None = None

    @property
    def seq(self) -> int:
        return self.key.seq


class Outcome(enum.Enum):
    ACCEPTED = "accepted"  # the gateway took it and gave a message id
    RETRY = "retry"  # transient: throttled, link down, timeout; try again later
    FAILED = "failed"  # the gateway refused it for good (error_code says why)


@dataclass(frozen=True, slots=True)
class SubmitResult:
    key: SubmitKey
    outcome: Outcome
    carrier_msg_id: str | None = None
    error_code: str | None = None
    error_text: str | None = None
    at: datetime = field(default_factory=utcnow)
    # The parts the provider billed for an accepted whole message (HTTP carriers that split
    # long text themselves: ``PROVIDER_SPLITS``), when its answer says; else None.
    billed: int | None = None


# Called by the consumer once a report or reply is stored: only then does the carrier
# answer the gateway, which keeps (and later re-sends) what was never answered.
Ack = Callable[[], None]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A status report (状态报告) for a previously accepted submission."""

    channel: str
    carrier_msg_id: str
    stat: str  # the carrier's stat string: DELIVRD, UNDELIV, MK:0001, ...
    phone: str = ""
    error_code: str | None = None
    done_at: datetime | None = None
    received_at: datetime = field(default_factory=utcnow)
    ack: Ack | None = field(default=None, compare=False, repr=False)
    # The parts the provider billed for the message, when the report says (HTTP carriers
    # whose provider splits long text itself and bills only in its reports: Aliyun's
    # ``sms_size``); stored in the part's ``sms_segment.total``. None: keep what is there.
    billed: int | None = None

    @property
    def delivered(self) -> bool:
        return self.stat.strip().upper() == "DELIVRD"


@dataclass(frozen=True, slots=True)
class MoMessage:
    """An uplink reply (上行) from a patient's handset."""

    channel: str
    phone: str
    service_number: str  # destination number including any extension code
    content: str
    received_at: datetime = field(default_factory=utcnow)
    extension: str = ""  # what follows the channel's own service number: routes the reply
    ack: Ack | None = field(default=None, compare=False, repr=False)
    # The gateway's own id of this MO (CMPP Msg_Id, SGIP sequence, SMGP MsgID), kept when
    # the gateway sends it again: the engine stores a reply once per (channel, id). None
    # where the protocol gives none (SMPP deliver_sm, HTTP providers): stored as received.
    gateway_msg_id: str | None = None


@dataclass(frozen=True, slots=True)
class MoPart:
    """One part of a long uplink reply (UDH or SMPP sar_*). The engine stores each part before
    the gateway is answered, and joins the set once every part is in, whichever link or
    engine received the others: parts never wait in memory."""

    channel: str
    phone: str
    service_number: str
    ref: int  # the handset's reference, shared by the parts of one reply
    total: int
    seq: int  # 1-based
    content: str
    received_at: datetime = field(default_factory=utcnow)
    extension: str = ""
    ack: Ack | None = field(default=None, compare=False, repr=False)
    gateway_msg_id: str | None = None  # this part's own id, as MoMessage's


@dataclass(frozen=True, slots=True)
class ChannelState:
    """Reported whenever a channel's health changes, for logs, alarms and ``stats``."""

    channel: str
    up: bool
    detail: str = ""
    at: datetime = field(default_factory=utcnow)


CarrierEvent = DeliveryReport | MoMessage | MoPart | ChannelState
EventSink = Callable[[CarrierEvent], None]


class CarrierError(Exception):
    """A carrier could not be set up (bad configuration, login refused)."""


class Carrier(ABC):
    """A channel to one gateway account. Implementations must be safe to
    ``submit`` from several tasks at once; each call returns one result per
    submission, in the same order."""

    # The service number it sends from (a message's sender is this followed by its source's
    # extension); "" for a channel without one (a cloud API sends under a sign name).
    src_number: str = ""

    def __init__(self, name: str) -> None:
        self.name = name

    def coding(self, text: str) -> int:
        """The data coding this channel sends ``text`` in, chosen once per message; the
        engine splits the message by it. UCS2 unless a protocol says otherwise."""
        return UCS2

    @abstractmethod
    async def start(self, on_event: EventSink) -> None:
        """Connect (or begin connecting) and deliver reports/MO to ``on_event``.

        A report or reply with an ``ack`` is answered to the gateway only when the
        consumer calls it, after storing the event; one never acked is re-sent by the
        gateway (on another connection or after a reconnect)."""

    def hold_events(self, room: asyncio.Event) -> None:
        """Before :meth:`start`: while ``room`` is clear (the engine holds as many unstored
        events as it may), stop reading from the gateway; unanswered, it stops sending once
        its window is full. A carrier that reads no gateway has nothing to hold."""
        return None

    @abstractmethod
    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        """Submit every part and wait for the gateway's answer to each.

        Never raises for a per-message problem: a link that is down yields
        ``Outcome.RETRY`` results so the engine reschedules the rows.
        """

    @abstractmethod
    async def stop(self) -> None:
        """Finish in-flight work where possible and close the links."""

    def address(self) -> tuple[str, int] | None:
        """The gateway's host and port, for ``hisms doctor`` to reach; None: nothing to reach."""
        return None

    def hand_back(self, reason: str) -> int:
        """Finish every part still waiting to be sent (not in flight) as ``RETRY`` with
        ``reason``, so the engine can send it through another channel; how many. A carrier
        that queues nothing has nothing to hand back."""
        return 0
