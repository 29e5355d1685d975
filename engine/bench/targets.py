"""``hisms bench targets``: the performance issue's table, each figure measured RUNS times on
a fresh scratch database, with its median, range, target and the machine's load.

Each run is the figure's own ``hisms bench`` command in a child process (as a person would
run it), against a database made for that run and dropped after it; the load average is
read before and after, so a figure taken on a busy machine says so.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

SCRATCH = "hisms_bench_targets"


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    args: tuple[str, ...]  # after `hisms bench`
    quick: tuple[str, ...]  # the same, small enough for a test
    value: Callable[[dict[str, Any]], float]
    unit: str
    target: float
    higher_is_better: bool = True

    def met(self, median: float) -> bool:
        return median >= self.target if self.higher_is_better else median <= self.target


def _at(*path: str) -> Callable[[dict[str, Any]], float]:
    def get(result: dict[str, Any]) -> float:
        value: Any = result
        for key in path:
            value = value[key]
        return float(value)

    return get


FIGURES = (
    Figure("e2e", "e2e INSERT -> DELIVERED, 100,000 rows", ("e2e", "--count", "100000"),
           ("e2e", "--count", "2000"), _at("messages_per_second"), "msgs/s", 10_000),
    Figure("e2e_1m", "e2e over 1,000,000 rows, sustained", ("e2e", "--count", "1000000"),
           ("e2e", "--count", "3000"), _at("messages_per_second"), "msgs/s", 8_000),
    Figure("p99_4000", "p99 insert -> submit at 4,000/s offered",
           ("e2e", "--count", "120000", "--rate", "4000"),
           ("e2e", "--count", "1000", "--rate", "500"),
           _at("insert_to_submit_ms", "p99"), "ms", 300, higher_is_better=False),
    Figure("claim", "claim + ack", ("claim", "--rows", "50000", "--workers", "2",
                                    "--batch-size", "500"),
           ("claim", "--rows", "2000", "--workers", "2", "--batch-size", "500"),
           _at("rows_per_second"), "rows/s", 50_000),
    Figure("sendsms", "SOAP SendSms", ("intake", "--via", "sendsms", "--rows", "5000",
                                       "--writers", "8"),
           ("intake", "--via", "sendsms", "--rows", "50", "--writers", "2"),
           _at("requests_per_second"), "req/s", 1_000),
    Figure("sendbatch", "SendBatch 600,000 numbers",
           ("intake", "--via", "sendbatch", "--rows", "600000", "--writers", "1",
            "--batch-size", "600000"),
           ("intake", "--via", "sendbatch", "--rows", "2000", "--writers", "1",
            "--batch-size", "2000"),
           _at("seconds"), "s", 30, higher_is_better=False),
)  # fmt: skip
# Read beside SendBatch's seconds: its memory target (peak RSS <= 300 MB, memory returned).
EXTRA = {
    "e2e": ("cpu_us_per_message",),
    "sendbatch": ("server_peak_rss_mb", "server_rss_before_mb", "server_rss_after_mb"),
    "sendsms": ("server_cpu_ms_per_request",),
}


def run(
    url: str,
    keys: Sequence[str],
    runs: int,
    quick: bool,
    say: Callable[[str], None],
    scratch: str = SCRATCH,
) -> dict[str, Any]:
    """Every figure of ``keys`` ``runs`` times; ``url`` names the server (its database is
    only where scratch databases are made and dropped)."""
    if not make_url(url).get_backend_name().startswith("postgresql"):
        raise ValueError("the targets are PostgreSQL figures: configure a PostgreSQL server")
    chosen = [f for f in FIGURES if f.key in keys]
    results: dict[str, Any] = {}
    for figure in chosen:
        samples = []
        for n in range(runs):
            say(f"{figure.key}: run {n + 1} of {runs}")
            samples.append(_once(url, figure, quick, scratch))
        values = [s["value"] for s in samples]
        median = statistics.median(values)
        results[figure.key] = {
            "title": figure.title,
            "command": "hisms bench " + " ".join(figure.quick if quick else figure.args),
            "unit": figure.unit,
            "values": values,
            "median": median,
            "min": min(values),
            "max": max(values),
            "target": figure.target,
            "higher_is_better": figure.higher_is_better,
            "met": figure.met(median),
            "load": [s["load"] for s in samples],
            "extra": [s["extra"] for s in samples],
        }
    return {"benchmark": "targets", "runs": runs, "quick": quick, "figures": results}


def markdown(result: dict[str, Any]) -> str:
    """The table for BENCHMARKS.md: median and range of each figure beside its target."""
    lines = [
        "| figure | median | range | target | met | load (1-min avg, before/after each run) "
        "| command |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in result["figures"].values():
        sign = ">=" if f["higher_is_better"] else "<="
        loads = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in f["load"])
        lines.append(
            f"| {f['title']} | {f['median']:,.1f} {f['unit']} | {f['min']:,.1f}–{f['max']:,.1f} "
            f"| {sign} {f['target']:,} | {'yes' if f['met'] else 'no'} | {loads} "
            f"| `{f['command']}` |"
        )
    return "\n".join(lines)


def _once(url: str, figure: Figure, quick: bool, scratch: str) -> dict[str, Any]:
    target = make_url(url).set(database=scratch).render_as_string(hide_password=False)
    _recreate(url, scratch)
    try:
        env = {**os.environ, "HISMS_DATABASE__URL": target}
        subprocess.run(
            [sys.executable, "-m", "hisms", "db", "init"], env=env, check=True,
            capture_output=True, timeout=300,
        )  # fmt: skip
        before = os.getloadavg()[0]
        done = subprocess.run(
            [sys.executable, "-m", "hisms", "bench", *(figure.quick if quick else figure.args)],
            env=env, capture_output=True, text=True, timeout=7200,
        )  # fmt: skip
        after = os.getloadavg()[0]
        if done.returncode != 0:
            raise RuntimeError(f"hisms bench {figure.key} failed: {done.stderr[-2000:]}")
        result = json.loads(done.stdout)
        return {
            "value": figure.value(result),
            "load": (round(before, 2), round(after, 2)),
            "extra": {k: result.get(k) for k in EXTRA.get(figure.key, ())},
        }
    finally:
        time.sleep(1)  # the bench's own connections have closed
        _drop(url, scratch)


def _admin(url: str) -> psycopg.Connection[Any]:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, dbname=parsed.database or "postgres", autocommit=True,
    )  # fmt: skip


def _recreate(url: str, name: str) -> None:
    _drop(url, name)
    with _admin(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
