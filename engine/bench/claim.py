"""``hisms bench claim``: throughput of the queue itself, as JSON a user can keep.

``claim`` measures rows/s claimed and acknowledged by the engine's own store code,
with no carrier: the ceiling the queue puts on everything else.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from hisms.carrier.base import utcnow
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, NewMessage, WriteBack

# Set in each pool process: the drains start claiming together, once every one has its
# connection, so the measure is of workers competing, not of process start-up.
_start: Any = None


def _ready(start: Any) -> None:
    global _start
    _start = start


def drain(url: str, worker: str, batch_size: int) -> list[int]:
    """Claim and acknowledge (as SUBMITTED) until the queue stays empty; the ids handled."""
    store = open_store(url)
    if _start is not None:
        _start.wait(60)
    handled: list[int] = []
    empty = 0
    try:
        while empty < 3:
            batch = store.claim(worker, BULK, batch_size, 60)
            if not batch:
                empty += 1
                continue
            empty = 0
            now = utcnow()
            rows = [
                {
                    "id": c.id,
                    "attempt": c.attempt,
                    "phone": c.phone,
                    "channel": "bench",
                    "segments": 1,
                    "carrier_msg_id": f"{worker}-{c.id}",
                    "submitted_at": now,
                }
                for c in batch
            ]
            store.write_back(worker, WriteBack(submitted=rows))
            handled.extend(c.id for c in batch)
    finally:
        store.close()
    return handled


def fill(url: str, rows: int, chunk: int = 5000) -> None:
    store = open_store(url)
    try:
        for start in range(0, rows, chunk):
            count = min(chunk, rows - start)
            store.enqueue(
                [NewMessage(f"138{(start + i) % 10**8:08d}", "bench") for i in range(count)],
                "bench",
            )
    finally:
        store.close()


def drain_parallel(url: str, workers: int, batch_size: int) -> list[list[int]]:
    """Run ``workers`` drains in separate processes; the ids each handled."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=_ready, initargs=(ctx.Barrier(workers),)) as pool:
        return pool.starmap(drain, [(url, f"bench-{n}", batch_size) for n in range(workers)])


def claim(url: str, rows: int, workers: int, batch_size: int) -> dict[str, Any]:
    store = open_store(url)
    dialect = store.dialect
    store.close()
    fill(url, rows)
    started = time.perf_counter()
    handled = drain_parallel(url, workers, batch_size)
    elapsed = time.perf_counter() - started
    total = sum(len(h) for h in handled)
    return {
        "benchmark": "claim",
        "database": dialect,
        "rows": rows,
        "workers": workers,
        "batch_size": batch_size,
        "handled": total,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(total / elapsed, 1),
    }
