"""kill -9 of ``hisms run`` while its batches are in flight, again and again, 20,000 rows.

Two engines share the outbox and the gateway account. Each time, one of them is
SIGKILLed while it holds claimed rows (no drain, no logout, no flush) and a
fresh one takes its place; the survivor reclaims the dead one's rows once their
lease expires and sends them again.
"""

from __future__ import annotations

import pytest

from tests.integration.faults.conftest import (
    E2E,
    ENGINE,
    EngineProcess,
    check_statuses,
    crash_bound,
    rows,
    simulator_counters,
    summary,
    wait_moving,
)

ROWS, KILLS = 20_000, 5


def _held_by(e2e: E2E, worker: str) -> int:
    """Rows ``worker`` has claimed (SENDING) and not written back."""
    sql = "SELECT count(*) FROM sms_outbox WHERE status = 1 AND locked_by = %s"
    return int(e2e.query(sql, worker)[0][0])


@pytest.mark.slow
@pytest.mark.timeout(300)  # 20,000 rows, two engines, five leases to expire: 17 s when measured
def test_kill_9_during_a_20000_row_run_loses_no_row_and_resends_only_what_was_in_flight(
    e2e: E2E,
) -> None:
    sim = e2e.simulator(report_delay=0.1, fail_ratio=0.05, seed=17, mo_rules=())
    e2e.insert(rows(ROWS))
    engines = [e2e.run(sim.port, engine=ENGINE) for _ in range(2)]
    accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
    step, held = ROWS // (KILLS + 2), []
    for kill in range(KILLS):
        victim, due = engines[kill % 2], (kill + 1) * step

        def in_flight(victim: EngineProcess = victim, due: int = due) -> bool:
            return (
                accepted() >= due
                and "logged in" in victim.log()
                and _held_by(e2e, victim.worker) > 0
            )

        wait_moving(
            e2e, in_flight, f"kill {kill + 1}: traffic and rows in flight with the victim", accepted
        )
        victim.kill9()
        held.append(_held_by(e2e, victim.worker))  # what it can have sent without a result
        engines[kill % 2] = e2e.run(sim.port, engine=ENGINE)

    # Reports are answered to the gateway only once stored: what a killed engine took but
    # had not stored, the gateway sends again, so every row reaches its final status.
    wait_moving(e2e, e2e.all_final(ROWS), "every row final", e2e.counts)

    bound = KILLS * crash_bound()
    c = simulator_counters(sim)
    # Parts a live link sent again (no answer in response_timeout_seconds on a slow machine).
    resent = sum(engine.log().count("resending part") for engine in e2e.engines)
    duplicates = summary(
        sim,
        ROWS,
        bound,
        held_at_kills="+".join(map(str, held)),
        resent_in_session=resent,
        handset_duplicates=c.duplicates,
        reports_redelivered=c.redelivered,
    )
    counts = check_statuses(e2e, sim)
    print(f"statuses {counts}")
    assert sum(counts.values()) == ROWS  # none lost
    assert set(counts) <= {3, 4}, "every row DELIVERED or FAILED"
    # No row ran out of attempts or lost its worker for good: failures are reports only.
    assert e2e.query("SELECT count(*) FROM sms_outbox WHERE error_code = 'WORKER_LOST'") == [(0,)]
    # Only the rows a killed engine held (and parts a link resent) can have gone out twice.
    assert 0 <= c.duplicates <= duplicates <= sum(held) + resent
    assert sum(held) <= bound and duplicates <= bound + resent
