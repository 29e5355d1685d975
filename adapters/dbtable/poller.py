"""Poll a legacy HIS table: copy rows to send into sms_outbox, write results back.

Intake: lock up to ``batch_size`` rows in the "to send" state (SKIP LOCKED where the
dialect has it), enqueue them with source_ref = the HIS key, then set them "queued"
in the same HIS transaction. The outbox commits first: a crash in between leaves
the rows "to send", and the next poll enqueues them again, which the unique
(source_system, source_ref) turns into a no-op. Nothing is lost, nothing is sent twice.

Write-back: the rows still "queued" or "submitted" are read in key order (a
cursor walks the whole set across polls), their outbox rows looked up by reference,
and each HIS row whose result moved on gets the mapped status, error text and times,
guarded by its current status. Only mapped columns are written; no row is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, bindparam, column, create_engine, select, table, update
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import TableClause

from hisms.adapters.dbtable.mapping import Mapping
from hisms.engine.store import hosts_in_query
from hisms.engine.store.base import NewMessage, Store, StoreError

log = logging.getLogger(__name__)

# SQLAlchemy's default drivers (psycopg2, MySQLdb, cx_Oracle) are not the ones hisms installs.
_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "oracle": "oracle+oracledb",
    "mssql": "mssql+pyodbc",
}
_INTAKE = ("key", "phone", "content", "priority", "send_at", "dept_code", "account")
_RESULT = {2: "submitted", 3: "delivered", 4: "failed", 5: "failed", 6: "failed", 7: "failed"}


def sqlalchemy_url(url: str) -> str:
    parsed = make_url(hosts_in_query(url))  # a primary and its standbys: SQLAlchemy's form
    driver = _DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(False) if driver else url


def _local(value: datetime | str) -> datetime:
    """HIS tables hold local wall-clock times (the SQLite store answers UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone().replace(tzinfo=None)


class TablePoller:
    def __init__(self, mapping: Mapping, store: Store, engine_url: str) -> None:
        self.mapping = mapping
        self.store = store
        url = sqlalchemy_url(mapping.url or engine_url)
        options = {} if url.startswith("sqlite") else {"isolation_level": "READ COMMITTED"}
        self.db: Engine = create_engine(url, pool_pre_ping=True, **options)
        names = {f: n for f, n in mapping.columns.model_dump().items() if n}
        self.table = table(
            mapping.table_name,
            *(column(n) for n in set(names.values())),
            schema=mapping.schema_name,
        )
        self.col = {f: self.table.c[n] for f, n in names.items()}
        self._after: Any = None  # write-back cursor: the last HIS key looked at

    # -- intake -----------------------------------------------------------------

    def take(self) -> int:
        """Copy up to batch_size rows to send into the outbox; how many."""
        m, col = self.mapping, self.col
        with self.db.begin() as conn:
            query = locking(self.intake_query(), self.table, self.db.dialect.name, m.batch_size)
            rows = list(conn.execute(query).fetchmany(m.batch_size))
            if not rows:
                return 0
            self.store.enqueue([self._message(r) for r in rows], f"dbtable:{m.source_system}")
            queued = (
                update(self.table)
                .where(col["key"] == bindparam("his_key"), col["status"] == m.status.to_send)
                .values({col["status"]: m.status.queued})
            )
            conn.execute(queued, [{"his_key": r.key} for r in rows])
        return len(rows)

    def intake_query(self) -> Select[Any]:
        """The mapped columns of the rows to send, oldest key first."""
        col = self.col
        return (
            select(*(col[f].label(f) for f in _INTAKE if f in col))
            .where(col["status"] == self.mapping.status.to_send)
            .order_by(col["key"])
        )

    def _message(self, r: Row[Any]) -> NewMessage:
        m = r._mapping
        return NewMessage(
            phone=None if m["phone"] is None else str(m["phone"]).strip(),
            content=m["content"],
            source_system=self.mapping.source_system,
            source_ref=str(m["key"]),
            account=m.get("account"),
            dept_code=m.get("dept_code"),
            priority=_priority(m.get("priority"), self.mapping.default_priority),
            send_at=m.get("send_at"),
        )

    # -- write-back ---------------------------------------------------------------

    def write_back(self) -> int:
        """Bring HIS rows in flight up to date with their outbox rows; how many changed."""
        m, col = self.mapping, self.col
        limit = m.batch_size * 5
        query = select(col["key"].label("key"), col["status"].label("status")).where(
            col["status"].in_([m.status.queued, m.status.submitted])
        )
        if self._after is not None:
            query = query.where(col["key"] > self._after)
        with self.db.connect() as conn:
            rows = conn.execute(query.order_by(col["key"]).limit(limit)).all()
        self._after = rows[-1].key if len(rows) == limit else None
        if not rows:
            return 0
        his = {str(r.key): r for r in rows}
        found = self.store.find_messages(refs=[(m.source_system, k) for k in his])
        changed = 0
        with self.db.begin() as conn:
            for msg in found:
                row = his.get(str(msg["source_ref"]))
                values = self._result(msg) if row is not None else None
                if row is None or values is None or str(values[col["status"]]) == str(row.status):
                    continue
                guard = (col["key"] == row.key) & (col["status"] == row.status)
                changed += conn.execute(update(self.table).where(guard).values(values)).rowcount
        return changed

    def _result(self, msg: dict[str, Any]) -> dict[Any, Any] | None:
        """The mapped columns for an outbox row's state (None while not submitted)."""
        state = _RESULT.get(int(msg["status"]))
        if state is None:
            return None
        col = self.col
        values: dict[Any, Any] = {col["status"]: getattr(self.mapping.status, state)}
        if "submitted_at" in col and msg["submitted_at"] is not None:
            values[col["submitted_at"]] = _local(msg["submitted_at"])
        if state in ("delivered", "failed") and "done_at" in col:
            done = msg["report_at"] or datetime.now().astimezone()
            values[col["done_at"]] = _local(done)
        if state == "failed" and "error_text" in col:
            text = f"{msg['error_code'] or ''}: {msg['error_text'] or ''}".strip(": ")
            values[col["error_text"]] = text[: self.mapping.error_text_max]
        return values

    # -- loop -------------------------------------------------------------------------

    def poll_once(self) -> tuple[int, int]:
        return self.take(), self.write_back()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a database error is logged and retried next poll."""
        while not stop.is_set():
            try:
                taken, _ = await asyncio.to_thread(self.poll_once)
            except (SQLAlchemyError, StoreError) as exc:
                log.warning("HIS table %s: %s", self.mapping.table, exc)
                taken = 0
            if taken < self.mapping.batch_size:  # a full batch means more wait: go on at once
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.mapping.poll_seconds):
                        await stop.wait()

    def close(self) -> None:
        self.db.dispose()


def locking(query: Select[Any], his: TableClause, dialect: str, n: int) -> Select[Any]:
    """``query`` taking up to n rows no other poller holds, in the dialect's idiom."""
    if dialect in ("postgresql", "mysql", "mariadb"):
        return query.limit(n).with_for_update(skip_locked=True)
    if dialect == "oracle":
        # FETCH FIRST with FOR UPDATE is ORA-02014 and ROWNUM may skip every row: an unlimited
        # SKIP LOCKED cursor of which the caller fetches n (only fetched rows are locked).
        return query.with_for_update(skip_locked=True)
    if dialect == "mssql":
        return query.limit(n).with_hint(his, "WITH (ROWLOCK, UPDLOCK, READPAST)")
    # No row locks (SQLite): two pollers may pick a row twice, which intake makes harmless.
    return query.limit(n)


def _priority(value: Any, default: int) -> int:
    try:
        return min(max(int(value), 0), 9)
    except (TypeError, ValueError):
        return default
