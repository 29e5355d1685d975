"""``hisms bench soak``: the e2e setup (CMPP simulator and engine in processes of their
own) fed at a steady rate for minutes, sampled as it goes, to show what drifts.

Each sample (once a minute, or more often in a short run) records the resident memory of
every process (bench, engine, simulator; the database's backends' own memory), the claim's latency
(the claim's own locking read of the next batch, in a transaction rolled back, so it takes
nothing from the engine) and the rows still pending. The insert->submit p99 of each
interval comes from the rows' timestamps at the end. A least-squares slope per minute of
each curve says whether it stays flat; the run fails when a row is lost (not final, or
final without reaching the simulator). The curves go to a PNG (matplotlib, the ``bench``
extra); table and index sizes are reported at the end.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from hisms.engine.bench import e2e

# The claim's locking read (sql/postgresql/queries.sql, claim) for every priority, without
# its update.
CLAIM_PROBE = """
SELECT id FROM sms_outbox
WHERE status = 0 AND priority BETWEEN 0 AND 9
  AND (send_at IS NULL OR send_at <= now())
  AND (next_attempt_at IS NULL OR next_attempt_at <= now())
ORDER BY priority, id LIMIT %s FOR UPDATE SKIP LOCKED
"""
PENDING = "SELECT count(*) FROM sms_outbox WHERE status = 0"
# insert->submit p99 of the rows created in each interval since the start.
SUBMIT_P99 = """
SELECT floor(extract(epoch FROM created_at - %(start)s) / %(every)s)::int AS n,
       percentile_cont(0.99) WITHIN GROUP (
           ORDER BY 1000 * extract(epoch FROM submitted_at - created_at)::float8)
FROM sms_outbox WHERE id BETWEEN %(lo)s AND %(hi)s AND submitted_at IS NOT NULL
GROUP BY 1 ORDER BY 1
"""
# Partitions (and their indexes) count in their partitioned table's (index's) figure.
SIZES = """
SELECT r.relname, CASE WHEN r.relkind IN ('r', 'p') THEN 'r' ELSE 'i' END,
       sum(pg_relation_size(c.oid))::bigint AS size
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class r ON r.oid = coalesce(pg_partition_root(c.oid), c.oid)
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
GROUP BY r.relname, r.relkind
HAVING sum(pg_relation_size(c.oid)) > 0
ORDER BY size DESC
"""
LOST = """
SELECT count(*) FILTER (WHERE status < 3), count(*) FILTER (WHERE status <> 3)
FROM sms_outbox WHERE id BETWEEN %s AND %s
"""


@dataclass(frozen=True, slots=True)
class Options:
    rate: float = 1000.0
    minutes: float = 30.0
    plot: Path = Path("soak.png")
    batch_size: int = 500
    report_delay: float = 0.1

    def sample_seconds(self) -> float:
        """Once a minute; at least ten samples in a run shorter than ten minutes."""
        return min(60.0, self.minutes * 60 / 10)


def run(base: Any, opts: Options) -> dict[str, Any]:
    """Run the soak on the configured (scratch) PostgreSQL database; figures and curves."""
    try:
        return _run(base, opts)
    except psycopg.Error as exc:
        raise e2e.BenchError(f"PostgreSQL: {exc}") from exc


def _run(base: Any, opts: Options) -> dict[str, Any]:
    url = e2e._postgres(base.database.url.get_secret_value())
    tag = f"bench-soak-{uuid.uuid4().hex[:8]}"
    e2e_opts = e2e.Options(
        count=1, rate=opts.rate, batch_size=opts.batch_size, report_delay=opts.report_delay
    )
    every = opts.sample_seconds()
    samples: list[dict[str, Any]] = []
    with psycopg.connect(url, autocommit=True) as conn:
        e2e._check_scratch(conn, force=False)
        kids = e2e._Children()
        try:
            port = kids.start_simulator("cmpp", opts.report_delay, "")
            kids.start_engine(e2e._settings(base, e2e_opts, port, e2e._free_port()))
            start = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
            lo, hi = _feed(conn, opts, tag, kids, every, samples)
            e2e._wait(conn, lo, hi, kids)
        finally:
            used = kids.stop()
        unfinished, not_delivered = e2e._row(conn, LOST, (lo, hi))
        params = {"start": start, "every": every, "lo": lo, "hi": hi}
        p99: dict[int, float] = {n: v for n, v in conn.execute(SUBMIT_P99, params).fetchall()}
        sizes = conn.execute(SIZES).fetchall()
    for n, sample in enumerate(samples):
        sample["submit_p99_ms"] = _round(p99.get(n))
    rows = hi - lo + 1
    submits = used.get("simulator", {}).get("submits")
    result = {
        "benchmark": "soak",
        "database": "postgresql",
        "rate": opts.rate,
        "minutes": opts.minutes,
        "sample_seconds": every,
        "rows": rows,
        "unfinished": unfinished,
        "not_delivered": not_delivered,
        "simulator_submits": submits,
        "lost": unfinished + max(0, rows - (submits or 0)),
        "slopes_per_minute": _slopes(samples),
        "samples": samples,
        "table_bytes": {name: size for name, kind, size in sizes if kind == "r"},
        "index_bytes": {name: size for name, kind, size in sizes if kind == "i"},
        "plot": str(opts.plot),
    }
    _plot(samples, opts, opts.plot)
    return result


def _feed(
    conn: psycopg.Connection[Any],
    opts: Options,
    tag: str,
    kids: Any,
    every: float,
    samples: list[dict[str, Any]],
) -> tuple[int, int]:
    """INSERT at ``opts.rate`` for ``opts.minutes``, one INSERT every 10 ms, sampling every
    ``every`` seconds; the id range inserted."""
    total = max(1, round(opts.rate * opts.minutes * 60))
    per = max(1, round(opts.rate / 100))
    started = time.monotonic()
    next_sample = started
    lo: int | None = None
    hi = done = 0
    while done < total:
        now = time.monotonic()
        if now >= next_sample:
            samples.append(_sample(conn, kids, now - started, opts.batch_size))
            next_sample += every
        n = min(per, total - done)
        time.sleep(max(0.0, started + (done + n) / opts.rate - time.monotonic()))
        params = {"tag": tag, "content": e2e.CONTENT, "first": done + 1, "last": done + n}
        first, hi = e2e._row(conn, e2e.INSERT_ROWS, params)
        lo = first if lo is None else lo
        done += n
        kids.check()
    samples.append(_sample(conn, kids, time.monotonic() - started, opts.batch_size))
    assert lo is not None
    return lo, hi


def _sample(conn: psycopg.Connection[Any], kids: Any, at: float, batch: int) -> dict[str, Any]:
    began = time.perf_counter()
    with conn.transaction(force_rollback=True):
        conn.execute(CLAIM_PROBE, (batch,)).fetchall()
    claim_ms = 1000 * (time.perf_counter() - began)
    pids = {name: proc.pid for name, proc in kids.processes().items()}
    backends = [pid for (pid,) in conn.execute(e2e.BACKENDS).fetchall()]
    rss = {name: _rss_mb([pid]) for name, pid in pids.items()}
    rss["bench"] = _rss_mb([os.getpid()])
    # A backend's VmRSS grows with the shared buffers it touches: count its own memory only.
    rss["postgresql"] = _rss_mb(backends, "RssAnon:")
    return {
        "minute": round(at / 60, 3),
        "claim_ms": round(claim_ms, 2),
        "pending": e2e._one(conn, PENDING),
        "rss_mb": rss,
    }


def _rss_mb(pids: Sequence[int | None], field: str = "VmRSS:") -> float | None:
    """The resident memory of these processes, summed (``field`` of /proc/PID/status)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                line = next(s for s in status if s.startswith(field))
        except (OSError, StopIteration):
            continue
        total += int(line.split()[1])
    return round(total / 1024, 1) if total else None


