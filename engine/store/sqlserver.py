"""SQL Server 2016+ store: pyodbc with Microsoft's ODBC Driver 17/18.

Each named statement of ``sql/sqlserver/queries.sql`` is one T-SQL batch written with
``@name`` parameters; pyodbc binds only ``?``, so the store turns every ``@name`` it has a
value for into ``?`` (table variables such as ``@out`` are declared in the batch and
stay). Batches are one JSON text read with OPENJSON; changed rows come back with OUTPUT.
A batch answers the last result set it produces, or its row count when it produces none.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

from hisms.engine.store.base import StoreError
from hisms.engine.store.dbapi import (
    LITERAL,
    JsonBatchTx,
    PooledStore,
    aware_row,
    param,
    without_comments,
)
from hisms.engine.store.sqlstore import Row

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_PARAM = re.compile(r"(?<![@\w])@(\w+)")
_GO = re.compile(r"^[ \t]*GO[ \t]*$", re.MULTILINE | re.IGNORECASE)


def to_qmark(batch: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """``batch`` with each ``@name`` that ``params`` holds replaced by ``?``, and the values
    in the order of the marks (a name used twice is bound twice)."""
    text, order = _qmark_plan(batch, frozenset(params))
    return text, [params[name] for name in order]


@cache  # one plan per statement and set of parameter names, not one per call
def _qmark_plan(batch: str, names: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    text = without_comments(batch)
    literals: list[str] = []

    def hide(match: re.Match[str]) -> str:
        literals.append(match[0])
        return f"'{len(literals) - 1}'"

    text = LITERAL.sub(hide, text)  # an @ inside a string literal is not a parameter
    order: list[str] = []

    def mark(match: re.Match[str]) -> str:
        if match[1] not in names:
            return match[0]
        order.append(match[1])
        return "?"

    text = _PARAM.sub(mark, text)
    text = re.sub(r"'(\d+)'", lambda m: literals[int(m[1])], text)
    return text.strip(), tuple(order)


def go_batches(ddl: str) -> list[str]:
    """A migration as the batches sqlcmd would send, split at its ``GO`` lines."""
    return [b.strip() for b in _GO.split(ddl) if without_comments(b).strip()]


class _Tx(JsonBatchTx):
    def run(self, name: str, /, **params: Any) -> list[Row]:
        text, values = to_qmark(self._queries[name], {k: param(v) for k, v in params.items()})
        with contextlib.closing(self._conn.cursor()) as cur:
            cur.execute(text, values)
            count = cur.rowcount
            rows: list[Row] | None = None
            while True:
                if cur.description:
                    keys = [d[0] for d in cur.description]
                    rows = [aware_row(keys, r) for r in cur.fetchall()]
                if not cur.nextset():
                    break
        return rows if rows is not None else [{} for _ in range(max(count, 0))]

    def script(self, ddl: str) -> None:
        with contextlib.closing(self._conn.cursor()) as cur:
            for batch in go_batches(ddl):
                cur.execute(batch)


def connection_string(
    host: str,
    port: int,
    database: str | None,
    user: str | None,
    password: str | None,
    options: dict[str, str],
) -> str:
    """An ODBC connection string; ``options`` (the URL's query) may name the driver and
    add keywords such as ``TrustServerCertificate=yes``."""
    parts = {"DRIVER": "{ODBC Driver 18 for SQL Server}", "SERVER": f"{host},{port}"}
    if database:
        parts["DATABASE"] = database
    if user:
        parts["UID"] = user
        parts["PWD"] = "{" + (password or "").replace("}", "}}") + "}"
    else:
        parts["Trusted_Connection"] = "yes"
    for key, value in options.items():
        parts["DRIVER" if key.lower() == "driver" else key] = (
            "{" + value.strip("{}") + "}" if key.lower() == "driver" else value
        )
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _driver() -> ModuleType:
    try:
        return importlib.import_module("pyodbc")
    except ImportError as exc:
        raise StoreError(
            "SQL Server needs the pyodbc driver and Microsoft's ODBC Driver 18 "
            f"(pip install 'hisms[sqlserver]'; apt-get install msodbcsql18): {exc}"
        ) from exc


class SqlServerStore(PooledStore[_Tx]):
    dialect = "sqlserver"
    name = "SQL Server"

    def __init__(self, conn_str: str, pool_size: int = 4) -> None:
        self._pyodbc = _driver()
        self._conn_str = conn_str
        super().__init__(self._pyodbc, pool_size)

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``mssql://user:pw@host:1433/db?driver=ODBC+Driver+18+for+SQL+Server``; the other
        query keys go into the ODBC connection string."""
        options = {k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}
        conn_str = connection_string(
            url.host or "127.0.0.1",
            url.port or 1433,
            url.database,
            url.username,
            url.password,
            options,
        )
        return cls(conn_str, pool_size)

    def new_connection(self) -> Any:
        return self._pyodbc.connect(self._conn_str, autocommit=False, timeout=10)

    def deadlock(self, exc: Exception) -> bool:
        return bool(exc.args) and exc.args[0] == "40001"  # SQLSTATE of error 1205, the victim

    def begin(self, conn: Any) -> _Tx:
        return _Tx(conn, self.queries)  # autocommit off: the first statement opens it
