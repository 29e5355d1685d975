"""What the stores over plain DB-API drivers share (MySQL, Oracle, DM, SQL Server).

These databases have no array parameters: a batch travels as one JSON text that the
statement reads with JSON_TABLE / OPENJSON, and times travel as naive UTC, as the
columns hold them. A named statement may be a *block*: several statements, each ending
with ``;`` at the end of a line, where the first may lock and read rows whose first
column the next ones get as ``locked`` (see the header of ``sql/mysql/queries.sql``).
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any, Generic, TypeVar

from hisms.engine.store.base import StoreError, translated
from hisms.engine.store.sqlstore import PollingSqlStore, Row, TxT

C = TypeVar("C")

_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*--.*(?:\n|$)", re.MULTILINE)
# A string literal ('' escapes a quote): what is inside is never a parameter.
LITERAL = re.compile(r"'(?:[^']|'')*'")


def naive_utc(value: datetime) -> datetime:
    """Naive UTC, as the columns hold it (a naive input is local time)."""
    return value.astimezone(UTC).replace(tzinfo=None)


def param(value: Any) -> Any:
    return naive_utc(value) if isinstance(value, datetime) else value


def json_rows(rows: Sequence[Row], time_separator: str = "T") -> str:
    """A batch as the JSON array the statements read; absent keys read as NULL, so None
    values do not travel."""

    def default(value: object) -> str:
        if isinstance(value, datetime):
            return naive_utc(value).isoformat(sep=time_separator, timespec="milliseconds")
        raise TypeError(f"cannot store {type(value).__name__} in a JSON batch")

    data = [{k: v for k, v in r.items() if v is not None} for r in rows]
    return json.dumps(data, ensure_ascii=False, default=default)


def aware_row(names: Sequence[str], values: Sequence[Any]) -> Row:
    """One fetched row with lower-case keys (Oracle and DM answer in upper case) and
    times marked UTC."""
    return {
        name.lower(): v.replace(tzinfo=UTC) if isinstance(v, datetime) else v
        for name, v in zip(names, values, strict=True)
    }


def without_comments(text: str) -> str:
    return _COMMENT_LINE.sub("", text)


@cache  # the same few named blocks run on every claim and write-back
def statements(block: str) -> tuple[str, ...]:
    """The statements of a block or DDL script, without their ``;`` and comment lines."""
    parts = (without_comments(s).strip() for s in _STATEMENT_END.split(block))
    return tuple(p for p in parts if p)


class JsonBatchTx(ABC):
    """A transaction whose batches travel as one JSON text bound as ``rows``, and whose
    ``run`` answers one empty row per changed row for a statement that returns none."""

    time_separator = "T"

    def __init__(self, conn: Any, queries: dict[str, str]) -> None:
        self._conn = conn
        self._queries = queries

    @abstractmethod
    def run(self, name: str, /, **params: Any) -> list[Row]:
        """Run the named statement (or block) with scalar parameters; the rows it answers."""

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]:
        if not rows:
            return []
        return self.run(name, rows=json_rows(rows, self.time_separator), **params)

    def changed(self, name: str, /, **params: Any) -> int:
        return len(self.run(name, **params))


class BlockTx(JsonBatchTx):
    """Runs a named block statement by statement: when the first statement reads (and
    locks) rows, the next ones get their first column as ``locked``, and a block whose
    first statement finds nothing stops there. A block answers the rows of the last
    statement that answers any, or the first statement's row count."""

    def run(self, name: str, /, **params: Any) -> list[Row]:
        block = statements(self._queries[name])
        bound = {k: param(v) for k, v in params.items()}
        result: list[Row] = []
        with contextlib.closing(self._conn.cursor()) as cur:
            for n, statement in enumerate(block):
                rows = self.execute(cur, statement, bound, first=n == 0)
                if rows is not None:
                    result = rows
                elif n == 0:
                    result = [{} for _ in range(max(cur.rowcount, 0))]
                if n == 0 and cur.description and len(block) > 1:
                    if not result:
                        return []  # nothing locked: nothing to change
                    bound["locked"] = self.locked([next(iter(r.values())) for r in result])
        return result

    @abstractmethod
    def execute(
        self, cur: Any, statement: str, bound: dict[str, Any], first: bool
    ) -> list[Row] | None:
        """Execute one statement of a block; the rows it answers, None for plain DML."""

    @abstractmethod
    def locked(self, values: list[Any]) -> Any:
        """How the first statement's rows are bound as ``locked`` in the next ones."""


class Pool(Generic[C]):
    """A few connections kept open between transactions, at most ``size`` in use.

    A connection whose transaction raised is closed, never handed out again: its state
    (open transaction, broken socket) is unknown."""

    def __init__(self, connect: Callable[[], C], close: Callable[[C], None], size: int) -> None:
        self._connect = connect
        self._close = close
        self._idle: queue.LifoQueue[C] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._idle.put(connect())  # fail at start-up, not at the first claim

    @contextlib.contextmanager
    def connection(self) -> Iterator[C]:
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(Exception):
                    self._close(conn)
                raise
            self._idle.put(conn)

    def close(self) -> None:
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                self._close(conn)


class PooledStore(PollingSqlStore[TxT]):
    """A store over a DB-API driver: a :class:`Pool` of its connections, one transaction
    per operation, the driver's errors as :class:`StoreError`. Subclasses say how to
    connect (``new_connection``), which transaction object runs the statements, and which
    of the driver's errors are a deadlock (``deadlock``)."""

    name = "the database"

    def __init__(self, driver: ModuleType, pool_size: int) -> None:
        """``driver``: the DB-API module, for its exception classes."""
        super().__init__()
        self._driver_error: type[Exception] = driver.Error
        self._data_errors: tuple[type[Exception], ...] = (driver.DataError, driver.IntegrityError)
        try:
            self._pool = Pool(self.new_connection, _close, pool_size)
        except driver.Error as exc:
            raise StoreError(f"cannot connect to {self.name}: {exc}") from exc

    @abstractmethod
    def new_connection(self) -> Any:
        """A new connection of the driver, not in autocommit mode."""

    @abstractmethod
    def begin(self, conn: Any) -> TxT:
        """Start a transaction on ``conn`` and answer what runs its statements."""

    @contextlib.contextmanager
    def transaction(self) -> Iterator[TxT]:
        try:
            with self._pool.connection() as conn:
                tx = self.begin(conn)
                try:
                    yield tx
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        except (self._driver_error, UnicodeError) as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise translated(exc, message, self.refused(exc), self.deadlock(exc)) from exc

    def refused(self, exc: Exception) -> bool:
        """Whether the database refused the data of a row (PEP 249: DataError, IntegrityError)."""
        return isinstance(exc, self._data_errors)

    def deadlock(self, exc: Exception) -> bool:
        """Whether the database rolled the transaction back to break a deadlock."""
        return False

    def id_list(self, ids: Sequence[int]) -> Any:
        return json.dumps(list(ids))  # read with JSON_TABLE / OPENJSON

    def close(self) -> None:
        self._pool.close()


def _close(conn: Any) -> None:
    conn.close()
