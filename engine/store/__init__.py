"""Opening the store a database URL names, from a table of schemes.

Each store class reads its own URL (``from_url``); its module, and with it the
database driver, is imported only when a URL names it, so a deployment on
PostgreSQL needs neither PyMySQL nor oracledb, and a new dialect is one line here.
"""

from __future__ import annotations

from importlib import import_module

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
    ``mssql://user:pw@host:1433/db?driver=ODBC+Driver+18+for+SQL+Server``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"database url is not valid: {exc}") from exc
    scheme = parsed.get_backend_name()
    if scheme not in STORES:
        raise StoreError(
            f"database url scheme {scheme!r} is not supported (known: {', '.join(STORES)})"
        )
    module, name = STORES[scheme]
    store: Store = getattr(import_module(module), name).from_url(parsed, pool_size)
    return store
