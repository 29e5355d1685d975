"""MySQL 8 / MariaDB 10.6+ store: PyMySQL, a small connection pool, polling.

MySQL has neither ``UPDATE ... RETURNING`` nor ``unnest``: batches are one JSON
parameter read with ``JSON_TABLE``, and a named statement may be a block of
statements (lock and read the rows, then change them; see ``sql/mysql/queries.sql``).
Two operations are overridden because they need ids a block cannot hand back:
``enqueue`` (ids of rows without a caller reference) and ``save_mo`` (one
statement per reply). Sessions run READ COMMITTED, which SKIP LOCKED wants.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hisms.engine.store.base import Mo, NewMessage, StoreError
from hisms.engine.store.sqlstore import Row, SqlStore, message_row

try:
    import pymysql
    from pymysql.cursors import DictCursor
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise StoreError("MySQL/MariaDB needs the PyMySQL driver: pip install 'hisms[mysql]'") from exc

log = logging.getLogger(__name__)
_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def _utc(value: datetime) -> datetime:
    """Naive UTC, as the DATETIME(3) columns hold it (a naive input is local time)."""
    return value.astimezone(UTC).replace(tzinfo=None)


def _param(value: Any) -> Any:
    return _utc(value) if isinstance(value, datetime) else value


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return _utc(value).isoformat(sep=" ", timespec="milliseconds")
    raise TypeError(f"cannot store {type(value).__name__} in MySQL")


def _row(raw: dict[str, Any]) -> Row:
    return {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for k, v in raw.items()}


class _Tx:
    def __init__(self, conn: pymysql.Connection[DictCursor], queries: dict[str, str]) -> None:
        self._conn = conn
        self._queries = queries
        self._last_id = 0

    def run(self, name: str, /, **params: Any) -> list[Row]:
        statements = [s for s in _STATEMENT_END.split(self._queries[name]) if s.strip()]
        bound = {k: _param(v) for k, v in params.items()}
        result: list[Row] = []
        with self._conn.cursor() as cur:
            for n, statement in enumerate(statements):
                cur.execute(statement, bound)
                self._last_id = cur.lastrowid
                if cur.description:
                    result = [_row(r) for r in cur.fetchall()]
                elif n == 0:
                    result = [{} for _ in range(cur.rowcount)]
                if n == 0 and cur.description and len(statements) > 1:
                    if not result:
                        return []  # nothing locked: nothing to change
                    bound["locked"] = tuple(next(iter(r.values())) for r in result)
        return result

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]:
        if not rows:
            return []
        # Absent keys read as NULL in JSON_TABLE, so None values need not travel.
        data = [{k: v for k, v in r.items() if v is not None} for r in rows]
        text = json.dumps(data, ensure_ascii=False, default=_json_default)
        return self.run(name, rows=text, **params)

    def changed(self, name: str, /, **params: Any) -> int:
        return len(self.run(name, **params))  # one empty row per changed row, as run gives

    def last_insert_id(self) -> int:
        return self._last_id

    def script(self, ddl: str) -> None:
        # Each DDL statement commits implicitly in MySQL: a migration is not atomic here.
        with self._conn.cursor() as cur:
            for statement in _STATEMENT_END.split(ddl):
                if _has_sql(statement):
                    cur.execute(statement)


def _has_sql(text: str) -> bool:
    return any(ln.strip() and not ln.strip().startswith("--") for ln in text.splitlines())


class MysqlStore(SqlStore):
    dialect = "mysql"

    def __init__(self, pool_size: int = 4, **connect: Any) -> None:
        super().__init__()
        self._connect_args = connect
        self._idle: queue.LifoQueue[pymysql.Connection[DictCursor]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        try:
            self._idle.put(self._new_connection())
        except pymysql.Error as exc:
            raise StoreError(f"cannot connect to MySQL/MariaDB: {exc}") from exc

    def _new_connection(self) -> pymysql.Connection[DictCursor]:
        conn = pymysql.connect(
            **self._connect_args,
            charset="utf8mb4",
            autocommit=False,
            cursorclass=DictCursor,
            connect_timeout=10,
        )
        with conn.cursor() as cur:
            # Set on every connection: a pooled one may carry another level (and SKIP LOCKED
            # under REPEATABLE READ takes gap locks that serialise the claim).
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[pymysql.Connection[DictCursor]]:
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._new_connection()
            try:
                yield conn
            except BaseException:
                conn.close()  # state unknown after an error: never hand it out again
                raise
            self._idle.put(conn)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tx]:
        try:
            with self._connection() as conn:
                conn.begin()
                try:
                    yield _Tx(conn, self.queries)
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        except pymysql.Error as exc:
            raise StoreError(f"{type(exc).__name__}: {exc}") from exc

    def id_list(self, ids: Sequence[int]) -> tuple[int | None, ...]:
        # Bound as `IN (1, 2, 3)`; `IN (NULL)` matches nothing where `IN ()` is a syntax error.
        return tuple(ids) or (None,)

    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        """Keyed rows in one statement, then their ids by reference; rows without a
        reference one at a time, each id from LAST_INSERT_ID() (a multi-row insert's ids
        need not be consecutive under innodb_autoinc_lock_mode = 2)."""
        rows = [message_row(m) for m in messages]
        ids: list[int] = []
        with self.transaction() as tx:
            keyed = [r for r in rows if r["source_ref"]]
            tx.batch("enqueue", keyed, actor=actor)
            refs = [
                {"source_system": r["source_system"], "source_ref": r["source_ref"]} for r in keyed
            ]
            known = {
                (r["source_system"], r["source_ref"]): int(r["id"])
                for r in tx.batch("lookup_refs", refs)
            }
            for r in rows:
                if r["source_ref"]:
                    ids.append(known[(r["source_system"], r["source_ref"])])
                else:
                    tx.batch("enqueue", [r], actor=actor)
                    ids.append(tx.last_insert_id())
        return ids

    def save_mo(self, worker: str, messages: Sequence[Mo], window: float) -> list[int | None]:
        """One statement per reply (replies are few), so each can read back its own row."""
        found: list[int | None] = []
        with self.transaction() as tx:
            for m in messages:
                row = {
                    "channel": m.channel,
                    "phone": m.phone,
                    "service_number": m.service_number,
                    "content": m.content,
                    "received_at": m.received_at,
                    "ext_source": m.ext_source,
                }
                (saved,) = tx.batch("save_mo", [row], worker=worker, window=window)
                found.append(saved["outbox_id"])
        return found

    @property
    def announces_inserts(self) -> bool:
        return False

    def wait_for_work(self, timeout: float) -> int | None:
        time.sleep(timeout)
        return None

    def close(self) -> None:
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(pymysql.Error):
                conn.close()
