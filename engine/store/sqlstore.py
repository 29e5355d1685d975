"""Engine operations written once over the named statements of any dialect.

A dialect subclass provides a transaction context whose :class:`Tx` runs a named
statement with scalar parameters (``run``) or with a batch of rows (``batch``:
PostgreSQL unnests column arrays, SQLite reads a JSON array); everything else,
in particular the order of statements inside each transaction, lives here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Protocol

from hisms import sql
from hisms.carrier.base import DeliveryReport
from hisms.engine.store.base import (
    Claimed,
    Lane,
    Mo,
    NewMessage,
    ReportResult,
    Store,
    WriteBack,
    WriteBackResult,
)

Row = dict[str, Any]


class Tx(Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]: ...

    def script(self, ddl: str) -> None: ...


class SqlStore(Store):
    def __init__(self) -> None:
        self.queries = sql.queries(self.dialect)

    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        raise NotImplementedError  # pragma: no cover - every dialect overrides

    # -- schema -------------------------------------------------------------

    def upgrade(self) -> list[int]:
        applied = []
        current = self.schema_version()
        for version, name, ddl in sql.migrations(self.dialect):
            if version <= current:
                continue
            with self.transaction() as tx:
                tx.script(ddl)
                tx.run("record_migration", version=version, name=name)
            applied.append(version)
        return applied

    def schema_version(self) -> int:
        with self.transaction() as tx:
            if not tx.run("schema_present")[0]["present"]:
                return 0
            return int(tx.run("schema_version")[0]["version"])

    # -- intake -------------------------------------------------------------

    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        rows = [_message_row(m) for m in messages]
        with self.transaction() as tx:
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

    def write_back(self, worker: str, batch: WriteBack) -> WriteBackResult:
        written = 0
        with self.transaction() as tx:
            submitted = tx.batch("mark_submitted", batch.submitted, worker=worker)
            for name, rows in (("mark_final", batch.finals), ("mark_retry", batch.retries)):
                if rows:
                    written += len(tx.batch(name, rows, worker=worker))
            written += len(submitted)
            kept = {r["id"] for r in submitted} | {
                f["id"] for f in batch.finals if f["status"] == 4
            }
            segments = [s for s in batch.segments if s["outbox_id"] in kept]
            if segments:
                tx.batch("save_segments", segments, worker=worker)
                ids = self.id_list(sorted({s["outbox_id"] for s in segments}))
                tx.run("match_unmatched", worker=worker, ids=ids)
                tx.run("close_unmatched", worker=worker, ids=ids)
                tx.run("roll_up", worker=worker, ids=ids)
        return WriteBackResult(written, len(batch) - written)

    def save_reports(self, worker: str, reports: Sequence[DeliveryReport]) -> ReportResult:
        rows = [_report_row(r) for r in reports]
        with self.transaction() as tx:
            hit = tx.batch("apply_reports", rows, worker=worker)
            parked = tx.batch("park_unmatched", rows, worker=worker)
            ids = sorted({r["outbox_id"] for r in hit})
            if ids:
                tx.run("roll_up", worker=worker, ids=self.id_list(ids))
        return ReportResult(len(hit), len(parked), len(rows) - len(hit) - len(parked))

    def save_mo(self, worker: str, messages: Sequence[Mo], window: float) -> list[int | None]:
        rows = [
            {
                "channel": m.channel,
                "phone": m.phone,
                "service_number": m.service_number,
                "content": m.content,
                "received_at": m.received_at,
                "ext_source": m.ext_source,
            }
            for m in messages
        ]
        with self.transaction() as tx:
            saved = tx.batch("save_mo", rows, worker=worker, window=window)
        return [r["outbox_id"] for r in sorted(saved, key=lambda r: r["id"])]

    # -- queries --------------------------------------------------------------

    def get_message(self, outbox_id: int) -> Row | None:
        with self.transaction() as tx:
            rows = tx.run("get_message", id=outbox_id)
        return rows[0] if rows else None

    def get_segments(self, outbox_id: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("get_segments", id=outbox_id)

    def status_counts(self) -> dict[str, int]:
        with self.transaction() as tx:
            return {r["name"]: int(r["messages"]) for r in tx.run("status_counts")}

    # -- dialect hooks --------------------------------------------------------

    def id_list(self, ids: Sequence[int]) -> Any:
        """How a list of ids is bound for ``= ANY(...)`` / ``IN json_each(...)``."""
        return list(ids)


def _message_row(m: NewMessage) -> Row:
    return {
        "source_system": m.source_system or "DEFAULT",
        "source_ref": m.source_ref or None,
        "account": m.account,
        "dept_code": m.dept_code,
        "phone": m.phone,
        "content": m.content,
        "signature": m.signature,
        "priority": m.priority,
        "send_at": m.send_at,
        "expire_at": m.expire_at,
    }


def _report_row(r: DeliveryReport) -> Row:
    return {
        "channel": r.channel,
        "carrier_msg_id": r.carrier_msg_id,
        "stat": r.stat[:16],
        "error_code": r.error_code,
        "phone": r.phone,
        "done_at": r.done_at,
        "received_at": r.received_at,
    }
