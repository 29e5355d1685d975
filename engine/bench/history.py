"""``hisms bench history``: does the history stay fast as it grows (PostgreSQL)?

Generated messages fill past months' partitions one month at a time. After each month the
claim is timed with ``pending`` rows waiting (flat means the claim does not see the
history), and the pending index's size is read; then one phone's messages are looked up
in ``v_sms_result`` many times, and the oldest month is archived with ``hisms db archive``'s
code, timed, with its peak memory.
"""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from hisms.engine.history import archive as steps
from hisms.engine.history import open_history
from hisms.engine.history.months import add_months, label, month_start
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, NewMessage

# Distinct numbers: one per five messages, as a patient gets several over the months.
PER_PHONE = 5
CHUNK = 500_000  # generated rows per INSERT
_FILL = """
INSERT INTO sms_outbox (id, source_system, source_ref, account, dept_code, phone, content,
                        status, segments, channel, carrier_msg_id, submitted_at, report_stat,
                        report_at, report_received_at, created_at, updated_at)
SELECT sms_month_base(%(start)s) + g, 'HIS', 'H' || (sms_month_base(%(start)s) + g),
       'acct' || g %% 20, 'dept' || g %% 50, (13800000000 + (g * 7919) %% %(phones)s)::text,
       '您的检查报告已出 ' || g, 3, 1, 'cmpp', 'c' || g, t, 'DELIVRD',
       t + interval '5 s', t + interval '5 s', t, t
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g,
     LATERAL (SELECT %(start)s + g * %(step)s * interval '1 second' AS t) x
"""


class BenchError(Exception):
    """The database cannot be used for this benchmark."""


def run(url: str, rows: int, months: int, pending: int, lookups: int) -> dict[str, Any]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    now = datetime.now(UTC)
    starts = [month_start(add_months(now, -k)) for k in range(months, 0, -1)]
    per_month = max(1, rows // months)
    phones = max(1, per_month * months // PER_PHONE)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _check(conn)
        for start in starts:
            conn.execute("SELECT count(*) FROM sms_create_partitions(0, %s)", (start,))
        growth = [{"history_rows": 0, **_claim(url, conn, pending)}]
        for n, start in enumerate(starts, 1):
            began = time.perf_counter()
            _fill(conn, start, per_month, phones)
            loaded = time.perf_counter() - began
            growth.append(
                {
                    "history_rows": n * per_month,
                    "load_seconds": round(loaded, 1),
                    **_claim(url, conn, pending),
                }
            )
        lookup = _lookups(conn, lookups, phones, now)
        sizes = _sizes(conn)
    return {
        "benchmark": "history",
        "database": "postgresql",
        "rows": per_month * months,
        "months": months,
        "pending": pending,
        "claim_by_history": growth,
        "phone_lookup": lookup,
        "archive": _archive(url, now, label(starts[0])),
        "sizes": sizes,
    }


def _check(conn: psycopg.Connection[Any]) -> None:
    if conn.execute("SELECT to_regclass('sms_partitioned')").fetchone() == (None,):
        raise BenchError("the database has no partitioned history: run `hisms db upgrade` first")
    if conn.execute("SELECT EXISTS (SELECT 1 FROM sms_outbox)").fetchone() != (False,):
        raise BenchError("sms_outbox has rows: run the benchmark on a scratch database")


def _fill(conn: psycopg.Connection[Any], start: datetime, count: int, phones: int) -> None:
    step = 28 * 86400 / count  # spread over the month's first 28 days
    for lo in range(1, count + 1, CHUNK):
        hi = min(count, lo + CHUNK - 1)
        params = {"start": start, "lo": lo, "hi": hi, "step": step, "phones": phones}
        conn.execute(_FILL, params)
    conn.execute("ANALYZE sms_outbox")


def _claim(url: str, conn: psycopg.Connection[Any], pending: int) -> dict[str, Any]:
    """Claim latency with ``pending`` rows waiting in this month's partition, which is
    emptied afterwards; and the size of the claim's index over every partition."""
    store = open_store(url)
    try:
        for at in range(0, pending, 5000):
            store.enqueue(
                [NewMessage(f"139{i:08d}", "pending") for i in range(at, min(pending, at + 5000))],
                "bench",
            )
        conn.execute("ANALYZE sms_outbox")
        times = []
        for _ in range(20):
            began = time.perf_counter()
            store.claim("bench-history", BULK, 200, 60)
            times.append((time.perf_counter() - began) * 1000)
    finally:
        store.close()
    # Emptied as autovacuum would leave it (a DELETE alone would leave the index bloated).
    this_month = conn.execute(
        "SELECT partition_name FROM v_sms_partition WHERE table_name = 'sms_outbox' AND month = %s",
        (label(datetime.now(UTC)),),
    ).fetchone()
    assert this_month is not None
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(this_month[0])))
    size = conn.execute(
        "SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('ix_sms_outbox_pending')"
    ).fetchone()
    return {
        "claim_ms_p50": round(statistics.median(times), 2),
        "claim_ms_max": round(max(times), 2),
        "pending_index_bytes": int(size[0]) if size and size[0] else 0,
    }


def _lookups(
    conn: psycopg.Connection[Any], count: int, phones: int, now: datetime
) -> dict[str, Any]:
    """One number's messages of the last six months, newest first, as a help desk asks."""
    since = add_months(now, -6)
    rng = random.Random(17)
    times = []
    found = 0
    for _ in range(count):
        phone = str(13800000000 + rng.randrange(phones))
        began = time.perf_counter()
        found += len(
            conn.execute(
                "SELECT * FROM v_sms_result WHERE phone = %s AND created_at >= %s "
                "ORDER BY created_at DESC LIMIT 100",
                (phone, since),
            ).fetchall()
        )
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "lookups": count,
        "rows_found": found,
        "ms_p50": round(statistics.median(times), 2),
        "ms_p95": round(times[int(len(times) * 0.95) - 1], 2),
        "ms_max": round(times[-1], 2),
    }


def _archive(url: str, now: datetime, oldest: str) -> dict[str, Any]:
    """The oldest month (the only one past a 6-month retention) archived: time, memory."""
    history = open_history(url)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    began = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="hisms-bench-") as folder:
            done = steps.archive(history, Path(folder), 6, 6, now)
            seconds = time.perf_counter() - began
            size = sum(f.stat().st_size for f in Path(folder).iterdir())
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        history.close()
    rows = sum(e.rows for m in done for e in m.entries)
    return {
        "month": oldest,
        "archived_months": [m.month for m in done],
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else None,
        "file_bytes": size,
        "python_peak_bytes": peak,
        "process_max_rss_growth_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        - rss_before,
    }


def _sizes(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT table_name, sum(total_bytes) FROM v_sms_partition GROUP BY table_name"
    ).fetchall()
    return {str(t): int(b) for t, b in rows}
