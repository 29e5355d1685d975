"""Several worker processes claiming from one queue: every row exactly once."""

from __future__ import annotations

from hisms.engine.bench import claim as bench
from hisms.engine.store import open_store

ROWS = 10_000


def test_workers_in_separate_processes_process_every_row_once(db_url: str) -> None:
    bench.fill(db_url, ROWS)
    results = bench.drain_parallel(db_url, workers=3, batch_size=200)
    processed = [i for r in results for i in r]
    assert len(processed) == ROWS and len(set(processed)) == ROWS
    assert sum(1 for r in results if r) >= 2, "the claim should spread over the workers"
    store = open_store(db_url)
    assert store.status_counts()["SUBMITTED"] == ROWS
    store.close()