def _series(samples: Sequence[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """Each curve as (minute, value) points, skipping missing values."""
    curves: dict[str, list[tuple[float, float]]] = {}
    for s in samples:
        values = {"claim_ms": s["claim_ms"], "submit_p99_ms": s.get("submit_p99_ms")}
        values.update({f"rss_mb.{k}": v for k, v in s["rss_mb"].items()})
        for name, value in values.items():
            if value is not None:
                curves.setdefault(name, []).append((s["minute"], float(value)))
    return curves


def _slopes(samples: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Least-squares slope per minute of each curve after the first sample, taken while the
    processes warm up (None with fewer than 3 points)."""
    slopes: dict[str, float | None] = {}
    for name, points in _series(samples[1:]).items():
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        fit = len(points) >= 3 and len(set(xs)) > 1
        slopes[name] = round(statistics.linear_regression(xs, ys).slope, 3) if fit else None
    return slopes


def _plot(samples: Sequence[dict[str, Any]], opts: Options, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise e2e.BenchError(
            "the soak's plot needs matplotlib: pip install 'hisms[bench]'"
        ) from exc
    curves = _series(samples)
    fig, (mem, claim, submit) = plt.subplots(3, 1, figsize=(9, 10), sharex=True)
    for name, points in curves.items():
        if name.startswith("rss_mb."):
            mem.plot(*zip(*points, strict=True), marker=".", label=name.removeprefix("rss_mb."))
    mem.set_ylabel("RSS (MB)")
    mem.legend(loc="upper left", fontsize="small")
    for axis, name, label in (
        (claim, "claim_ms", "claim (ms)"),
        (submit, "submit_p99_ms", "insert->submit p99 (ms)"),
    ):
        if curves.get(name):
            axis.plot(*zip(*curves[name], strict=True), marker=".")
        axis.set_ylabel(label)
        axis.set_ylim(bottom=0)
    submit.set_xlabel("minutes")
    fig.suptitle(f"hisms bench soak: {opts.rate:g} msgs/s offered for {opts.minutes:g} min")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
