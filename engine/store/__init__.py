"""Opening the store a database URL names; drivers are imported only when used."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hisms.engine.store.base import Store, StoreError


def open_store(url: str, pool_size: int = 4) -> Store:
    """A store for ``postgresql://user@host/db``, ``mysql://user@host/db`` (or
    ``mariadb://``), ``sqlite:///path/to/file.db``, ``kingbase://user@host/db``,
    ``oracle://user:pw@host:1521/SERVICE``, ``dm://user:pw@host:5236`` or
    ``mssql://user:pw@host:1433/db?driver=ODBC+Driver+18+for+SQL+Server``."""
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
    if backend == "oracle":
        from hisms.engine.store.oracle import OracleStore

        service = parsed.query.get("service_name") or parsed.database or "FREEPDB1"
        return OracleStore(
            pool_size,
            user=parsed.username,
            password=parsed.password,
            dsn=f"{parsed.host or '127.0.0.1'}:{parsed.port or 1521}/{service}",
        )
    if backend == "dm":
        from hisms.engine.store.dm import DmStore

        return DmStore(
            pool_size,
            user=parsed.username or "SYSDBA",
            password=parsed.password or "",
            server=parsed.host or "127.0.0.1",
            port=parsed.port or 5236,
        )
    if backend == "mssql":
        from hisms.engine.store.sqlserver import SqlServerStore, connection_string

        options = {k: v if isinstance(v, str) else v[-1] for k, v in parsed.query.items()}
        conn_str = connection_string(
            parsed.host or "127.0.0.1",
            parsed.port or 1433,
            parsed.database,
            parsed.username,
            parsed.password,
            options,
        )
        return SqlServerStore(conn_str, pool_size)
    raise StoreError(
        f"database {backend!r} is not supported by this version "
        "(supported: postgresql, sqlite, mysql/mariadb, kingbase, oracle, mssql, dm)"
    )
