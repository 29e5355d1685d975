"""A flood of MO and delivery reports, ten times the submit rate, while the database cannot
store them: the engine holds at most engine.event_queue_limit events, then stops reading
its links (the gateway, unanswered, keeps the rest); its memory stays bounded and nothing
is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.integration.faults.conftest import (
    E2E,
    check_statuses,
    rows,
    simulator_counters,
    wait_moving,
)

MT, MT_RATE = 600, 100  # submits a second
# Replies and reports (for ids the gateway never issued, so each is a row of its own in
# sms_report_unmatched) a second: together ten times the submit rate.
FLOOD, FLOOD_RATE = 6000, 500
# The flood's reports (an early report of an MT is parked there too, with a 138 number).
FLOODED_REPORTS = "SELECT {} FROM sms_report_unmatched WHERE phone LIKE '137%'"
LIMIT = 300  # engine.event_queue_limit
LOCKED_SECONDS = 8  # sms_inbox and sms_report_unmatched locked: neither can be stored
# The engine's resident memory may grow by this much over its size once traffic runs:
# measured, 3 MB with the limit; 21 MB without it (the 8,000 replies of the lock held in
# memory with their PDUs and acks), and more the longer the database is away.
GROWTH_BOUND_MB = 12


def rss_mb(pid: int) -> float:
    """Resident memory of a process (psutil is not a dependency: /proc as ps reads it)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.mark.slow
def test_a_flood_of_mo_keeps_memory_bounded_and_loses_nothing(e2e: E2E) -> None:
    sim = e2e.simulator(mo_rules=(), report_delay=0.05)
    engine = e2e.run(sim.port, rate=MT_RATE, engine={"event_queue_limit": LIMIT})
    e2e.insert(rows(MT))
    e2e.wait(lambda: simulator_counters(sim).accepted >= 50, 30, "traffic")
    pid = engine.proc.pid
    baseline = rss_mb(pid)
    peak = baseline
    locked, release = threading.Event(), threading.Event()

    def hold_inbox() -> None:
        with psycopg.connect(e2e.url) as conn:
            conn.execute("LOCK TABLE sms_inbox, sms_report_unmatched IN EXCLUSIVE MODE")
            locked.set()
            release.wait(60)

    holder = threading.Thread(target=hold_inbox, daemon=True)
    holder.start()
    assert locked.wait(10)
    sim.call(lambda: sim.sim.flood_mo(FLOOD, FLOOD_RATE, e2e.src_number))
    sim.call(lambda: sim.sim.flood_reports(FLOOD, FLOOD_RATE, e2e.src_number))
    deadline = time.monotonic() + LOCKED_SECONDS
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.1)
    held = "the gateway links stop reading" in engine.log()
    release.set()
    holder.join(10)

    def stored() -> tuple[int, int]:
        nonlocal peak
        peak = max(peak, rss_mb(pid))
        replies = e2e.query("SELECT count(*) FROM sms_inbox")[0][0]
        reports = e2e.query(FLOODED_REPORTS.format("count(*)"))[0][0]
        return int(replies), int(reports)

    wait_moving(e2e, lambda: stored() == (FLOOD, FLOOD), "every reply and report stored", stored)
    wait_moving(e2e, e2e.all_final(MT), "every row final", e2e.counts)
    c = simulator_counters(sim)
    print(
        f"\nrss baseline={baseline:.1f}MB peak={peak:.1f}MB mo={FLOOD} reports={FLOOD} "
        f"acked={c.report_acks}"
    )
    assert held, "the engine never held reading back"
    assert peak - baseline < GROWTH_BOUND_MB
    # Nothing lost, nothing twice: one row per handset, every report and reply answered.
    assert e2e.query("SELECT count(DISTINCT phone) FROM sms_inbox")[0][0] == FLOOD
    assert e2e.query(FLOODED_REPORTS.format("count(DISTINCT phone)"))[0][0] == FLOOD
    assert check_statuses(e2e, sim) == {3: MT}
    assert c.report_acks >= MT + 2 * FLOOD
