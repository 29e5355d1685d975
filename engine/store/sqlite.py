"""SQLite store: the embedded default (demo, single node).

All writes run under ``BEGIN IMMEDIATE`` (the database write lock), which is what
makes the claim atomic across processes; WAL mode lets readers (a DBA's SELECT,
``hisms status``) work while the engine writes. There is no insert notification,
so workers poll with an adaptive interval.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from hisms.engine.store.base import StoreError, translated
from hisms.engine.store.sqlstore import PollingSqlStore, Row

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def sqlite_time(value: datetime) -> str:
    """UTC text with milliseconds, the form every timestamp in the schema uses.
    A naive datetime is taken as local time."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return sqlite_time(value)
    raise TypeError(f"cannot store {type(value).__name__} in SQLite")


class _Tx:
    def __init__(self, conn: sqlite3.Connection, queries: dict[str, str]) -> None:
        self._conn = conn
        self._queries = queries

    def run(self, name: str, /, **params: Any) -> list[Row]:
        return [dict(r) for r in self._execute(name, params).fetchall()]

    def changed(self, name: str, /, **params: Any) -> int:
        return self._execute(name, params).rowcount

    def _execute(self, name: str, params: dict[str, Any]) -> sqlite3.Cursor:
        bound = {k: sqlite_time(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return self._conn.execute(self._queries[name], bound)

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]:
        if not rows:
            return []
        return self.run(name, rows=json.dumps(list(rows), default=_json_default), **params)

    def script(self, ddl: str) -> None:
        # executescript would commit our transaction; run statement by statement instead.
        for statement in _statements(ddl):
            self._conn.execute(statement)


class SqliteStore(PollingSqlStore[_Tx]):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        try:
            self._conn = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``sqlite:///path/to/file.db``; one connection, whatever ``pool_size`` says."""
        return cls(url.database or ":memory:")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tx]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _Tx(self._conn, self.queries)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except (sqlite3.Error, UnicodeError) as exc:
                refused = isinstance(exc, sqlite3.DataError | sqlite3.IntegrityError)
                raise translated(exc, f"SQLite: {exc}", refused, deadlock=False) from exc

    def id_list(self, ids: Sequence[int]) -> str:
        return json.dumps(list(ids))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _statements(ddl: str) -> Iterator[str]:
    """Split a DDL script on the statement boundaries sqlite3 itself recognises."""
    buffer = ""
    for line in ddl.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement.strip(";").strip():
                yield statement
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise StoreError(f"incomplete SQL statement in migration: {buffer.strip()[:80]}")
