"""Gateway faults not covered by tests/integration/e2e/test_cmpp_faults.py (a drop with a
full window, flow control, a wrong secret): answers that never come, and duplicated,
shuffled and unknown delivery reports.
"""

from __future__ import annotations

import pytest

from hisms.carrier.simulator import Faults
from tests.integration.faults.conftest import (
    E2E,
    check_statuses,
    rows,
    silent_server,
    simulator_counters,
    summary,
    wait_moving,
)
from tests.integration.monitoring.conftest import SimAt, sim_config

WINDOW, CONNECTIONS = 16, 2
LINKS = {"window": WINDOW, "connections": CONNECTIONS, "response_timeout_seconds": 2}


@pytest.mark.slow
def test_a_gateway_that_stops_answering_gets_each_part_again_and_sends_none_twice(
    e2e: E2E,
) -> None:
    total = 2000
    sim = e2e.simulator(report_delay=0.05, mo_rules=(), faults=Faults(no_resp=True))
    e2e.insert(rows(total))
    engine = e2e.run(sim.port, **LINKS)
    # Both windows fill and go unanswered; then the gateway recovers.
    e2e.wait(
        lambda: simulator_counters(sim).unanswered >= WINDOW * CONNECTIONS,
        timeout=30,
        what="full windows without answers",
    )
    sim.call(lambda: setattr(sim.sim.faults, "no_resp", False))
    wait_moving(e2e, e2e.all_final(total), "every row final once answers come", e2e.counts)

    c = simulator_counters(sim)
    # Every extra SUBMIT is a part sent again after its answer never came; the gateway
    # did not take those, so no handset got anything twice.
    duplicates = summary(
        sim, total, c.unanswered, unanswered=c.unanswered, handset_duplicates=c.duplicates
    )
    assert duplicates == c.unanswered > 0 and c.duplicates == 0
    assert check_statuses(e2e, sim) == {3: total}
    assert "(no answer in time), resend 1" in engine.log()


@pytest.mark.slow
def test_lost_submit_answers_duplicate_at_most_one_window_per_connection(e2e: E2E) -> None:
    total, lost, first = 2000, WINDOW * CONNECTIONS, 300
    sim = e2e.simulator(report_delay=0.05, mo_rules=())
    batch = rows(total)
    e2e.insert(batch[:first])
    e2e.run(sim.port, **LINKS)
    e2e.wait(lambda: simulator_counters(sim).accepted >= first, timeout=30, what="traffic")
    # The gateway takes the next parts and sends them on, but its answers are lost: the
    # client waits response_timeout_seconds, then submits them again. The rest of the rows
    # come only now, so the engine cannot have sent them all before the fault is armed.
    sim.call(lambda: setattr(sim.sim.faults, "lose_answers", lost))
    e2e.insert(batch[first:])
    wait_moving(e2e, e2e.all_final(total), "every row final after the lost answers", e2e.counts)

    c = simulator_counters(sim)
    bound = WINDOW * CONNECTIONS  # answers outstanding at once: one timeout's worth of resends
    duplicates = summary(sim, total, bound, handset_duplicates=c.duplicates)
    assert duplicates == c.duplicates == c.unanswered == lost <= bound
    assert check_statuses(e2e, sim) == {3: total}
    # The reports of the copies whose answer was lost name ids the engine never learnt:
    # kept in sms_report_unmatched (never dropped), not applied to anything.
    e2e.wait(lambda: _unmatched(e2e) == lost, timeout=30, what="reports of the lost copies parked")


