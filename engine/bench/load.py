"""Benchmarks of intake, backlog sensitivity and urgent latency under load.

Each returns a dict (printed as JSON by ``hisms bench``) carrying its
configuration beside its figures, so a result can be compared and reproduced.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from typing import Any

from pydantic import SecretStr

from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.bench.claim import fill
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, NewMessage, WriteBack
from hisms.engine.worker import Engine


def _write(url: str, writer: int, rows: int, batch_size: int) -> int:
    """One HIS-like writer: ``rows`` inserts, ``batch_size`` rows per transaction."""
    store = open_store(url)
    try:
        for start in range(0, rows, batch_size):
            count = min(batch_size, rows - start)
            store.enqueue(
                [
                    NewMessage(
                        f"139{writer:02d}{(start + i) % 10**6:06d}",
                        "检查结果已出，请登录查看。",
                        "BENCH",
                        f"w{writer}-{start + i}",
                    )
                    for i in range(count)
                ],
                f"bench-writer-{writer}",
            )
    finally:
        store.close()
    return rows


def intake(url: str, rows: int, writers: int, batch_size: int) -> dict[str, Any]:
    """Rows/s inserted by ``writers`` concurrent processes (batch_size 1 = single-row INSERTs)."""
    per_writer = rows // writers
    ctx = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ctx.Pool(writers) as pool:
        done = sum(pool.starmap(_write, [(url, w, per_writer, batch_size) for w in range(writers)]))
    elapsed = time.perf_counter() - started
    return {
        "benchmark": "intake",
        "database": _dialect(url),
        "rows": done,
        "writers": writers,
        "batch_size": batch_size,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(done / elapsed, 1),
    }


def backlog(url: str, sizes: list[int], batch_size: int, samples: int) -> dict[str, Any]:
    """Claim + acknowledge latency with growing numbers of pending rows: flat means the
    partial index carries the claim."""
    results = []
    pending = 0
    for size in sorted(sizes):
        fill(url, size - pending)
        pending = size
        store = open_store(url)
        try:
            timings = [_claim_once(store, batch_size) for _ in range(samples)]
        finally:
            store.close()
        pending -= samples * batch_size
        results.append(
            {
                "pending": size,
                "claim_ms_p50": _ms(statistics.median(timings)),
                "claim_ms_max": _ms(max(timings)),
            }
        )
    return {
        "benchmark": "backlog",
        "database": _dialect(url),
        "batch_size": batch_size,
        "samples": samples,
        "results": results,
    }


def _claim_once(store: Any, batch_size: int) -> float:
    started = time.perf_counter()
    batch = store.claim("bench-backlog", BULK, batch_size, 60)
    store.write_back(
        "bench-backlog",
        WriteBack(
            finals=[
                {
                    "id": c.id,
                    "attempt": c.attempt,
                    "status": 7,
                    "channel": None,
                    "error_code": "BENCH",
                    "error_text": "cancelled by the backlog benchmark",
                }
                for c in batch
            ]
        ),
    )
    return time.perf_counter() - started


def priority(url: str, bulk: int, urgent: int, batch_size: int) -> dict[str, Any]:
    """Insert->submit latency of priority-0 rows inserted while a bulk backlog drains
    through the engine (loopback carrier, so the queue is what is measured)."""
    fill(url, bulk)
    settings = Settings(
        database=DatabaseConfig(url=SecretStr(url)),
        engine=EngineConfig(worker_id="bench-priority", batch_size=batch_size),
        validation=ValidationConfig(default_signature="医院"),
        channels=[ChannelConfig(name="bench", protocol="loopback")],
    )
    store = open_store(url)
    try:
        latencies = asyncio.run(_priority_run(settings, store, urgent))
        left = store.status_counts().get("PENDING", 0)
    finally:
        store.close()
    return {
        "benchmark": "priority",
        "database": _dialect(url),
        "bulk_rows": bulk,
        "urgent_rows": len(latencies),
        "batch_size": batch_size,
        "bulk_pending_at_end": left,
        "urgent_submit_ms_p50": _ms(statistics.median(latencies)),
        "urgent_submit_ms_max": _ms(max(latencies)),
    }


async def _priority_run(settings: Settings, store: Any, urgent: int) -> list[float]:
    carrier = LoopbackCarrier("bench", report_delay=0.01)
    engine = Engine(settings, store, {"bench": carrier})
    task = asyncio.create_task(engine.run())
    latencies: list[float] = []
    try:
        for n in range(urgent):
            await asyncio.sleep(0.1)
            seen = len(carrier.submitted)
            sent = time.perf_counter()
            (oid,) = await asyncio.to_thread(
                store.enqueue, [NewMessage("13800138000", f"危急值 {n}", priority=0)], "bench"
            )
            while not any(s.key.outbox_id == oid for s in carrier.submitted[seen:]):
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - sent)
    finally:
        engine.stop()
        await task
    return latencies


def _dialect(url: str) -> str:
    store = open_store(url)
    store.close()
    return store.dialect


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
