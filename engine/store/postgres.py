"""PostgreSQL store: psycopg 3 with a connection pool, LISTEN/NOTIFY wake-ups."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Self

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg.types.array import ListBinaryDumper
from psycopg_pool import ConnectionPool

from hisms.engine.store.base import StoreError, translated
from hisms.engine.store.sqlstore import Row, SqlStore

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)
CHANNEL = "hisms_outbox"


class _Tx:
    def __init__(
        self, conn: psycopg.Connection[Row], queries: dict[str, str], counted: Counter[str]
    ) -> None:
        self._conn = conn
        self._queries = queries
        self._counted = counted

    def run(self, name: str, /, **params: Any) -> list[Row]:
        self._counted[name] += 1
        with self._conn.cursor() as cur:
            cur.execute(self._queries[name], _bounded(params))
            return cur.fetchall() if cur.description else []

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]:
        if not rows:
            return []
        columns = {key: [r[key] for r in rows] for key in rows[0]}
        return self.run(name, **columns, **params)

    def changed(self, name: str, /, **params: Any) -> int:
        self._counted[name] += 1
        with self._conn.cursor() as cur:
            cur.execute(self._queries[name], _bounded(params))
            return cur.rowcount

    def script(self, ddl: str) -> None:
        self._conn.execute(ddl)


class PostgresStore(SqlStore[_Tx]):
    dialect = "postgresql"

    def __init__(self, conninfo: str, pool_size: int = 4) -> None:
        super().__init__()
        self._conninfo = conninfo
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"row_factory": dict_row, "autocommit": False},
            configure=_binary_arrays,
            open=False,
        )
        try:
            # One plain connection first: a refused login fails at once, saying why (the
            # pool would retry it for its whole timeout, then say only that it timed out).
            psycopg.connect(conninfo, connect_timeout=10).close()
            self._pool.open(wait=True, timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}") from exc
        except Exception as exc:  # the pool's own timeout error
            self._pool.close()
            raise StoreError(f"cannot connect to PostgreSQL: {exc}") from exc
        self._listener: psycopg.Connection[Any] | None = None
        # Statements run, by query name, and transactions: `bench e2e` reports them per message.
        self.statements: Counter[str] = Counter()

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``postgresql://user@host/db`` (``kingbase://`` for KingbaseES), any driver suffix;
        several hosts (``?host=h1:5432&host=h2:5432``, see ``open_store``) for a primary
        and its standbys, with ``target_session_attrs=read-write`` to find the primary."""
        return cls(conninfo(url), pool_size)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tx]:
        try:
            self.statements["(transactions)"] += 1
            with self._pool.connection() as conn:
                try:
                    with conn.transaction():
                        yield _Tx(conn, self.queries, self.statements)
                except psycopg.errors.ReadOnlySqlTransaction:
                    # A session opened read-only (default_transaction_read_only, a standby a
                    # failover left behind) stays so: closed, the pool opens a new one, which
                    # target_session_attrs=read-write sends to a primary that takes writes.
                    conn.close()
                    raise
        except (psycopg.Error, UnicodeError) as exc:
            refused = isinstance(exc, psycopg.DataError | psycopg.IntegrityError)  # SQLSTATE 22, 23
            deadlock = isinstance(exc, psycopg.errors.DeadlockDetected)
            message = f"{type(exc).__name__}: {exc}".strip()
            raise translated(exc, message, refused, deadlock) from exc

    @property
    def announces_inserts(self) -> bool:
        return True

    def wait_for_work(self, timeout: float) -> int | None:
        listener = self._listener
        connecting = listener is None or listener.closed
        started = time.monotonic()
        try:
            if listener is None or connecting:
                # Bounded: a server that accepts no connection, or accepts and never answers,
                # must not hold the wake-ups (libpq waits at least 2 s).
                listener = self._listener = psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=max(1, int(timeout))
                )
                listener.execute(f"LISTEN {CHANNEL}")
            best: int | None = None
            for note in listener.notifies(timeout=timeout, stop_after=1):
                best = _priority(note.payload, best)
            return best
        except psycopg.Error as exc:
            log.warning("LISTEN connection lost (%s); falling back to polling", exc)
            self._close_listener()
            if connecting:  # the server is down or restarting: one try per slice, no hot loop
                time.sleep(max(0.0, timeout - (time.monotonic() - started)))
            return None

    def close(self) -> None:
        self._close_listener()
        self._pool.close()

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None


def conninfo(url: URL) -> str:
    """libpq's keyword/value string for ``url``. SQLAlchemy keeps several hosts as a tuple
    of ``host:port`` in the query, which rendered back as a URL libpq reads as the last
    host alone: they become libpq's lists, ``host=h1,h2 port=p1,p2``."""
    params: dict[str, Any] = {k: v for k, v in url.query.items() if k not in ("host", "port")}
    hosts = url.query.get("host", url.host)
    if isinstance(hosts, tuple):
        pairs = [h.rpartition(":") if ":" in h and h[-1] != "]" else (h, "", "") for h in hosts]
        params["host"] = ",".join(h.strip("[]") for h, _, _ in pairs)
        ports = [p for _, _, p in pairs]
        if any(ports):  # libpq: one port for all, or one per host (empty: the default)
            params["port"] = ",".join(ports)
    else:
        params["host"] = hosts
        params["port"] = url.query.get("port", url.port)
    return make_conninfo(
        "",
        user=url.username,
        password=url.password,
        dbname=url.database,
        **{k: v for k, v in params.items() if v is not None},
    )


def _bounded(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the lowest and highest of its ``id``/``ids`` list as ``id_lo`` and
    ``id_hi`` (None for an empty list: ``BETWEEN NULL AND NULL`` matches nothing, as
    ``= ANY('{}')`` does). A statement by ids on a monthly partitioned table says
    ``id BETWEEN %(id_lo)s AND %(id_hi)s`` beside its ``= ANY(...)``: with constants there,
    the planner prunes the partitions the batch cannot be in (an id says its month) instead
    of planning all of them, about 1 ms less per statement with ten partitions."""
    ids = params.get("id", params.get("ids"))
    if not isinstance(ids, list):
        return params
    try:
        return {**params, "id_lo": min(ids, default=None), "id_hi": max(ids, default=None)}
    except TypeError:  # not a list of ids (a None in it): no statement by ids
        return params


def _binary_arrays(conn: psycopg.Connection[Any]) -> None:
    """Bind lists (a batch's columns) as binary arrays: psycopg's text array dumper costs
    ~15 us per row of a 7-column batch in Python, and PostgreSQL parses text timestamps
    slowly; binary is about 4 times cheaper on both sides. Every array parameter is cast."""
    conn.adapters.register_dumper(list, ListBinaryDumper)


def _priority(payload: str, best: int | None) -> int:
    try:
        value = int(payload)
    except ValueError:
        value = 9
    return value if best is None else min(best, value)
