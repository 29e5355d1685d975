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
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from hisms.engine.store.base import Mo, NewMessage, StoreError
from hisms.engine.store.dbapi import Pool, aware_row, json_rows, param, statements
from hisms.engine.store.sqlstore import Row, SqlStore, message_row

try:
    import pymysql
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise StoreError("MySQL/MariaDB needs the PyMySQL driver: pip install 'hisms[mysql]'") from exc

log = logging.getLogger(__name__)
Connection = pymysql.Connection  # type: ignore[type-arg]


class _Tx:
    def __init__(self, conn: Connection, queries: dict[str, str]) -> None:
        self._conn = conn
        self._queries = queries
        self._last_id = 0

    def run(self, name: str, /, **params: Any) -> list[Row]:
        block = statements(self._queries[name])
        bound = {k: param(v) for k, v in params.items()}
        result: list[Row] = []
        with self._conn.cursor() as cur:
            for n, statement in enumerate(block):
                cur.execute(statement, bound)
                self._last_id = cur.lastrowid
                if cur.description:
                    names = [d[0] for d in cur.description]
                    result = [aware_row(names, r) for r in cur.fetchall()]
                elif n == 0:
                    result = [{} for _ in range(cur.rowcount)]
                if n == 0 and cur.description and len(block) > 1:
                    if not result:
                        return []  # nothing locked: nothing to change
                    bound["locked"] = tuple(next(iter(r.values())) for r in result)
        return result

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]:
        if not rows:
            return []
        return self.run(name, rows=json_rows(rows, time_separator=" "), **params)

    def changed(self, name: str, /, **params: Any) -> int:
        return len(self.run(name, **params))  # one empty row per changed row, as run gives

    def last_insert_id(self) -> int:
        return self._last_id

    def script(self, ddl: str) -> None:
        # Each DDL statement commits implicitly in MySQL: a migration is not atomic here.
        with self._conn.cursor() as cur:
            for statement in statements(ddl):
                cur.execute(statement)


class MysqlStore(SqlStore):
    dialect = "mysql"

    def __init__(self, pool_size: int = 4, **connect: Any) -> None:
        super().__init__()
        self._connect_args = connect
        try:
            self._pool = Pool(self._new_connection, _close, pool_size)
        except pymysql.Error as exc:
            raise StoreError(f"cannot connect to MySQL/MariaDB: {exc}") from exc

    def _new_connection(self) -> Connection:
        conn = pymysql.connect(
            **self._connect_args, charset="utf8mb4", autocommit=False, connect_timeout=10
        )
        with conn.cursor() as cur:
            # Set on every connection: a pooled one may carry another level (and SKIP LOCKED
            # under REPEATABLE READ takes gap locks that serialise the claim).
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
        return conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tx]:
        try:
            with self._pool.connection() as conn:
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
        self._pool.close()


def _close(conn: Connection) -> None:
    conn.close()
