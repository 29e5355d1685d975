"""Opening the store a database URL names, from a table of schemes.

Each store class reads its own URL (``from_url``); its module, and with it the
database driver, is imported only when a URL names it, so a deployment on
PostgreSQL needs neither PyMySQL nor oracledb, and a new dialect is one line here.
"""

from __future__ import annotations

import re
from importlib import import_module
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hisms.engine.store.base import Store, StoreError

# URL scheme (the part before any "+driver") -> (module, class).
STORES = {
    "postgresql": ("hisms.engine.store.postgres", "PostgresStore"),
    "sqlite": ("hisms.engine.store.sqlite", "SqliteStore"),
    "mysql": ("hisms.engine.store.mysql", "MysqlStore"),
    "mariadb": ("hisms.engine.store.mysql", "MysqlStore"),
    "kingbase": ("hisms.engine.store.kingbase", "KingbaseStore"),
    "oracle": ("hisms.engine.store.oracle", "OracleStore"),
    "mssql": ("hisms.engine.store.sqlserver", "SqlServerStore"),
    "dm": ("hisms.engine.store.dm", "DmStore"),
}


def open_store(url: str, pool_size: int = 4) -> Store:
    """A store for ``postgresql://user@host/db``, ``mysql://user@host/db`` (or
    ``mariadb://``), ``sqlite:///path/to/file.db``, ``kingbase://user@host/db``,
    ``oracle://user:pw@host:1521/SERVICE``, ``dm://user:pw@host:5236`` or
    ``mssql://user:pw@host:1433/db?driver=ODBC+Driver+18+for+SQL+Server``. PostgreSQL also
    takes libpq's several hosts, ``postgresql://user@h1:5432,h2:5432/db?target_session_attrs=
    read-write``, or SQLAlchemy's ``?host=h1:5432&host=h2:5432``."""
    try:
        parsed = make_url(hosts_in_query(url))
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise StoreError(f"database url is not valid: {exc}") from exc
    scheme = parsed.get_backend_name()
    if scheme not in STORES:
        raise StoreError(
            f"database url scheme {scheme!r} is not supported (known: {', '.join(STORES)})"
        )
    module, name = STORES[scheme]
    store: Store = getattr(import_module(module), name).from_url(parsed, pool_size)
    return store


# libpq's multi-host form, ``postgresql://user@h1:5432,h2:5432/db``, which SQLAlchemy's URL
# parser rejects (the port "5432,h2:5432"): the hosts move to the query, where it keeps them.
_MULTI_HOST = re.compile(
    r"^(?P<head>[\w+]+://(?:[^@/?#]*@)?)(?P<hosts>[^@/?#]*,[^@/?#]*)(?P<tail>.*)$"
)


def hosts_in_query(url: str) -> str:
    """``scheme://user@h1:p1,h2:p2/db?x`` -> ``scheme://user@/db?x&host=h1:p1&host=h2:p2``;
    any other URL unchanged."""
    match = _MULTI_HOST.match(url)
    if match is None:
        return url
    path, _, query = match["tail"].partition("?")
    hosts = "&".join(f"host={quote(h, safe=':[]')}" for h in match["hosts"].split(","))
    return f"{match['head']}{path or '/'}?{query + '&' if query else ''}{hosts}"