def test_a_gateway_slower_than_the_lease_does_not_get_the_rows_again(e2e: E2E) -> None:
    """Every answer comes after more than a lease: the heartbeat (every lease/3) keeps the
    rows with their worker, so reclaim (every 0.1 s) takes none back to send again."""
    total, lease, answer_after = 16, 1.5, 3.0
    sim = e2e.simulator(report_delay=0.05, mo_rules=(), faults=Faults(resp_delay=answer_after))
    e2e.insert(rows(total))
    engine = e2e.run(
        sim.port,
        window=total,
        response_timeout_seconds=4 * answer_after,
        engine={"lease_seconds": lease, "reclaim_every_seconds": 0.1},
    )
    attempts = "SELECT min(attempts), max(attempts) FROM sms_outbox"
    all_final = e2e.all_final(total)
    took = e2e.wait(
        lambda: e2e.query(attempts)[0][1] > 1 or all_final(),
        timeout=30,
        what="every row final (or one claimed again)",
    )
    assert e2e.query(attempts) == [(1, 1)], "rows in flight were reclaimed and claimed again"
    assert took > answer_after
    assert simulator_counters(sim).submits == total
    assert "reclaimed" not in engine.log()


@pytest.mark.slow
def test_duplicated_shuffled_and_unknown_reports_leave_every_status_right(e2e: E2E) -> None:
    total = 4000
    faults = Faults(duplicate_ratio=0.3, shuffle_reports=True, unknown_report_ratio=0.05)
    sim = e2e.simulator(report_delay=0.05, fail_ratio=0.1, seed=31, mo_rules=(), faults=faults)
    e2e.insert(rows(total))
    engine = e2e.run(sim.port)
    wait_moving(e2e, e2e.all_final(total), "every row final", e2e.counts)
    unknown = simulator_counters(sim).unknown_reports
    e2e.wait(lambda: _unmatched(e2e) == unknown, timeout=30, what="unknown reports parked")

    c = simulator_counters(sim)
    parked_then_matched = e2e.query(
        "SELECT count(*) FROM sms_report_unmatched WHERE matched_at IS NOT NULL"
    )[0][0]
    duplicates = summary(
        sim,
        total,
        0,
        reports_sent=c.reports_sent,
        duplicate_reports=c.duplicate_reports,
        unknown_reports=unknown,
        early_reports_matched_later=parked_then_matched,
    )
    assert duplicates == 0 and c.duplicate_reports > 0 and unknown > 0
    counts = check_statuses(e2e, sim)  # first report wins; a duplicate changes nothing
    print(f"statuses {counts}")
    assert set(counts) == {3, 4} and sum(counts.values()) == total
    # Parked reports are exactly the unknown ids: every known one found its part.
    known = e2e.query(
        "SELECT count(*) FROM sms_report_unmatched u JOIN sms_segment s "
        "ON s.carrier_msg_id = u.carrier_msg_id WHERE u.matched_at IS NULL"
    )
    assert known == [(0,)]
    assert "Traceback" not in engine.log()


def _unmatched(e2e: E2E) -> int:
    return int(
        e2e.query("SELECT count(*) FROM sms_report_unmatched WHERE matched_at IS NULL")[0][0]
    )


@pytest.mark.slow
def test_a_gateway_that_never_answers_the_login_holds_nothing_and_loses_nothing(
    e2e: E2E,
) -> None:
    """The gateway accepts TCP and says nothing: each login gives up after
    connect_timeout_seconds, the channel is marked DOWN, the rows wait PENDING without
    spending attempts; a working gateway at the same address then sends each once."""
    total = 300
    e2e.insert(rows(total))
    with silent_server() as port:
        engine = e2e.run(port, connect_timeout_seconds=1, engine={"max_attempts": 2})
        waiting = "SELECT count(*), max(attempts) FROM sms_outbox WHERE error_code = %s"
        wait_moving(
            e2e,
            lambda: e2e.query(waiting, "WAITING_CHANNEL")[0][0] == total,
            "the channel DOWN and every row waiting for it",
            engine.log,
        )
        assert "cannot log in to the gateway" in engine.log() and "is DOWN" in engine.log()
        # Waiting is no attempt: nothing fails however long the gateway stays silent.
        assert e2e.query(waiting, "WAITING_CHANNEL") == [(total, 0)]
        assert e2e.counts() == {0: total}
    sim = SimAt(sim_config(), port)
    e2e.sims.append(sim)
    wait_moving(e2e, e2e.all_final(total), "every row final at the working gateway", e2e.counts)
    assert summary(sim, total, 0) == 0
    assert check_statuses(e2e, sim) == {3: total}
