"""The store interface the engine uses, with the records that cross it.

One implementation per dialect family (``postgres``, ``sqlite``, ...). They all
share :class:`hisms.engine.store.sqlstore.SqlStore`, which sequences the named
statements of ``sql/<dialect>/queries.sql``; a dialect only says how to connect,
how to bind a batch and how to wait for new work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hisms.carrier.base import DeliveryReport
from hisms.engine.numbering import NumberInfo
from hisms.engine.routing.rules import RouteTable
from hisms.engine.store.accountstore import AccountStore
from hisms.engine.store.bookstore import BookStore
from hisms.engine.store.policystore import PolicyStore


class StoreError(Exception):
    """A database problem, translated at the store boundary (message names the cause)."""


class StoreDataError(StoreError):
    """The database refused the data of a row (a NUL, a value too long for its column, text
    it cannot encode, a broken constraint): the same write fails however often it is tried."""


class StoreDeadlock(StoreError):
    """The database broke a deadlock by rolling this transaction back: a retry may pass."""


def translated(exc: Exception, message: str, refused: bool, deadlock: bool) -> StoreError:
    """A driver's exception as the StoreError that says whether retrying can help: the
    dialect says whether the database ``refused`` the data or broke a ``deadlock``. Text the
    driver cannot encode (a lone surrogate) fails before it reaches the database: bad data."""
    if deadlock:
        return StoreDeadlock(message)
    if refused or isinstance(exc, UnicodeError):
        return StoreDataError(message)
    return StoreError(message)


@dataclass(frozen=True, slots=True)
class NewMessage:
    phone: str | None
    content: str | None
    source_system: str = "DEFAULT"
    source_ref: str | None = None
    account: str | None = None
    dept_code: str | None = None
    signature: str | None = None
    # None: the source profile's default priority, else 5 (resolved by the enqueue statement)
    priority: int | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    template_code: str | None = None  # with params (a JSON object) instead of content
    params: str | None = None


@dataclass(frozen=True, slots=True)
class Lane:
    """A claim lane: its own priority range, batch size and wake-ups."""

    name: str
    min_priority: int
    max_priority: int


URGENT = Lane("urgent", 0, 1)
BULK = Lane("bulk", 0, 9)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    attempt: int
    source_system: str
    account: str | None
    dept_code: str | None
    phone: str | None
    content: str | None
    signature: str | None
    priority: int
    expired: bool
    template_code: str | None = None  # with params (a JSON object) instead of content
    params: str | None = None
    resend_from: str | None = None  # the channel whose failed report sent it again
    pinned_channel: str | None = None  # the only channel that may send it (schema 18)


# Given the ``failed_reports`` rows (messages whose every part has a report, one failed),
# the ``resend_reported`` rows of those to send again (hisms.engine.resend.ResendPolicy).
Resender = Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A part a carrier accepted and no failed report undid: a retry does not send it again."""

    seq: int
    channel: str
    carrier_msg_id: str


@dataclass(frozen=True, slots=True)
class Share:
    """One engine's part of a channel's connections, as the database has it now."""

    slots: frozenset[int]  # the connection slots this engine holds
    members: tuple[str, ...]  # the live engines of the channel, in share order


@dataclass(slots=True)
class WriteBack:
    """The outcome of one processed batch, written in one transaction.

    Each list holds plain dicts keyed by the named statements' parameters
    (``mark_submitted``, ``mark_final``, ``mark_retry``, ``mark_waiting``, ``save_segments``).
    """

    submitted: list[dict[str, Any]] = field(default_factory=list)
    finals: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)  # attempts given back

    def __len__(self) -> int:
        return len(self.submitted) + len(self.finals) + len(self.retries) + len(self.waits)


@dataclass(frozen=True, slots=True)
class WriteBackResult:
    written: int  # rows whose fence held
    fenced_out: int  # rows another worker had reclaimed meanwhile


@dataclass(frozen=True, slots=True)
class ReportResult:
    applied: int  # matched to a part
    parked: int  # part not known (yet): kept in sms_report_unmatched
    duplicates: int  # the part already had a report


@dataclass(frozen=True, slots=True)
class Mo:
    channel: str
    phone: str
    service_number: str
    content: str
    received_at: datetime
    ext_source: str | None  # source system owning the extension the reply was sent to
    # An unsubscribe keyword (TD, 退订, ...): the categories to blacklist ("marketing,notice").
    unsubscribe: str | None = None
    # Answer an unsubscribe with the confirmation ([policy] unsubscribe_reply), once.
    confirm: bool = False
    # The gateway's id of the MO: one already stored under it on the channel is skipped
    # (sms_mo_id). None: no id (SMPP, a reply joined from parts), always stored.
    gateway_msg_id: str | None = None


