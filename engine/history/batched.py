"""Databases whose history tables are not partitioned (SQLite, MySQL/MariaDB, SQL Server,
Oracle): a month is the rows whose ``created_at`` falls in it; it is exported page by
page, then deleted ``batch_rows`` rows per transaction so the engine never waits long.
A restored month goes to ``<table>_archive`` (same columns, no triggers) for the audit,
not back into the live tables, whose triggers would raise events for it again.

Written once with SQLAlchemy Core over the reflected tables rather than per dialect."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from gzip import GzipFile
from typing import Any

from sqlalchemy import Column, MetaData, Table, create_engine, delete, func, insert, select
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from hisms.adapters.dbtable.poller import sqlalchemy_url
from hisms.engine.history.base import TABLES, History, HistoryError, Part, PartInfo
from hisms.engine.history.files import NULL, Entry
from hisms.engine.history.months import add_months, label, month_start


class BatchedHistory(History):
    def __init__(self, url: URL, batch_rows: int) -> None:
        backend = url.get_backend_name()
        if backend == "dm":
            raise HistoryError(
                "DM8 has no SQLAlchemy dialect here: archive it with the DBA's tools"
            )
        self.dialect = backend
        self._engine: Engine = create_engine(
            sqlalchemy_url(url.render_as_string(hide_password=False))
        )
        self._meta = MetaData()
        self._batch = batch_rows

    @cache  # noqa: B019 - one reflection per table and History
    def _table(self, name: str) -> Table:
        try:
            return Table(name, self._meta, autoload_with=self._engine)
        except SQLAlchemyError as exc:
            raise HistoryError(f"cannot read table {name}: {exc}") from exc

    def _months(self, name: str) -> Iterator[tuple[datetime, datetime, int]]:
        """(start, end, rows) of every month from the oldest row to the newest."""
        table = self._table(name)
        with self._engine.connect() as conn:
            low, high = conn.execute(
                select(func.min(table.c.created_at), func.max(table.c.created_at))
            ).one()
            if low is None:
                return
            start, last = month_start(_utc(low)), month_start(_utc(high))
            while start <= last:
                end = add_months(start, 1)
                rows = conn.execute(
                    select(func.count()).select_from(table).where(*self._within(table, start, end))
                ).scalar_one()
                yield start, end, int(rows)
                start = end

    def _within(self, table: Table, lo: datetime, hi: datetime) -> list[Any]:
        column = table.c.created_at
        return [column >= self._bound(column, lo), column < self._bound(column, hi)]

    @staticmethod
    def _bound(column: Column[Any], at: datetime) -> object:
        """UTC as the column holds it: text (SQLite) or a naive datetime."""
        naive = at.astimezone(UTC).replace(tzinfo=None)
        python_type = column.type.python_type
        return naive.strftime("%Y-%m-%d %H:%M:%S.000") if python_type is str else naive

    def partitions(self) -> list[PartInfo]:
        return [
            PartInfo(name, name, label(start), rows, None)
            for name in TABLES
            for start, _end, rows in self._months(name)
            if rows
        ]

    def create(self, ahead: int) -> list[str]:
        """Nothing to create: the tables are not partitioned."""
        return []

    def archivable(self, before: datetime) -> dict[str, list[Part]]:
        found: dict[str, list[Part]] = {}
        for name in TABLES:
            for start, end, rows in self._months(name):
                if rows and end <= before:
                    found.setdefault(label(start), []).append(
                        Part(name, name, label(start), start, end)
                    )
        return found

    def _pages(self, part: Part) -> Iterator[Sequence[Any]]:
        assert isinstance(part.lo, datetime) and isinstance(part.hi, datetime)
        table = self._table(part.table)
        after: Any = None
        with self._engine.connect() as conn:
            while True:
                query = select(table).where(*self._within(table, part.lo, part.hi))
                if after is not None:
                    query = query.where(table.c.id > after)
                rows = conn.execute(query.order_by(table.c.id).limit(self._batch)).all()
                if not rows:
                    return
                yield rows
                after = rows[-1].id

    def export(self, part: Part, sink: GzipFile) -> int:
        text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(self._table(part.table).columns.keys())
        count = 0
        for rows in self._pages(part):
            writer.writerows([_csv(v) for v in row] for row in rows)
            count += len(rows)
        text.flush()
        text.detach()
        return count

    def drop(self, parts: Sequence[Part]) -> None:
        for part in parts:
            assert isinstance(part.lo, datetime) and isinstance(part.hi, datetime)
            table = self._table(part.table)
            while True:
                with self._engine.begin() as conn:
                    ids = (
                        conn.execute(
                            select(table.c.id)
                            .where(*self._within(table, part.lo, part.hi))
                            .order_by(table.c.id)
                            .limit(self._batch)
                        )
                        .scalars()
                        .all()
                    )
                    if not ids:
                        break
                    conn.execute(delete(table).where(table.c.id.in_(ids)))

    def restore(self, entry: Entry, source: GzipFile) -> str:
        if entry.table not in TABLES:
            raise HistoryError(f"{entry.table} is not a history table")
        live = self._table(entry.table)
        target = Table(
            f"{entry.table}_archive",
            MetaData(),
            *(Column(c.name, c.type) for c in live.columns),
        )
        reader = csv.reader(io.TextIOWrapper(source, encoding="utf-8", newline=""))
        columns = next(reader)
        with self._engine.begin() as conn:
            target.create(conn, checkfirst=True)
            page: list[dict[str, Any]] = []
            for record in reader:
                page.append(
                    {c: (None if v == NULL else v) for c, v in zip(columns, record, strict=True)}
                )
                if len(page) == self._batch:
                    conn.execute(insert(target), page)
                    page = []
            if page:
                conn.execute(insert(target), page)
        return target.name

    def close(self) -> None:
        self._engine.dispose()


def _utc(value: datetime | str) -> datetime:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _csv(value: object) -> object:
    if value is None:
        return NULL
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value
