"""Throw-away MariaDB/MySQL databases, migrated once per pytest worker and reset between tests.

Migrating a database from scratch runs about 180 DDL statements, each with its own log
flushes: 1 s on an idle machine, 5-7 s on a loaded one, for each of the 150 MariaDB tests.
Here a worker migrates a pristine template once, and a database a test has used is put back
as the template has it: only the tables whose contents or AUTO_INCREMENT moved are truncated
and reloaded. A database whose schema changed (a partition added, a column altered), or that
cannot be brought back exactly (checked after the reset), is dropped and a new one migrated,
so a test always starts from what a fresh migration gives.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from typing import Any

from sqlalchemy.engine import make_url

from hisms.engine.store import open_store

# The schema as information_schema shows it, the database's own name blanked out (views and
# triggers name it), so a template and its copy compare equal.
_SCHEMA_QUERIES = (
    "SELECT table_name, table_type, engine, create_options FROM information_schema.tables"
    " WHERE table_schema = %(db)s ORDER BY table_name",
    "SELECT table_name, column_name, column_type, column_default, is_nullable, extra"
    " FROM information_schema.columns WHERE table_schema = %(db)s"
    " ORDER BY table_name, ordinal_position",
    "SELECT table_name, index_name, seq_in_index, column_name, non_unique"
    " FROM information_schema.statistics WHERE table_schema = %(db)s"
    " ORDER BY table_name, index_name, seq_in_index",
    "SELECT trigger_name, event_object_table, action_timing, event_manipulation,"
    " action_statement FROM information_schema.triggers WHERE trigger_schema = %(db)s"
    " ORDER BY trigger_name",
    "SELECT table_name, view_definition FROM information_schema.views"
    " WHERE table_schema = %(db)s ORDER BY table_name",
    "SELECT table_name, partition_name, partition_description"
    " FROM information_schema.partitions WHERE table_schema = %(db)s"
    " ORDER BY table_name, partition_ordinal_position",
    "SELECT routine_name, routine_definition FROM information_schema.routines"
    " WHERE routine_schema = %(db)s ORDER BY routine_name",
)


class MySQLPool:
    """One per pytest worker: ``take`` a database for a test, ``give_back`` after it."""

    def __init__(self, admin_url: str, connect: Any) -> None:
        self._admin_url = admin_url
        self._connect = connect  # () -> a pymysql connection in autocommit
        self._free: list[str] = []
        self._made: set[str] = set()  # every database this pool created and has not dropped
        self._template: str | None = None
        self._schema = ""
        self._state: dict[str, tuple[Any, Any]] = {}

    def url(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        if self._template is None:
            self._template = self._migrated()
            self._schema = self._schema_of(self._template)
            self._state = self._state_of(self._template)
        return self._free.pop() if self._free else self._migrated()

    def give_back(self, name: str) -> None:
        try:
            clean = self._reset(name)
        except Exception:  # anything the reset cannot handle: start that database over
            clean = False
        if clean:
            self._free.append(name)
        else:
            self._drop(name)

    def close(self) -> None:
        """Drops every database the pool made, given back or not."""
        for name in sorted(self._made):
            self._drop(name)
        self._free.clear()

    def _migrated(self) -> str:
        name = f"hisms_test_{uuid.uuid4().hex[:12]}"
        with self._connect() as admin, admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        self._made.add(name)
        store = open_store(self.url(name))
        store.upgrade()
        store.close()
        return name

    def _drop(self, name: str) -> None:
        with self._connect() as admin, admin.cursor() as cur:
            self._kill_sessions(cur, name)
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        self._made.discard(name)

    @staticmethod
    def _kill_sessions(cur: Any, name: str) -> None:
        """Sessions a test left open on the database (an engine's pool) would hold locks."""
        cur.execute(
            "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
            (name,),
        )
        for (session,) in cur.fetchall():
            with contextlib.suppress(Exception):  # it ended meanwhile
                cur.execute(f"KILL {int(session)}")

    def _schema_of(self, name: str) -> str:
        digest = hashlib.sha256()
        with self._connect() as admin, admin.cursor() as cur:
            for query in _SCHEMA_QUERIES:
                cur.execute(query, {"db": name})
                text = repr(cur.fetchall()).replace(name, "<db>")
                digest.update(text.encode())
        return digest.hexdigest()

    def _state_of(self, name: str) -> dict[str, tuple[Any, Any]]:
        """Each base table's checksum and AUTO_INCREMENT."""
        with self._connect() as admin, admin.cursor() as cur:
            cur.execute(
                "SELECT table_name, auto_increment FROM information_schema.tables"
                " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                (name,),
            )
            counters = dict(cur.fetchall())
            tables = ", ".join(f"`{name}`.`{table}`" for table in sorted(counters))
            cur.execute(f"CHECKSUM TABLE {tables}")
            sums = {row[0].split(".", 1)[1]: row[1] for row in cur.fetchall()}
        return {table: (sums[table], counters[table]) for table in counters}

    def _reset(self, name: str) -> bool:
        assert self._template is not None
        with self._connect() as admin, admin.cursor() as cur:
            self._kill_sessions(cur, name)
        if self._schema_of(name) != self._schema:
            return False
        moved = [t for t, state in self._state_of(name).items() if state != self._state[t]]
        if not moved:
            return True
        with self._connect() as admin, admin.cursor() as cur:
            cur.execute("SET SESSION foreign_key_checks = 0")
            for table in moved:
                # TRUNCATE fires no trigger (sms_audit refuses DELETE) and resets the counter.
                cur.execute(f"TRUNCATE TABLE `{name}`.`{table}`")
                columns = self._stored_columns(cur, table)
                if columns and self._state[table][0]:
                    cur.execute(
                        f"INSERT INTO `{name}`.`{table}` ({columns}) "
                        f"SELECT {columns} FROM `{self._template}`.`{table}`"
                    )
        after = self._state_of(name)
        with self._connect() as admin, admin.cursor() as cur:
            for table in moved:
                counter = self._state[table][1]
                if after[table][1] != counter:  # the template's seeds left it further on
                    cur.execute(f"ALTER TABLE `{name}`.`{table}` AUTO_INCREMENT = {int(counter)}")
        final = self._state_of(name)
        return all(final[t] == self._state[t] for t in moved)

    def _stored_columns(self, cur: Any, table: str) -> str:
        cur.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s AND extra NOT LIKE '%%GENERATED%%'"
            " ORDER BY ordinal_position",
            (self._template, table),
        )
        return ", ".join(f"`{column}`" for (column,) in cur.fetchall())
