"""MySQL 8 / MariaDB 10.6+ store: PyMySQL, a small connection pool, polling.

MySQL has neither ``UPDATE ... RETURNING`` nor ``unnest``: batches are one JSON
parameter read with ``JSON_TABLE``, and a named statement may be a block of
statements (lock and read the rows, then change them; see ``sql/mysql/queries.sql``).
Two operations are overridden because they need ids a block cannot hand back:
``enqueue`` (ids of rows without a caller reference) and ``save_mo`` (one
statement per reply). Sessions run READ COMMITTED, which SKIP LOCKED wants.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from hisms.engine.store.base import StoreError
from hisms.engine.store.dbapi import BlockTx, PooledStore, aware_row, statements
from hisms.engine.store.sqlstore import Row

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

try:
    import pymysql
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise StoreError("MySQL/MariaDB needs the PyMySQL driver: pip install 'hisms[mysql]'") from exc

log = logging.getLogger(__name__)
Connection = pymysql.Connection
ER_LOCK_DEADLOCK = 1213
# Refusals of a row's data that PyMySQL files under neither DataError nor IntegrityError:
# incorrect datetime value, invalid JSON text, a failed CHECK (MySQL, MariaDB).
REFUSED = frozenset({1292, 3140, 3819, 4025})


class _Tx(BlockTx):
    time_separator = " "  # DATETIME(3) text

    def __init__(self, conn: Connection, queries: dict[str, str]) -> None:
        super().__init__(conn, queries)
        self._last_id = 0

    def execute(
        self, cur: Any, statement: str, bound: dict[str, Any], first: bool
    ) -> list[Row] | None:
        cur.execute(statement, bound)  # PyMySQL ignores the binds a statement does not name
        self._last_id = cur.lastrowid
        if not cur.description:
            return None
        names = [d[0] for d in cur.description]
        return [aware_row(names, r) for r in cur.fetchall()]

    def locked(self, values: list[Any]) -> tuple[Any, ...]:
        return tuple(values)  # bound as `IN (1, 2, 3)`

    def last_insert_id(self) -> int:
        return self._last_id

    def script(self, ddl: str) -> None:
        # Each DDL statement commits implicitly in MySQL: a migration is not atomic here.
        with self._conn.cursor() as cur:
            for statement in statements(ddl):
                cur.execute(statement)


class MysqlStore(PooledStore[_Tx]):
    dialect = "mysql"
    name = "MySQL/MariaDB"

    def __init__(self, pool_size: int = 4, **connect: Any) -> None:
        self._connect_args = connect
        super().__init__(pymysql, pool_size)

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``mysql://user:pw@host:3306/db`` or ``mariadb://...``."""
        return cls(
            pool_size,
            host=url.host or "127.0.0.1",
            port=url.port or 3306,
            user=url.username or "root",
            password=url.password or "",
            database=url.database,
        )

    def new_connection(self) -> Connection:
        conn = pymysql.connect(
            **self._connect_args, charset="utf8mb4", autocommit=False, connect_timeout=10
        )
        with conn.cursor() as cur:
            # Set on every connection: a pooled one may carry another level (and SKIP LOCKED
            # under REPEATABLE READ takes gap locks that serialise the claim).
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
        return conn

    def refused(self, exc: Exception) -> bool:
        return super().refused(exc) or _code(exc) in REFUSED

    def deadlock(self, exc: Exception) -> bool:
        return _code(exc) == ER_LOCK_DEADLOCK

    def begin(self, conn: Connection) -> _Tx:
        conn.begin()
        return _Tx(conn, self.queries)

    def id_list(self, ids: Sequence[int]) -> tuple[int | None, ...]:
        # Bound as `IN (1, 2, 3)`; `IN (NULL)` matches nothing where `IN ()` is a syntax error.
        return tuple(ids) or (None,)

    def insert_messages(self, tx: _Tx, rows: Sequence[Row], actor: str) -> list[int]:
        """Rows without a reference one at a time, each id from LAST_INSERT_ID() (a
        multi-row insert's ids need not be consecutive under innodb_autoinc_lock_mode = 2)."""

        def insert_one(tx: _Tx, row: Row) -> int:
            tx.batch("enqueue", [row], actor=actor)
            return tx.last_insert_id()

        return self.insert_keyed_then_each(tx, rows, actor, insert_one)

    def insert_mo(self, tx: _Tx, worker: str, rows: Sequence[Row], window: float) -> list[Row]:
        return [tx.batch("save_mo", [row], worker=worker, window=window)[0] for row in rows]


def _code(exc: Exception) -> int | None:
    """The server's error number (the first argument of a PyMySQL error)."""
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None
