"""Engine operations written once over the named statements of any dialect.

A dialect subclass provides a transaction context whose :class:`Tx` runs a named
statement with scalar parameters (``run``) or with a batch of rows (``batch``:
PostgreSQL unnests column arrays, SQLite reads a JSON array); everything else,
in particular the order of statements inside each transaction, lives here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from hisms import sql
from hisms.carrier.base import DeliveryReport
from hisms.engine.policy.templates import UNSUBSCRIBE_REPLY
from hisms.engine.status import Status
from hisms.engine.store.base import (
    Accepted,
    AlarmEvent,
    Claimed,
    Lane,
    Mo,
    MoPartRow,
    NewMessage,
    Parked,
    ReportResult,
    Resender,
    Share,
    Store,
    StoreDataError,
    StoreError,
    WriteBack,
    WriteBackResult,
)
from hisms.engine.store.policystore import Who, audit, unsubscribed
from hisms.engine.store.routestore import RouteStore

PHONE_COLUMN = 32  # sms_outbox.phone is varchar(32) in every dialect

Row = dict[str, Any]


class Tx(Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]: ...

    def changed(self, name: str, /, **params: Any) -> int:
        """Run a statement that returns no rows; how many rows it changed."""

    def script(self, ddl: str) -> None: ...


TxT = TypeVar("TxT", bound=Tx)  # the dialect's own transaction class


class SqlStore(RouteStore, Store, Generic[TxT]):
    def __init__(self) -> None:
        self.queries = sql.queries(self.dialect)

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[TxT]:
        """One database transaction, committed when the block ends without an error."""

    # -- schema -------------------------------------------------------------

    def upgrade(self) -> list[int]:
        applied = []
        due = {version for version, _ in self.pending_migrations()}
        for version, name, ddl in sql.migrations(self.dialect):
            if version not in due:
                continue
            with self.transaction() as tx:
                tx.script(ddl)
                tx.run("record_migration", version=version, name=name)
            applied.append(version)
        return applied

    def pending_migrations(self) -> list[tuple[int, str]]:
        with self.transaction() as tx:
            present = tx.run("schema_present")[0]["present"]
            done = {int(r["version"]) for r in tx.run("applied_migrations")} if present else set()
        return [(v, name) for v, name, _ in sql.migrations(self.dialect) if v not in done]

    def schema_version(self) -> int:
        with self.transaction() as tx:
            if not tx.run("schema_present")[0]["present"]:
                return 0
            return int(tx.run("schema_version")[0]["version"])

    # -- intake -------------------------------------------------------------

    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        with self.transaction() as tx:
            return self.insert_messages(tx, [message_row(m) for m in messages], actor)

    def enqueue_pinned(
        self, message: NewMessage, actor: str, channel: str | None, avoid: str | None
    ) -> int:
        # One transaction: no engine claims the row before its pin is set.
        with self.transaction() as tx:
            (outbox_id,) = self.insert_messages(tx, [message_row(message)], actor)
            tx.run("pin_message", id=outbox_id, pinned_channel=channel, resend_from=avoid)
        return outbox_id

    def insert_messages(self, tx: TxT, rows: Sequence[Row], actor: str) -> list[int]:
        """Insert :func:`message_row` rows idempotently in ``tx``; the outbox id of each."""
        inserted = tx.batch("enqueue", rows, actor=actor)
        keyed = {(r["source_system"], r["source_ref"]) for r in rows if r["source_ref"]}
        known = {(r["source_system"], r["source_ref"]): r["id"] for r in inserted}
        missing = [{"source_system": k[0], "source_ref": k[1]} for k in keyed if k not in known]
        if missing:
            known.update(
                ((r["source_system"], r["source_ref"]), r["id"])
                for r in tx.batch("lookup_refs", missing)
            )
        unkeyed = iter(sorted(r["id"] for r in inserted if r["source_ref"] is None))
        return [
            known[(r["source_system"], r["source_ref"])] if r["source_ref"] else next(unkeyed)
            for r in rows
        ]

    # -- claim and leases -----------------------------------------------------

    def claim(self, worker: str, lane: Lane, limit: int, lease: float) -> list[Claimed]:
        with self.transaction() as tx:
            rows = tx.run(
                "claim",
                worker=worker,
                lease=lease,
                limit=limit,
                min_priority=lane.min_priority,
                max_priority=lane.max_priority,
            )
        claimed = [
            Claimed(
                **{k: r[k] for k in Claimed.__slots__ if k != "expired"}, expired=bool(r["expired"])
            )
            for r in rows
        ]
        return sorted(claimed, key=lambda c: (c.priority, c.id))

    def extend_lease(self, worker: str, ids: Sequence[int], lease: float) -> int:
        with self.transaction() as tx:
            return len(tx.run("extend_lease", worker=worker, ids=self.id_list(ids), lease=lease))

    def reclaim(self, worker: str, max_attempts: int) -> tuple[int, int]:
        with self.transaction() as tx:
            back = tx.run("reclaim_expired", worker=worker, max_attempts=max_attempts)
            failed = tx.run("fail_abandoned", worker=worker, max_attempts=max_attempts)
        return len(back), len(failed)

    # -- results --------------------------------------------------------------

    def write_back(
        self, worker: str, batch: WriteBack, resend: Resender | None = None
    ) -> WriteBackResult:
        written = 0
        with self.transaction() as tx:
            if batch.segments:
                # The fence before any row, as a report batch takes it: a write-back that
                # waited for it holding its rows closed a cycle with the heartbeat (waiting
                # for those rows) and a report batch (waiting for the heartbeat's).
                self.fence_reports(tx, exclusive=False)
            submitted = tx.batch("mark_submitted", batch.submitted, worker=worker)
            for name, rows in (
                ("mark_final", batch.finals),
                ("mark_retry", batch.retries),
                ("mark_waiting", batch.waits),
            ):
                if rows:
                    written += len(tx.batch(name, rows, worker=worker))
            written += len(submitted)
            # Parts accepted before a retry, a wait for a channel or a refusal are kept: the
            # next attempt sends only the rest.
            kept = {r["id"] for r in submitted} | {r["id"] for r in (*batch.retries, *batch.waits)}
            kept |= {f["id"] for f in batch.finals if f["status"] == Status.FAILED}
            segments = [s for s in batch.segments if s["outbox_id"] in kept]
            if segments:
                tx.batch("save_segments", segments, worker=worker)
                ids = self.id_list(sorted({s["outbox_id"] for s in segments}))
                # Only a report that came before its part can complete a message here: the
                # two statements after this are needless (and the roll-up costly) without one.
                if tx.changed("match_unmatched", worker=worker, ids=ids):
                    tx.run("close_unmatched", worker=worker, ids=ids)
                    self._roll_up(tx, worker, ids, resend)
        return WriteBackResult(written, len(batch) - written)

    def save_reports(
        self, worker: str, reports: Sequence[DeliveryReport], resend: Resender | None = None
    ) -> ReportResult:
        rows = [_report_row(r) for r in reports]
        with self.transaction() as tx:
            self.fence_reports(tx, exclusive=True)
            hit = tx.batch("apply_reports", rows, worker=worker)
            parked = tx.batch("park_unmatched", rows, worker=worker)
            ids = sorted({r["outbox_id"] for r in hit})
            if ids:
                self._roll_up(tx, worker, self.id_list(ids), resend)
        return ReportResult(len(hit), len(parked), len(rows) - len(hit) - len(parked))

    def _roll_up(self, tx: Tx, worker: str, ids: Any, resend: Resender | None) -> None:
        """Complete messages whose every part has a report; those with a failed part that
        ``resend`` picks go back to PENDING first (the roll-up leaves them alone)."""
        if resend is not None:
            failed = tx.run("failed_reports", ids=ids)
            again = resend(failed) if failed else []
            if again:
                tx.batch("resend_reported", again, worker=worker)
        tx.run("roll_up", worker=worker, ids=ids)

    def accepted_parts(self, ids: Sequence[int]) -> dict[int, list[Accepted]]:
        found: dict[int, list[Accepted]] = {}
        with self.transaction() as tx:
            for r in tx.run("accepted_parts", ids=self.id_list(ids)):
                part = Accepted(int(r["seq"]), r["channel"], r["carrier_msg_id"])
                found.setdefault(int(r["outbox_id"]), []).append(part)
        return found

    def expire_reports(self, worker: str, hours: float) -> int:
        with self.transaction() as tx:
            return len(tx.run("expire_reports", worker=worker, timeout=hours * 3600, hours=hours))

    # -- connection slots and rate shared by the engines of a channel ---------

    def open_slots(self, worker: str, channel: str, connections: int) -> None:
        rows = [{"slot": n} for n in range(connections)]
        with self.transaction() as tx:
            tx.batch("open_slots", rows, channel=channel, worker=worker)

    def renew_share(self, worker: str, channel: str, ttl: float, rate: float | None) -> Share:
        with self.transaction() as tx:
            held = frozenset(
                int(r["slot"])
                for r in tx.run("renew_slots", channel=channel, worker=worker, ttl=ttl)
            )
            tx.run(
                "join_channel", channel=channel, worker=worker, slots=len(held), rate=rate, ttl=ttl
            )
            members = tuple(r["worker"] for r in tx.run("channel_members", channel=channel))
        return Share(held, members)

    def take_slots(
        self, worker: str, channel: str, candidates: Sequence[int], want: int, ttl: float
    ) -> set[int]:
        taken: set[int] = set()
        with self.transaction() as tx:
            for slot in candidates:
                if len(taken) >= want:
                    break
                if tx.run("take_slot", channel=channel, worker=worker, slot=slot, ttl=ttl):
                    taken.add(slot)
        return taken

    def release_slots(self, worker: str, channel: str, slots: Sequence[int]) -> None:
        with self.transaction() as tx:
            for slot in slots:
                tx.changed("release_slot", channel=channel, worker=worker, slot=slot)

    def leave_channel(self, worker: str, channel: str) -> None:
        with self.transaction() as tx:
            held = tx.run("renew_slots", channel=channel, worker=worker, ttl=0)
            for r in held:
                tx.changed("release_slot", channel=channel, worker=worker, slot=r["slot"])
            tx.changed("leave_channel", channel=channel, worker=worker)

    def purge_members(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_members", before=before)

    def purge_unmatched(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_unmatched", before=before)

    def park(self, worker: str, rows: Sequence[Parked]) -> None:
        with self.transaction() as tx:
            for row in rows:  # one statement each: refused rows are rare, and this is portable
                tx.changed("park_refused", worker=worker, **dataclasses.asdict(row))

    def purge_parked(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_parked", before=before)

    def purge_mo_ids(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_mo_ids", before=before)

    def purge_alarms(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_alarms", before=before)

    def trim_events(self, before: datetime, batch: int) -> int:
        gone = 0
        while True:
            with self.transaction() as tx:
                changed = tx.changed("trim_events", before=before, batch=batch)
            gone += changed
            if changed < batch:
                return gone

    def create_partitions(self, ahead: int) -> list[str]:
        with self.transaction() as tx:
            return [str(r["name"]) for r in tx.run("create_partitions", ahead=ahead)]

    def save_mo(self, worker: str, messages: Sequence[Mo], window: float) -> list[int | None]:
        with self.transaction() as tx:
            saved = self._mo_in(tx, worker, messages, window)
        return [None if r["outbox_id"] is None else int(r["outbox_id"]) for r in saved]

    def _mo_in(self, tx: TxT, worker: str, messages: Sequence[Mo], window: float) -> list[Row]:
        """Store the replies not stored before; the ``id`` and ``outbox_id`` of each stored."""
        new = [m for m in messages if _first_copy(tx, m.channel, m.gateway_msg_id, m.received_at)]
        if not new:
            return []
        saved = self.insert_mo(tx, worker, [mo_row(m) for m in new], window)
        for message, row in zip(new, saved, strict=True):
            if message.unsubscribe:
                _unsubscribe(tx, worker, int(row["id"]), message)
        return saved

    def insert_mo(self, tx: TxT, worker: str, rows: Sequence[Row], window: float) -> list[Row]:
        """The ``id`` and ``outbox_id`` of each reply stored, in the order of ``rows``. A
        dialect where one statement cannot answer each reply's row stores them one by one."""
        return sorted(tx.batch("save_mo", rows, worker=worker, window=window), key=_id)

    def save_mo_parts(self, worker: str, parts: Sequence[MoPartRow]) -> list[list[MoPartRow]]:
        # One statement per part (parts are few), then each touched set as the database has
        # it now: a set whose last part another engine stores at the same moment is joined
        # by the sweep (mo_part_sets), as neither transaction sees the other's part.
        with self.transaction() as tx:
            for part in parts:
                row = dataclasses.asdict(part)
                del row["id"]
                if _first_copy(tx, part.channel, row.pop("gateway_msg_id"), part.received_at):
                    tx.changed("save_mo_part", worker=worker, **row)
            keys = dict.fromkeys(p.key for p in parts)
            found = [[_part(r) for r in tx.run("mo_part_set", **_key(k))] for k in keys]
        return [parts for parts in found if parts]

    def mo_part_sets(self) -> list[list[MoPartRow]]:
        with self.transaction() as tx:
            rows = [_part(r) for r in tx.run("mo_parts")]
        sets: dict[tuple[str, str, str, int, int], list[MoPartRow]] = {}
        for part in rows:
            sets.setdefault(part.key, []).append(part)
        return list(sets.values())

    def store_mo_set(
        self, worker: str, parts: Sequence[MoPartRow], mo: Mo | None, window: float, missing: int
    ) -> bool:
        try:
            with self.transaction() as tx:
                taken = sum(tx.changed("take_mo_part", id=p.id) for p in parts)
                if taken != len(parts):
                    raise _Taken  # by another engine, which stores the reply: roll back
                if mo is not None:
                    (saved,) = self._mo_in(tx, worker, [mo], window)
                    if missing:
                        tx.changed("mark_mo_partial", id=int(saved["id"]), missing=missing)
        except _Taken:
            return False
        return True

    def insert_keyed_then_each(
        self, tx: TxT, rows: Sequence[Row], actor: str, insert_one: Callable[[TxT, Row], int]
    ) -> list[int]:
        """Intake where one statement cannot answer every new id (MySQL, Oracle): keyed
        rows in one statement and their ids by reference, each row without a reference by
        itself (``insert_one`` answers its id)."""
        ids: list[int] = []
        keyed = [r for r in rows if r["source_ref"]]
        tx.batch("enqueue", keyed, actor=actor)
        refs = [{"source_system": r["source_system"], "source_ref": r["source_ref"]} for r in keyed]
        known = {
            (r["source_system"], r["source_ref"]): int(r["id"])
            for r in tx.batch("lookup_refs", refs)
        }
        for r in rows:
            if r["source_ref"]:
                ids.append(known[(r["source_system"], r["source_ref"])])
            else:
                ids.append(insert_one(tx, r))
        return ids

    def set_timezone(self, zone: str) -> None:
        # The offset too: databases without a zone database (SQLite, SQL Server, MariaDB
        # without its time zone tables) count days with it.
        offset = datetime.now(ZoneInfo(zone)).utcoffset() or timedelta(0)
        with self.transaction() as tx:
            tx.run("put_setting", name="timezone", value=zone)
            tx.run(
                "put_setting", name="utc_offset_minutes", value=str(offset // timedelta(minutes=1))
            )

    # -- deployment checks (hisms doctor) ----------------------------------------

    def get_setting(self, name: str) -> str | None:
        with self.transaction() as tx:
            rows = tx.run("get_setting", name=name)
        return str(rows[0]["value"]) if rows else None

    def database_clock(self) -> datetime:
        with self.transaction() as tx:
            value = tx.run("database_clock")[0]["now"]
        now = datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text
        assert isinstance(now, datetime)
        # Dialects without a zoned type answer in UTC (their statements ask for it).
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def missing_grants(self) -> list[tuple[str, str]]:
        missing = []
        with self.transaction() as tx:
            for table, privilege in sql.engine_grants(self.dialect):
                rows = tx.run("has_privilege", table_name=table, privilege=privilege)
                if not rows[0]["allowed"]:
                    missing.append((table, privilege))
        return missing

    def data_directory(self) -> str | None:
        try:
            with self.transaction() as tx:
                path = tx.run("data_directory")[0]["path"]
        except StoreError:  # PostgreSQL tells only superusers and pg_read_all_settings
            return None
        return str(path) if path else None

    # -- queries --------------------------------------------------------------

    def get_message(self, outbox_id: int) -> Row | None:
        with self.transaction() as tx:
            rows = tx.run("get_message", id=outbox_id)
        return rows[0] if rows else None

    def get_segments(self, outbox_id: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("get_segments", id=outbox_id)

    def record_alarms(self, events: Sequence[AlarmEvent]) -> None:
        with self.transaction() as tx:
            for event in events:  # a few a day: one statement each is portable
                row = dataclasses.asdict(event)
                row["message"], row["notified"] = event.message[:1000], event.notified[:1000]
                tx.changed("record_alarm", **row)

    def recent_alarms(self, since: datetime, limit: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("recent_alarms", since=since, limit=limit)

    def day_totals(self, day: date) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("day_totals", day=day.isoformat())

    def pending_head(self, lane: Lane, cap: int) -> tuple[float | None, int]:
        waited: list[float] = []
        with self.transaction() as tx:
            for priority in range(lane.min_priority, lane.max_priority + 1):
                waited.extend(float(r["waited"]) for r in tx.run("oldest_due", priority=priority))
            rows = tx.run(
                "due_backlog",
                min_priority=lane.min_priority,
                max_priority=lane.max_priority,
                cap=cap,
            )
        return max(waited, default=None), int(rows[0]["due"])

    def status_counts(self) -> dict[str, int]:
        with self.transaction() as tx:
            return {r["name"]: int(r["messages"]) for r in tx.run("status_counts")}

    # -- WebService intake and queries, result push to the platform ------------

    def enqueue_batch(self, batch_id: str, messages: Sequence[NewMessage], actor: str) -> int:
        rows = [message_row(m) for m in messages]
        with self.transaction() as tx:
            return len(tx.batch("enqueue_batch", rows, batch_id=batch_id, actor=actor))

    def batch_of_ref(self, source_system: str, source_ref: str) -> str | None:
        with self.transaction() as tx:
            rows = tx.run("batch_of_ref", source_system=source_system, source_ref=source_ref)
        return rows[0]["batch_id"] if rows else None

    def find_messages(
        self, ids: Sequence[int] = (), refs: Sequence[tuple[str, str]] = ()
    ) -> list[Row]:
        found: dict[int, Row] = {}
        with self.transaction() as tx:
            if ids:
                found.update((r["id"], r) for r in tx.run("find_by_ids", ids=self.id_list(ids)))
            keyed = [{"source_system": s, "source_ref": r} for s, r in refs]
            found.update((r["id"], r) for r in tx.batch("find_by_refs", keyed))
        return [found[k] for k in sorted(found)]

    def cancel(self, outbox_id: int, actor: str, reason: str) -> bool:
        with self.transaction() as tx:
            done = bool(tx.run("cancel_pending", id=outbox_id, actor=actor, reason=reason))
            if done:
                audit(tx, Who(actor), "cancel", "message", str(outbox_id), None, {"reason": reason})
        return done

    def take_replies(self, source_system: str, after_id: int, limit: int, actor: str) -> list[Row]:
        with self.transaction() as tx:
            rows = tx.run(
                "take_replies",
                source_system=source_system,
                after=after_id,
                limit=limit,
                actor=actor,
            )
        return sorted(rows, key=lambda r: r["id"])

    def source_modes(self) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("source_modes")

    def set_mode(
        self, mode: str, sources: Sequence[str] | None, actor: str, reason: str
    ) -> list[str]:
        with self.transaction() as tx:
            if sources is None:
                sources = [r["source_system"] for r in tx.run("source_modes")]
            rows = [{"source_system": s} for s in sources]
            done = tx.batch("set_source_mode", rows, mode=mode, actor=actor, reason=reason)
            for r in done:
                after = {"mode": mode, "reason": reason}
                audit(tx, Who(actor), "update", "source_mode", r["source_system"], None, after)
        return sorted(r["source_system"] for r in done)

    def register_sources(self, sources: Sequence[str], mode: str, actor: str) -> list[str]:
        rows = [{"source_system": s} for s in sources]
        with self.transaction() as tx:
            done = tx.batch("register_sources", rows, mode=mode, actor=actor)
        return sorted(r["source_system"] for r in done)

    def lease_push(self, worker: str, lease: float) -> list[str]:
        with self.transaction() as tx:
            return sorted(
                r["source_system"] for r in tx.run("lease_push", worker=worker, lease=lease)
            )

    def unpushed_events(self, source_system: str, limit: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("unpushed_events", source_system=source_system, limit=limit)

    def mark_pushed(self, event: Row, worker: str) -> None:
        with self.transaction() as tx:
            tx.run("mark_pushed", id=event["id"], worker=worker)
            if event["kind"] == "MO":
                tx.run("consume_pushed_mo", id=event["id"], worker=worker)
            tx.run("clear_push_failures", source_system=event["source_system"])

    def push_failed(self, source_system: str, error: str, worker: str) -> int:
        with self.transaction() as tx:
            rows = tx.run(
                "push_failed", source_system=source_system, error=error[:500], worker=worker
            )
        return int(rows[0]["push_failures"]) if rows else 0

    def socket_events(self, source_system: str, since: datetime, limit: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("socket_events", source_system=source_system, since=since, limit=limit)

    def ack_socket_event(self, event: Row, worker: str) -> bool:
        with self.transaction() as tx:
            first = tx.changed("ack_socket_event", id=event["id"], worker=worker) > 0
            if first and event["kind"] == "MO":
                tx.run("consume_pushed_mo", id=event["id"], worker=worker)
        return first

    def take_nonce(self, key: str, expires_at: datetime) -> bool:
        try:
            with self.transaction() as tx:
                return tx.changed("take_nonce", nonce_key=key, expires_at=expires_at) == 1
        except StoreDataError:  # another engine inserted the same key between check and insert
            return False

    def purge_nonces(self, before: datetime) -> int:
        with self.transaction() as tx:
            return tx.changed("purge_nonces", before=before)

    # -- dialect hooks --------------------------------------------------------

    def id_list(self, ids: Sequence[int]) -> Any:
        """How a list of ids is bound for ``= ANY(...)`` / ``IN json_each(...)``."""
        return list(ids)

    def fence_reports(self, tx: Tx, exclusive: bool) -> None:
        """Keep report batches (exclusive) apart from segment write-backs (shared).

        Under READ COMMITTED, a report batch running beside the write-back of its
        parts sees no part (parks the report) while the write-back sees no parked
        report (matches nothing): the message would stay SUBMITTED for ever. Each
        dialect's statements say how it locks (SQLite: its writers are serialised)."""
        tx.run("fence_reports_exclusive" if exclusive else "fence_reports_shared")


class PollingSqlStore(SqlStore[TxT]):
    """A store whose database cannot announce inserts: workers poll, adaptively."""

    @property
    def announces_inserts(self) -> bool:
        return False

    def wait_for_work(self, timeout: float) -> int | None:
        time.sleep(timeout)
        return None


def _id(row: Row) -> int:
    return int(row["id"])


class _Taken(Exception):
    """A part of a set was deleted by another engine's transaction."""


def _key(key: tuple[str, str, str, int, int]) -> Row:
    channel, phone, service_number, ref, total = key
    return {
        "channel": channel,
        "phone": phone,
        "service_number": service_number,
        "ref": ref,
        "total": total,
    }


def _part(row: Row) -> MoPartRow:
    at = row["received_at"]
    at = datetime.fromisoformat(at) if isinstance(at, str) else at  # SQLite: text
    return MoPartRow(
        row["channel"],
        row["phone"],
        row["service_number"],
        row["extension"] or "",
        int(row["ref"]),
        int(row["total"]),
        int(row["seq"]),
        row["content"],
        at if at.tzinfo else at.replace(tzinfo=UTC),  # dialects without zones keep UTC
        int(row["id"]),
    )


def mo_row(m: Mo) -> Row:
    return {
        "channel": m.channel,
        "phone": m.phone,
        "service_number": m.service_number,
        "content": m.content,
        "received_at": m.received_at,
        "ext_source": m.ext_source,
    }


def _first_copy(tx: Any, channel: str, gateway_msg_id: str | None, received_at: datetime) -> bool:
    """Whether this is the first copy of a reply (or part) the channel's gateway sent: its id
    is remembered (sms_mo_id) in the transaction that stores it, so a copy sent again after
    a lost answer, in the same batch or years of batches later, is skipped. Without an id
    (SMPP), every copy is the first. Two engines storing one id at the same instant: on
    PostgreSQL, SQLite and MySQL the second waits and skips; Oracle, DM and SQL Server may
    refuse it with a unique-key error, and the copy is parked (answered, not stored)."""
    if gateway_msg_id is None:
        return True
    row = {"channel": channel, "gateway_msg_id": gateway_msg_id, "received_at": received_at}
    return bool(tx.changed("claim_mo_id", **row) == 1)


def _unsubscribe(tx: Any, worker: str, inbox_id: int, mo: Mo) -> None:
    """Blacklist the number of an unsubscribe reply and, when configured, enqueue its
    confirmation in the same transaction: a message like any other (routed, signed,
    reported), keyed by the entry so that a reply delivered again adds no second one."""
    assert mo.unsubscribe is not None
    entry_id, number, source = unsubscribed(tx, worker, inbox_id, mo.unsubscribe)
    if mo.confirm:
        confirmation = NewMessage(
            number,
            None,
            source or "DEFAULT",
            source_ref=f"unsubscribe:{entry_id}",
            template_code=UNSUBSCRIBE_REPLY,
            params="{}",
        )
        tx.batch("enqueue", [message_row(confirmation)], actor=worker)


def message_row(m: NewMessage) -> Row:
    return {
        "source_system": m.source_system or "DEFAULT",
        "source_ref": m.source_ref or None,
        "account": m.account,
        "dept_code": m.dept_code,
        # A phone longer than the column is invalid anyway: clipped, it is stored and
        # REJECTED with its reason instead of failing the whole batch's INSERT.
        "phone": _storable(m.phone, PHONE_COLUMN),
        "content": _storable(m.content),
        "signature": _storable(m.signature),
        "priority": m.priority,
        "send_at": m.send_at,
        "expire_at": m.expire_at,
        "template_code": m.template_code or None,
        "params": _storable(m.params),
    }


def _storable(text: str | None, limit: int | None = None) -> str | None:
    """Without NUL characters, which PostgreSQL text cannot hold and SQLite cuts at."""
    return text.replace("\x00", "")[:limit] if text else text


def _report_row(r: DeliveryReport) -> Row:
    return {
        "channel": r.channel,
        "carrier_msg_id": r.carrier_msg_id,
        "stat": r.stat[:16],
        "error_code": r.error_code,
        "phone": r.phone,
        "done_at": r.done_at,
        "received_at": r.received_at,
        "billed": r.billed,
    }
