"""SIGTERM drains, a second signal exits at once (issue 22).

A slow gateway (every answer after ``ANSWER_AFTER``) keeps one window on the wire and
hundreds of claimed rows queued behind it when the signal comes. Drained, the engine
exits 0 with no row left SENDING: what it had not sent is PENDING again at once (not
after the lease), what was on the wire was answered and written back; a second engine
sends the rest and nothing goes out twice. A second signal exits at once and leaves
what kill -9 leaves: rows wait for their lease, at most the crash bound goes out twice.
"""

from __future__ import annotations

import signal
import time

import pytest

from hisms.carrier.simulator import Faults
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
from tests.waiting import wait_until

ROWS, WINDOW, ANSWER_AFTER = 1500, 16, 0.5


def _held_by(e2e: E2E, worker: str) -> int:
    sql = "SELECT count(*) FROM sms_outbox WHERE status = 1 AND locked_by = %s"
    return int(e2e.query(sql, worker)[0][0])


def _slow_run(e2e: E2E, lease: float) -> tuple[EngineProcess, float]:
    """An engine holding rows behind a slow gateway; (it, the seconds to SIGTERM it in)."""
    sim = e2e.simulator(report_delay=0.05, mo_rules=(), faults=Faults(resp_delay=ANSWER_AFTER))
    e2e.insert(rows(ROWS))
    engine = e2e.run(
        sim.port,
        window=WINDOW,
        response_timeout_seconds=4 * ANSWER_AFTER,
        drain_seconds=2,
        engine={**ENGINE, "lease_seconds": lease, "drain_seconds": 3},
    )
    accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
    wait_moving(
        e2e,
        lambda: accepted() >= WINDOW and _held_by(e2e, engine.worker) > 4 * WINDOW,
        "answers coming and rows queued behind the window",
        accepted,
    )
    return engine, time.monotonic()


def _finish(e2e: E2E) -> None:
    """A fresh engine on a quick gateway state sends what is left."""
    sim = e2e.sims[-1]
    sim.call(lambda: setattr(sim.sim.faults, "resp_delay", 0.0))
    e2e.run(sim.port, engine=ENGINE)
    wait_moving(e2e, e2e.all_final(ROWS), "every row final after the stop", e2e.counts)


@pytest.mark.slow
def test_sigterm_hands_back_unsent_rows_at_once_and_exits_0(e2e: E2E) -> None:
    lease = 120.0  # far longer than the test: a row back before it was handed back
    engine, _ = _slow_run(e2e, lease)
    held = _held_by(e2e, engine.worker)
    started = time.monotonic()
    engine.proc.send_signal(signal.SIGTERM)
    code = engine.proc.wait(timeout=30)
    took = time.monotonic() - started
    assert code == 0, engine.log()[-3000:]
    engine.killed = True  # stopped on purpose: the waits below must not fail on its exit
    assert _held_by(e2e, engine.worker) == 0, "rows left SENDING for their lease"
    back = e2e.query(
        "SELECT count(*), max(attempts), bool_and(next_attempt_at <= now()) FROM sms_outbox "
        "WHERE status = 0 AND error_text LIKE '%engine stopping%' AND locked_until IS NULL"
    )[0]
    assert back[0] > 0 and back[1] == 0 and back[2], back  # attempt given back, due now
    assert "queued parts handed back" in engine.log()

    _finish(e2e)
    sim = e2e.sims[-1]
    duplicates = summary(sim, ROWS, 0, held_at_sigterm=held, handed_back=back[0], stop_s=took)
    assert duplicates == 0  # nothing on the wire was abandoned: no part sent twice
    counts = check_statuses(e2e, sim)
    assert counts == {3: ROWS}


@pytest.mark.slow
def test_a_second_signal_exits_at_once_with_the_guarantees_of_kill_9(e2e: E2E) -> None:
    engine, _ = _slow_run(e2e, ENGINE["lease_seconds"])
    engine.proc.send_signal(signal.SIGTERM)
    # Sent together, both would be pending at once and the kernel delivers SIGINT first.
    wait_until(lambda: "SIGTERM: draining" in engine.log(), 10, "the drain", engine.log)
    engine.proc.send_signal(signal.SIGINT)
    engine.killed = True  # not a clean stop: e2e.close expects no 0 from it
    code = engine.proc.wait(timeout=10)
    assert code == 128 + signal.SIGINT, engine.log()[-3000:]
    assert "exiting without draining" in engine.log()

    _finish(e2e)  # the rows it held come back after their lease
    sim = e2e.sims[-1]
    bound = crash_bound()
    duplicates = summary(sim, ROWS, bound)
    assert 0 <= duplicates <= bound
    assert check_statuses(e2e, sim) == {3: ROWS}
