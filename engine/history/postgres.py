"""PostgreSQL: the history tables are partitioned by month (migration 0011); a month is
exported with COPY, then its partitions are detached and dropped; a restored month is
loaded into a new table with COPY and attached back, so the views see it again."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from gzip import GzipFile
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from hisms.engine.history.base import TABLES, History, HistoryError, Part, PartInfo
from hisms.engine.history.files import NULL, Entry
from hisms.engine.history.months import add_months

_CSV = sql.SQL("(FORMAT csv, HEADER true, NULL {})").format(sql.Literal(NULL))
_BLOCK = 1 << 20
# FOR VALUES FROM (MINVALUE) TO ('2026110000000000'): the id range of a partition.
_BOUNDS = re.compile(r"FROM \('?(MINVALUE|\d+)'?\) TO \('?(\d+)'?\)")


class PgHistory(History):
    dialect = "postgresql"

    def __init__(self, url: URL) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)

    @contextlib.contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with psycopg.connect(self._conninfo) as conn, conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise HistoryError(f"PostgreSQL: {exc}".strip()) from exc

    def partitions(self) -> list[PartInfo]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT table_name, partition_name, month, estimated_rows, total_bytes "
                "FROM v_sms_partition ORDER BY table_name, month"
            ).fetchall()
        return [PartInfo(*r) for r in rows]

    def create(self, ahead: int) -> list[str]:
        with self._tx() as conn:
            rows = conn.execute("SELECT sms_create_partitions(%s)", (ahead,)).fetchall()
        return [r[0] for r in rows]

    def archivable(self, before: datetime) -> dict[str, list[Part]]:
        """Month partitions that end by ``before``; the old tables attached by migration
        0011 (month ``legacy``) once their newest row is older than ``before``."""
        found: dict[str, list[Part]] = {}
        with self._tx() as conn:
            parts = conn.execute(
                "SELECT v.table_name, v.partition_name, v.month, v.bounds FROM v_sms_partition v "
                "JOIN sms_partitioned p USING (table_name) "
                "WHERE v.month <> 'default' ORDER BY p.position"
            ).fetchall()
            for table, name, month, bounds in parts:
                if self._older(conn, name, month, before):
                    lo, hi = _BOUNDS.search(bounds).groups()  # type: ignore[union-attr]
                    part = Part(table, name, month, None if lo == "MINVALUE" else int(lo), int(hi))
                    found.setdefault(month, []).append(part)
        return found

    def _older(
        self, conn: psycopg.Connection[Any], name: str, month: str, before: datetime
    ) -> bool:
        if month == "legacy":
            newest = conn.execute(
                sql.SQL("SELECT max(created_at) FROM {}").format(sql.Identifier(name))
            ).fetchone()
            return newest is None or newest[0] is None or newest[0] < before
        start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
        return add_months(start, 1) <= before

    def export(self, part: Part, sink: GzipFile) -> int:
        query = sql.SQL("COPY (SELECT * FROM {} ORDER BY id) TO STDOUT {}").format(
            sql.Identifier(part.name), _CSV
        )
        with self._tx() as conn:
            # Writes wait until the month is out: what is exported is what is dropped.
            conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(part.name)))
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(part.name))
            ).fetchone()
            pending = bytearray()  # COPY yields a row at a time: compress in larger pieces
            with conn.cursor().copy(query) as copy:
                for block in copy:
                    pending += block
                    if len(pending) >= _BLOCK:
                        sink.write(pending)
                        pending.clear()
            sink.write(pending)
        return int(count[0]) if count else 0

    def drop(self, parts: Sequence[Part]) -> None:
        with self._tx() as conn:
            for part in parts:
                if part.table == "sms_outbox":  # its references need not stay unique now
                    conn.execute(
                        sql.SQL(
                            "DELETE FROM sms_outbox_ref r USING {} o WHERE r.outbox_id = o.id"
                            " AND r.source_system = o.source_system AND r.source_ref = o.source_ref"
                        ).format(sql.Identifier(part.name))
                    )
                conn.execute(
                    sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
                        sql.Identifier(part.table), sql.Identifier(part.name)
                    )
                )
                conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(part.name)))

    def restore(self, entry: Entry, source: GzipFile) -> str:
        if entry.table not in TABLES:
            raise HistoryError(f"{entry.table} is not a history table")
        header = source.readline()
        columns = [c.strip('"') for c in header.decode("utf-8").rstrip("\r\n").split(",")]
        table, name = sql.Identifier(entry.table), sql.Identifier(entry.name)
        lo = sql.SQL("MINVALUE") if entry.lo is None else sql.Literal(int(entry.lo))
        with self._tx() as conn:
            if conn.execute("SELECT to_regclass(%s)", (entry.name,)).fetchone() != (None,):
                raise HistoryError(f"{entry.name} is in the database already")
            # Loaded before it is attached: the parent's triggers (events, idempotency)
            # do not fire for rows that are history.
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                ).format(name, table)
            )
            query = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
                name, sql.SQL(", ").join(map(sql.Identifier, columns)), _CSV
            )
            with conn.cursor().copy(query) as copy:
                copy.write(header)
                while block := source.read(_BLOCK):
                    copy.write(block)
            conn.execute(
                sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
                    table, name, lo, sql.Literal(int(entry.hi))
                )
            )
        return f"{entry.table} (partition {entry.name})"

    def close(self) -> None:
        """Each operation opens and closes its own connection."""
