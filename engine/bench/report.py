"""A month's report on generated rollup rows, and an Excel export's time and peak memory
(``hisms bench report``).

The rollup of MESSAGES messages over one month is generated straight into ``sms_rollup``
and ``sms_rollup_day``
(about ``per_bucket`` messages per row, as hourly traffic of 20 accounts, 5 source
systems, 3 channels, 4 operators, 30 templates spreads): the report reads only that table,
so its time depends on the rollup's rows, not on the raw history. Then each report kind is
built for the month (best of ``rounds``), and a sheet of ``export_rows`` rows is written to
Excel in a child process whose peak resident memory is read back.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hisms.adapters.his.profiles import Profiles
from hisms.engine.billing.accounts import Owners
from hisms.engine.reports import export, periods, tables
from hisms.engine.reports.rollup import by_day
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

SEED = 17
SOURCES = {"HIS": "soap", "LIS": "legacy_table", "PACS": "table", "EMR": "http", "APPT": "table"}
STATUSES = (3,) * 85 + (4,) * 8 + (8,) * 4 + (6,) * 3
OPERATORS = ("mobile",) * 6 + ("unicom",) * 2 + ("telecom",) * 2 + ("broadnet",)
# (kind, by, account): one account's report reads the hourly rollup by its index
KINDS = (
    ("summary", None, None),
    ("user", None, None),
    ("business", None, None),
    ("interface", None, None),
    ("user", "operator", None),
    ("user", "template", None),
    ("user", "operator", "A05"),
)


def rollup_rows(
    messages: int, first: date, zone: ZoneInfo, per_bucket: int, seed: int = SEED
) -> Iterator[dict[str, Any]]:
    """Rollup rows for ``messages`` messages created in the month starting ``first``."""
    rng = random.Random(seed)
    start, end = periods.utc_bounds(first, periods.next_month(first), zone)
    hours = int((end - start) / timedelta(hours=1))
    per_hour = max(1, messages // hours)
    for h in range(hours):
        hour = start + timedelta(hours=h)
        day = hour.astimezone(zone).date().isoformat()
        buckets: dict[tuple[Any, ...], int] = {}
        for _ in range(max(1, per_hour // per_bucket)):
            a, source = rng.randrange(20), rng.choice(tuple(SOURCES))
            key = (f"A{a:02d}", f"D{a:02d}", source, f"ch{rng.randrange(3)}",
                   rng.choice(OPERATORS), rng.choice(STATUSES), SOURCES[source],
                   f"T{rng.randrange(30):02d}")  # fmt: skip
            buckets[key] = buckets.get(key, 0) + per_bucket
        for key, count in sorted(buckets.items()):
            segments = count + count // 5  # one in five is two segments
            submitted = count if key[5] != 6 else 0
            yield {
                "hour": hour,
                "day": day,
                **dict(zip(tables.COLUMN.values(), _dims(key), strict=False)),
                "status": key[5],
                "intake": key[6],
                "template_code": key[7],
                "messages": count,
                "segments": segments,
                "submitted": submitted,
                "submitted_segments": segments if submitted else 0,
            }


def _dims(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return key[0], key[1], key[2], key[3], key[4]  # account, dept, source, channel, operator


def fill(store: Store, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int:
    written, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            written += _write(store, chunk)
            chunk = []
    return written + (_write(store, chunk) if chunk else 0)


def _write(store: Store, rows: list[dict[str, Any]]) -> int:
    with store.transaction() as tx:
        tx.batch("rollup_add", rows)
        tx.batch("rollup_day_add", by_day(rows))  # as the engine's step does
    return len(rows)


def time_reports(store: Store, first: date, zone: ZoneInfo, rounds: int) -> list[dict[str, Any]]:
    owner = Owners(Profiles({}), {}).of
    found = []
    for kind, by, account in KINDS:
        ask = tables.Ask(kind, "month", first, periods.next_month(first), by, account)
        took, rows = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            rows = len(tables.build(store, ask, zone, owner).rows)
            took.append((time.perf_counter() - started) * 1000)
        found.append(
            {
                "kind": kind,
                "by": by or tables.KINDS[kind][1],
                "account": account,
                "rows": rows,
                "ms_first": round(took[0], 1),
                "ms_best": round(min(took), 1),
            }
        )
    return found


def _export(path: str, rows: int, answer: Any) -> None:
    """In the child: write the sheet; its seconds and resident memory before and after."""
    columns = (
        tables.Column("period", "Period", "text"),
        tables.Column("dim", "Dim", "text"),
        *tables.MT_COLUMNS,
    )

    def generated() -> Iterator[list[Any]]:
        for n in range(rows):
            yield [f"2026-11-{n % 30 + 1:02d}", f"T{n:07d}", *range(n % 97, n % 97 + 10), 0.97]

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    export.to_xlsx(Path(path), [export.Sheet("Export", columns, generated())])
    seconds = time.perf_counter() - started
    answer.send((seconds, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def time_export(rows: int) -> dict[str, Any]:
    """Write ``rows`` rows to Excel in a fresh child process: the seconds it took, and its
    peak resident memory before the export (the interpreter and imports) and after."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "export.xlsx")
        child = context.Process(target=_export, args=(path, rows, send))
        child.start()
        seconds, before_kb, after_kb = receive.recv()
        child.join()
        size = Path(path).stat().st_size
    return {
        "export_rows": rows,
        "export_seconds": round(seconds, 1),
        "export_rows_per_second": round(rows / seconds),
        "export_rss_before_mb": round(before_kb / 1024, 1),
        "export_peak_rss_mb": round(after_kb / 1024, 1),
        "export_file_mb": round(size / 1024 / 1024, 1),
    }


def run(
    url: str, messages: int, month: str, zone: str, per_bucket: int, rounds: int, export_rows: int
) -> dict[str, Any]:
    first = date.fromisoformat(f"{month}-01")
    tz = ZoneInfo(zone)
    store = open_store(url)
    try:
        started = time.perf_counter()
        rollup_rows_written = fill(store, rollup_rows(messages, first, tz, per_bucket))
        fill_seconds = time.perf_counter() - started
        reports = time_reports(store, first, tz, rounds)
    finally:
        store.close()
    return {
        "database": url.split(":", 1)[0],
        "month": month,
        "messages": messages,
        "rollup_rows": rollup_rows_written,
        "fill_seconds": round(fill_seconds, 1),
        "reports": reports,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **time_export(export_rows),
    }