@dataclass(frozen=True, slots=True)
class MoPartRow:
    """One part of a long reply (``sms_mo_part``), waiting for its siblings."""

    channel: str
    phone: str
    service_number: str
    extension: str
    ref: int
    total: int
    seq: int
    content: str
    received_at: datetime
    id: int = 0  # 0 until stored
    gateway_msg_id: str | None = None  # the part's own id: stored once (sms_mo_id), not kept here

    @property
    def key(self) -> tuple[str, str, str, int, int]:
        """What the parts of one reply share, whichever link or engine received them."""
        return (self.channel, self.phone, self.service_number, self.ref, self.total)


@dataclass(frozen=True, slots=True)
class Parked:
    """A report or reply the database refused, kept in ``sms_parked`` for a DBA."""

    kind: str  # 'REPORT' or 'MO'
    channel: str
    event_json: str  # the event as JSON text, NUL and lone surrogates written as \u escapes
    error_text: str  # what the database said
    received_at: datetime


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One row of ``sms_alarm``: an alarm raised, repeated or cleared, a test, a summary."""

    event_at: datetime
    worker: str
    alarm: str  # the rule: channel_down, database_down, ...
    subject: str  # the channel, operator, lane or source system; "" for none
    event: str  # RAISED, REPEATED, CLEARED, TEST, SUMMARY
    message: str
    notified: str  # each SMS and email sent and its result


class Store(PolicyStore, AccountStore, BookStore, ABC):
    """The database as the engine sees it; the content-policy operations (audit trail,
    profiles, templates, words, blacklist) come written once from :class:`PolicyStore`, the
    console's address book from :class:`BookStore`."""

    dialect: str

    @abstractmethod
    def upgrade(self) -> list[int]:
        """Apply every migration not applied yet; the versions applied."""

    @abstractmethod
    def pending_migrations(self) -> list[tuple[int, str]]:
        """(version, name) of each migration of this release not applied yet, in order: by
        the versions recorded, not the newest, so one merged later with a lower number runs."""

    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        """Insert idempotently; the outbox id of each message (existing or new)."""

    @abstractmethod
    def enqueue_pinned(
        self, message: NewMessage, actor: str, channel: str | None, avoid: str | None
    ) -> int:
        """Insert one message (its outbox id) that only ``channel`` sends (None: routing
        decides), routed preferably through another channel than ``avoid``."""

    @abstractmethod
    def claim(self, worker: str, lane: Lane, limit: int, lease: float) -> list[Claimed]: ...

    @abstractmethod
    def extend_lease(self, worker: str, ids: Sequence[int], lease: float) -> int: ...

    @abstractmethod
    def reclaim(self, worker: str, max_attempts: int) -> tuple[int, int]:
        """(rows put back to PENDING, rows FAILED as abandoned)."""

    @abstractmethod
    def purge_unmatched(self, before: datetime) -> int:
        """Delete parked reports received before ``before``; how many went."""

    @abstractmethod
    def park(self, worker: str, rows: Sequence[Parked]) -> None:
        """Keep reports or replies the database refused in sms_parked (one transaction)."""

    @abstractmethod
    def purge_parked(self, before: datetime) -> int:
        """Delete parked events received before ``before``; how many went."""

    @abstractmethod
    def purge_mo_ids(self, before: datetime) -> int:
        """Forget the gateway ids of replies received before ``before`` (``sms_mo_id``); how
        many went."""

    @abstractmethod
    def purge_alarms(self, before: datetime) -> int:
        """Delete alarm events that happened before ``before``; how many went."""

    @abstractmethod
    def trim_events(self, before: datetime, batch: int) -> int:
        """Delete pushed ``sms_event`` rows older than ``before``, ``batch`` rows per
        transaction (so the push queue is never locked long); how many went."""

    @abstractmethod
    def create_partitions(self, ahead: int) -> list[str]:
        """Create this month's partitions and the next ``ahead`` months' where the
        database partitions the history; the names of those created."""

    @abstractmethod
    def write_back(
        self, worker: str, batch: WriteBack, resend: Resender | None = None
    ) -> WriteBackResult:
        """Write a batch's outcome; ``resend`` decides on messages a parked report failed."""

    @abstractmethod
    def save_reports(
        self, worker: str, reports: Sequence[DeliveryReport], resend: Resender | None = None
    ) -> ReportResult:
        """Put reports on their parts and roll complete messages up; ``resend`` picks the
        failed ones to send again (None: every failed message is FAILED)."""

    @abstractmethod
    def accepted_parts(self, ids: Sequence[int]) -> dict[int, list[Accepted]]:
        """The parts of these messages a retry must not send again, by message."""

    @abstractmethod
    def expire_reports(self, worker: str, hours: float) -> int:
        """SUBMITTED -> UNKNOWN for rows submitted over ``hours`` ago; how many."""

    # -- connection slots and rate shared by the engines of a channel ---------

    @abstractmethod
    def open_slots(self, worker: str, channel: str, connections: int) -> None:
        """Create the channel's slot rows 0 .. connections-1 that do not exist yet."""

    @abstractmethod
    def renew_share(self, worker: str, channel: str, ttl: float, rate: float | None) -> Share:
        """Heartbeat: renew this engine's membership (recording its rate) and its slots."""

    @abstractmethod
    def take_slots(
        self, worker: str, channel: str, candidates: Sequence[int], want: int, ttl: float
    ) -> set[int]:
        """Take up to ``want`` of the ``candidates`` slots that are free or lapsed."""

    @abstractmethod
    def release_slots(self, worker: str, channel: str, slots: Sequence[int]) -> None:
        """Give these slots up (their links are closed)."""

    @abstractmethod
    def leave_channel(self, worker: str, channel: str) -> None:
        """This engine stops: its membership and every slot it holds go."""

    @abstractmethod
    def purge_members(self, before: datetime) -> int:
        """Forget engines that stopped renewing before ``before``; how many."""

    @abstractmethod
    def save_mo(self, worker: str, messages: Sequence[Mo], window: float) -> list[int | None]:
        """Store uplink replies; the correlated outbox id of each stored (None if none). A
        reply whose ``gateway_msg_id`` the channel already has (the gateway sent it again) is
        skipped: no second row, event or unsubscribe; the caller answers it all the same."""

    @abstractmethod
    def save_mo_parts(self, worker: str, parts: Sequence[MoPartRow]) -> list[list[MoPartRow]]:
        """Store parts of long replies; the stored sets (every part kept, in ``seq`` order)
        that these parts may have completed. A part whose ``gateway_msg_id`` the channel
        already has is skipped, even after its set was joined."""

    @abstractmethod
    def mo_part_sets(self) -> list[list[MoPartRow]]:
        """Every set of stored parts, each in ``seq`` order."""

    @abstractmethod
    def store_mo_set(
        self, worker: str, parts: Sequence[MoPartRow], mo: Mo | None, window: float, missing: int
    ) -> bool:
        """Delete ``parts`` and store ``mo`` (joined from them; ``missing`` parts never came)
        in one transaction; ``mo`` None only deletes them (the reply was parked). False, and
        nothing done, when another engine took one of the parts first."""

    @abstractmethod
    def set_timezone(self, zone: str) -> None:
        """Record the hospital's time zone (an IANA name), where the views' days begin."""

    @abstractmethod
    def get_setting(self, name: str) -> str | None:
        """A recorded setting (``timezone``, ...), None if never recorded."""

    @abstractmethod
    def database_clock(self) -> datetime:
        """The database server's time, timezone-aware."""

    @abstractmethod
    def missing_grants(self) -> list[tuple[str, str]]:
        """(table, privilege) the engine needs (the dialect's grants.sql) that the connected
        account does not hold."""

    @abstractmethod
    def data_directory(self) -> str | None:
        """Where the server keeps its files (a file for SQLite), None where it will not say."""

    @abstractmethod
    def get_message(self, outbox_id: int) -> dict[str, Any] | None: ...

    @abstractmethod
    def get_segments(self, outbox_id: int) -> list[dict[str, Any]]: ...

    @abstractmethod
    def status_counts(self) -> dict[str, int]: ...

    @abstractmethod
    def record_alarms(self, events: Sequence[AlarmEvent]) -> None:
        """Journal alarm events in ``sms_alarm``."""

    @abstractmethod
    def recent_alarms(self, since: datetime, limit: int) -> list[dict[str, Any]]:
        """Alarm events at or after ``since``, newest first."""

    @abstractmethod
    def day_totals(self, day: date) -> list[dict[str, Any]]:
        """One day's messages per source system and channel (``v_sms_stats_daily``)."""

    @abstractmethod
    def pending_head(self, lane: Lane, cap: int) -> tuple[float | None, int]:
        """Monitoring: (seconds the first due PENDING row of ``lane`` has waited, or None
        when it has none; its due PENDING rows, counted up to ``cap``). Index seeks, for a
        timer: never a scan of the table."""

    @abstractmethod
    def wait_for_work(self, timeout: float) -> int | None:
        """Block until new rows may be due or ``timeout`` passes.

        Returns the most urgent priority announced, or None after a timeout or
        where the database cannot announce inserts (then callers poll)."""

    @property
    @abstractmethod
    def announces_inserts(self) -> bool:
        """True when wait_for_work returns on insert (LISTEN/NOTIFY)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- routing and channel health -------------------------------------------

    @abstractmethod
    def route_version(self) -> str:
        """Changes whenever a rule, group member or number override does (cheap to ask)."""

    @abstractmethod
    def load_routes(self) -> RouteTable | None:
        """The routing tables; None while they hold no rule (the configuration's apply)."""

    @abstractmethod
    def save_routes(self, table: RouteTable, actor: str) -> list[str]:
        """Make the stored rules and groups those of ``table`` (overrides untouched), each
        change audited; what changed ("rule default", "group main", ...)."""

    @abstractmethod
    def set_override(self, phone: str, info: NumberInfo | None, note: str, actor: str) -> bool:
        """Record (None: forget) the operator and region of a ported number; audited.
        False when there was nothing to forget."""

    @abstractmethod
    def overrides(self) -> list[dict[str, Any]]:
        """Every number override: phone, operator, province, city, note, updated_by/_at."""

    @abstractmethod
    def route_history(self, limit: int) -> list[dict[str, Any]]:
        """The latest audited routing and channel changes, newest first."""

    @abstractmethod
    def channel_modes(self) -> list[dict[str, Any]]:
        """Channels an operator disabled or is draining: channel, mode, reason, changed_by."""

    @abstractmethod
    def set_channel_mode(self, channel: str, mode: str, reason: str, actor: str) -> None:
        """'ENABLED', 'DISABLED' or 'DRAINING' for every engine; audited."""

    @abstractmethod
    def save_health(self, worker: str, rows: Sequence[dict[str, Any]]) -> None:
        """This engine's view of its channels (channel, state, reason, takes_new, since)."""

    @abstractmethod
    def channel_states(self) -> list[dict[str, Any]]:
        """Every engine's view of every channel, with ``age_seconds`` since it was written."""

    # -- WebService intake and queries, result push to the platform ----------

    @abstractmethod
    def enqueue_batch(self, batch_id: str, messages: Sequence[NewMessage], actor: str) -> int:
        """Insert one chunk of a batch idempotently, tagged ``batch_id``; how many were new."""

    @abstractmethod
    def batch_of_ref(self, source_system: str, source_ref: str) -> str | None:
        """The batch id of the message with this caller reference, if there is one."""

    @abstractmethod
    def find_messages(
        self, ids: Sequence[int] = (), refs: Sequence[tuple[str, str]] = ()
    ) -> list[dict[str, Any]]:
        """Messages (v_sms_result plus batch_id) by id or by (source_system, source_ref)."""

    @abstractmethod
    def cancel(self, outbox_id: int, actor: str, reason: str) -> bool:
        """PENDING -> CANCELLED; False when the message is no longer PENDING."""

    @abstractmethod
    def take_replies(
        self, source_system: str, after_id: int, limit: int, actor: str
    ) -> list[dict[str, Any]]:
        """MO replies of a source system with inbox id > after_id, oldest first, now CONSUMED."""

    @abstractmethod
    def source_modes(self) -> list[dict[str, Any]]:
        """Each platform source system with its mode, last change and unpushed result count."""

    @abstractmethod
    def set_mode(
        self, mode: str, sources: Sequence[str] | None, actor: str, reason: str
    ) -> list[str]:
        """Switch sources (None: every known one) to 'platform' or 'table'; those switched."""

    @abstractmethod
    def register_sources(self, sources: Sequence[str], mode: str, actor: str) -> list[str]:
        """Give sources without a mode row one; those registered now."""

    @abstractmethod
    def lease_push(self, worker: str, lease: float) -> list[str]:
        """Platform-mode sources this worker may push for now (others hold the rest)."""

    @abstractmethod
    def unpushed_events(self, source_system: str, limit: int) -> list[dict[str, Any]]: ...

    @abstractmethod
    def mark_pushed(self, event: dict[str, Any], worker: str) -> None:
        """Record that the platform has the event (an MO becomes CONSUMED)."""

    @abstractmethod
    def push_failed(self, source_system: str, error: str, worker: str) -> int:
        """Count a failed push; the number of consecutive failures now."""

    # -- the socket intake: reports and replies sent back over a client's link --

    @abstractmethod
    def socket_events(
        self, source_system: str, since: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """Final-status and MO events of ``source_system`` its socket client has not
        answered, recorded at or after ``since``, oldest first."""

    @abstractmethod
    def ack_socket_event(self, event: dict[str, Any], worker: str) -> bool:
        """The client answered ``event`` (an MO becomes CONSUMED); False if already so."""

    # -- request nonces (JSON API signatures, WebService UsernameTokens) ----------

    @abstractmethod
    def take_nonce(self, key: str, expires_at: datetime) -> bool:
        """Remember ``key`` until ``expires_at``; False when an engine already has it (a
        replay)."""

    @abstractmethod
    def purge_nonces(self, before: datetime) -> int:
        """Forget nonces that expired before ``before``."""
