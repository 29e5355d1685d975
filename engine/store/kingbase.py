"""KingbaseES store: the PostgreSQL store over Kingbase's PostgreSQL-compatible protocol.

KingbaseES V8R6 speaks the PostgreSQL wire protocol (psycopg connects) and accepts the
PostgreSQL statements, including SKIP LOCKED, unnest, ON CONFLICT, RETURNING and
LISTEN/NOTIFY; it runs the files of sql/postgresql/ (``sql.BORROWS``).
"""

from __future__ import annotations

from hisms.engine.store.postgres import PostgresStore


class KingbaseStore(PostgresStore):
    dialect = "kingbase"
