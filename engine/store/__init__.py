"""Opening the store a database URL names; drivers are imported only when used."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hisms.engine.store.base import Store, StoreError


def open_store(url: str, pool_size: int = 4) -> Store:
    """A store for ``postgresql://user@host/db``, ``mysql://user@host/db`` (or
    ``mariadb://``) or ``sqlite:///path/to/file.db``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"database url is not valid: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        from hisms.engine.store.sqlite import SqliteStore

        return SqliteStore(parsed.database or ":memory:")
    if backend == "postgresql":
        from hisms.engine.store.postgres import PostgresStore

        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresStore(conninfo, pool_size)
    if backend == "kingbase":
        from hisms.engine.store.kingbase import KingbaseStore

        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return KingbaseStore(conninfo, pool_size)
    if backend in ("mysql", "mariadb"):
        from hisms.engine.store.mysql import MysqlStore  # StoreError naming the extra if absent

        return MysqlStore(
            pool_size,
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 3306,
            user=parsed.username or "root",
            password=parsed.password or "",
            database=parsed.database,
        )
    if backend in ("oracle", "mssql", "dm"):
        dialect = {"mssql": "sqlserver"}.get(backend, backend)
        raise StoreError(
            f"the engine cannot run on {backend!r} yet: its DDL and statements ship for a DBA "
            f"(`hisms db sql --dialect {dialect}`, sql/{dialect}/), see DATABASES.md"
        )
    raise StoreError(
        f"database {backend!r} is not supported by this version "
        "(supported: postgresql, sqlite, mysql/mariadb, kingbase)"
    )
