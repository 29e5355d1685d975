"""Oracle 19c+ store: python-oracledb in thin mode (no Oracle client), else cx_Oracle.

Oracle has no multi-row ``RETURNING`` into a result set and no array parameters: batches
are one JSON text (a CLOB) read with JSON_TABLE, and a named statement may be a block
(see the header of ``sql/oracle/queries.sql``). What differs from the MySQL store:

* a statement gets exactly the binds it names (Oracle refuses unused ones);
* ``RETURNING ... INTO :a, :b`` is answered as rows, from out variables;
* the claim's lock cursor has no row limit (``FETCH FIRST`` raises ORA-02014 with
  ``FOR UPDATE``): the store fetches ``limit`` rows of it, and with SKIP LOCKED only
  fetched rows are locked, so the prefetch is sized to ``limit``;
* LOB columns come back as text; column names in upper case are lowered.

Dameng DM8 runs the same statements through dmPython (:mod:`hisms.engine.store.dm`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

from hisms.engine.store.base import StoreError
from hisms.engine.store.dbapi import LITERAL, BlockTx, PooledStore, aware_row, statements
from hisms.engine.store.sqlstore import Row

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# Parameters holding JSON text: bound as CLOBs, since a batch passes 4,000 bytes quickly.
JSON_PARAMS = frozenset({"rows", "ids", "locked", "event_json"})
_BIND = re.compile(r"(?<![\w:]):(\w+)")
_RETURNING_INTO = re.compile(r"\bRETURNING\b.+?\bINTO\s+(:\w+(?:\s*,\s*:\w+)*)\s*$", re.I | re.S)
_PLSQL_START = re.compile(
    r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRIGGER|PROCEDURE|FUNCTION|PACKAGE)|BEGIN|DECLARE)\b",
    re.I,
)


@cache  # parsed once per statement text, not on every claim
def binds_of(statement: str) -> tuple[str, ...]:
    """The bind names a statement uses, in order, each once (string literals skipped)."""
    found = _BIND.findall(LITERAL.sub("''", statement))
    return tuple(dict.fromkeys(name.lower() for name in found))


@cache
def returning_into(statement: str) -> tuple[str, ...]:
    """The out binds of a ``RETURNING ... INTO :a, :b`` statement, else none."""
    match = _RETURNING_INTO.search(LITERAL.sub("''", statement))
    if not match:
        return ()
    return tuple(name.strip().lstrip(":").lower() for name in match[1].split(","))


def script_statements(ddl: str) -> list[str]:
    """A migration as the statements to execute: SQL without its ``;``, PL/SQL (a trigger)
    whole, up to the ``/`` line that ends it in SQL*Plus."""
    out: list[str] = []
    sql_lines: list[str] = []
    plsql: list[str] | None = None
    for line in ddl.splitlines():
        if plsql is not None:
            if line.strip() == "/":
                out.append("\n".join(plsql).strip())
                plsql = None
            else:
                plsql.append(line)
        elif not "".join(sql_lines).strip() and _PLSQL_START.match(line):
            plsql = [line]
        else:
            sql_lines.append(line)
            if line.rstrip().endswith(";"):
                out.extend(statements("\n".join(sql_lines)))
                sql_lines = []
    out.extend(statements("\n".join(sql_lines)))
    return out


def _text(value: Any) -> Any:
    return value.read() if callable(getattr(value, "read", None)) else value  # a LOB


class OracleTx(BlockTx):
    def __init__(self, conn: Any, queries: dict[str, str], driver: ModuleType) -> None:
        super().__init__(conn, queries)
        self._number = getattr(driver, "DB_TYPE_NUMBER", None) or driver.NUMBER
        self._clob = getattr(driver, "DB_TYPE_CLOB", None) or getattr(driver, "CLOB", None)

    def execute(
        self, cur: Any, statement: str, bound: dict[str, Any], first: bool
    ) -> list[Row] | None:
        """The rows a statement answers (a SELECT's, or RETURNING INTO's), None for DML."""
        names = binds_of(statement)
        outs = returning_into(statement)
        args = {k: bound[k] for k in names if k not in outs}
        for out in outs:
            args[out] = cur.var(self._number)
        if self._clob is not None:
            cur.setinputsizes(**{k: self._clob for k in args if k in JSON_PARAMS})
        limit = bound.get("limit") if first and "limit" not in names else None
        if limit is not None and "FOR UPDATE" in statement.upper():
            cur.arraysize = limit
            if hasattr(cur, "prefetchrows"):
                cur.prefetchrows = limit + 1  # python-oracledb: one round trip, no extra lock
        else:
            limit = None
        cur.execute(statement, args)
        if outs:
            columns = [_values(args[o].getvalue()) for o in outs]
            return [dict(zip(outs, values, strict=True)) for values in zip(*columns, strict=True)]
        if cur.description:
            keys = [d[0] for d in cur.description]
            raw = cur.fetchmany(limit) if limit is not None else cur.fetchall()
            return [aware_row(keys, [_text(v) for v in r]) for r in raw]
        return None

    def locked(self, values: list[Any]) -> str:
        return json.dumps(values)  # read with JSON_TABLE

    def script(self, ddl: str) -> None:
        # Oracle commits each DDL statement by itself: a migration is not atomic here.
        with contextlib.closing(self._conn.cursor()) as cur:
            for statement in script_statements(ddl):
                cur.execute(statement)


def _values(value: Any) -> list[Any]:
    """DML RETURNING gives a list per out variable (one value per changed row)."""
    return value if isinstance(value, list) else [value]


def load_oracle_driver() -> ModuleType:
    with contextlib.suppress(ImportError):
        return importlib.import_module("oracledb")
    try:
        return importlib.import_module("cx_Oracle")
    except ImportError as exc:
        raise StoreError(
            "Oracle needs the python-oracledb driver: pip install 'hisms[oracle]'"
        ) from exc


class OracleStore(PooledStore[OracleTx]):
    dialect = "oracle"
    name = "Oracle"

    def __init__(self, pool_size: int = 4, **connect: Any) -> None:
        self._driver = self.load_driver()
        self._connect_args = connect
        super().__init__(self._driver, pool_size)

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``oracle://user:pw@host:1521/SERVICE`` (or ``?service_name=SERVICE``)."""
        service = url.query.get("service_name") or url.database or "FREEPDB1"
        return cls(
            pool_size,
            user=url.username,
            password=url.password,
            dsn=f"{url.host or '127.0.0.1'}:{url.port or 1521}/{service}",
        )

    def load_driver(self) -> ModuleType:
        return load_oracle_driver()

    def deadlock(self, exc: Exception) -> bool:
        return "ORA-00060" in str(exc)

    def new_connection(self) -> Any:
        return self._driver.connect(**self._connect_args)

    def begin(self, conn: Any) -> OracleTx:
        return OracleTx(conn, self.queries, self._driver)  # a transaction opens with its DML

    def insert_messages(self, tx: OracleTx, rows: Sequence[Row], actor: str) -> list[int]:
        """A row without a reference is inserted by itself, its id from RETURNING INTO
        (the MERGE of keyed rows cannot return)."""

        def insert_one(tx: OracleTx, row: Row) -> int:
            return int(tx.run("enqueue_unkeyed", **row, actor=actor)[0]["id"])

        return self.insert_keyed_then_each(tx, rows, actor, insert_one)

    def insert_mo(self, tx: OracleTx, worker: str, rows: Sequence[Row], window: float) -> list[Row]:
        """Each reply by itself, with scalar binds: only a single-row INSERT ... VALUES can
        RETURN INTO."""
        return [tx.run("save_mo", **row, worker=worker, window=window)[0] for row in rows]
