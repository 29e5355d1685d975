"""PostgreSQL primary failover under a running engine (issue 22).

A primary and a streaming standby (synchronous: a commit waits for the standby), the
engine on a multi-host URL with ``target_session_attrs=read-write``. The primary dies
(immediate stop, as a crash) and the standby is promoted: the pool and the LISTEN
connection find the new primary by themselves, every row ends final, and only what
was in flight when the primary died can have been sent twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hisms.engine.store import open_store
from tests.integration.faults.conftest import (
    E2E,
    ENGINE,
    Cluster,
    check_statuses,
    crash_bound,
    rows,
    simulator_counters,
    summary,
    wait_moving,
)

# The 20,000-row run: HISMS_FAILOVER_ROWS=20000 (4,000 keep `make test` quick).
ROWS = int(os.environ.get("HISMS_FAILOVER_ROWS", "4000"))


def _multi_host(primary: Cluster, standby: Cluster) -> str:
    hosts = f"127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
    return f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write"


@pytest.mark.slow
def test_a_failover_to_the_promoted_standby_loses_nothing(
    private_pg: Cluster, standby: Cluster, tmp_path: Path
) -> None:
    url = _multi_host(private_pg, standby)
    store = open_store(url)  # the standby refuses writes: the primary is the one found
    store.upgrade()
    store.close()
    world = E2E(tmp_path, url)
    try:
        sim = world.simulator(report_delay=0.1, fail_ratio=0.05, seed=37, mo_rules=())
        world.insert(rows(ROWS))
        engine = world.run(sim.port, engine=ENGINE)
        accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
        wait_moving(world, lambda: accepted() >= ROWS // 3, "traffic before the failover", accepted)
        private_pg.stop("immediate")  # the primary crashes
        standby.promote()
        wait_moving(
            world, world.all_final(ROWS), "every row final on the new primary", world.counts
        )

        c = simulator_counters(sim)
        # The batches in flight when the primary died: their write-back is retried for a
        # lease and may give up, so they are claimed and sent again.
        bound = crash_bound()
        duplicates = summary(sim, ROWS, bound, handset_duplicates=c.duplicates)
        counts = check_statuses(world, sim)
        print(f"statuses {counts}")
        assert sum(counts.values()) == ROWS and set(counts) <= {3, 4}
        assert 0 <= duplicates <= bound
        assert engine.proc.poll() is None
        assert "LISTEN connection lost" in engine.log()  # it did lose the old primary
        # Writes went to the promoted standby: the old primary is gone.
        assert world.query("SELECT pg_is_in_recovery(), inet_server_port()") == [
            (False, standby.port)
        ]
    finally:
        world.close()
