"""The database goes away under a running engine: its sessions are terminated, the server restarts.

The engine must not exit: a claim that fails is logged and tried again, a
write-back is retried (for up to ``lease_seconds``), reports wait in memory for
the next flush, the pool and the LISTEN connection reconnect.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, StoreError
from tests.integration.faults.conftest import (
    E2E,
    ENGINE,
    Cluster,
    check_statuses,
    crash_bound,
    rows,
    silent_server,
    simulator_counters,
    summary,
    terminate_backends,
    wait_moving,
)
from tests.integration.monitoring.conftest import run_monitored


def _cut_during_run(e2e: E2E, total: int, cuts: int, cut: object) -> list[object]:
    """Insert, run one engine, and call ``cut()`` ``cuts`` times as traffic flows; its results."""
    sim = e2e.sims[-1]
    e2e.insert(rows(total))
    e2e.run(sim.port, engine=ENGINE)
    step, done = total // (cuts + 1), []
    accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
    for n in range(1, cuts + 1):
        wait_moving(
            e2e,
            lambda due=n * step: accepted() >= due,  # type: ignore[misc]
            f"traffic before cut {n}",
            accepted,
        )
        done.append(cut())  # type: ignore[operator]
    wait_moving(e2e, e2e.all_final(total), f"{total} rows final after {cuts} cuts", e2e.counts)
    return done


def _assert_nothing_lost(e2e: E2E, total: int, bound: int, **more: object) -> None:
    sim = e2e.sims[-1]
    c = simulator_counters(sim)
    duplicates = summary(sim, total, bound, handset_duplicates=c.duplicates, **more)
    counts = check_statuses(e2e, sim)
    print(f"statuses {counts}")
    assert sum(counts.values()) == total and set(counts) <= {3, 4}
    assert 0 <= duplicates <= bound
    assert e2e.engines[-1].proc.poll() is None  # survived; e2e.close checks a clean stop


@pytest.mark.slow
def test_terminated_database_sessions_lose_nothing_and_the_engine_reconnects(e2e: E2E) -> None:
    total, cuts = 8000, 5
    e2e.simulator(report_delay=0.1, fail_ratio=0.05, seed=23, mo_rules=())
    terminated = _cut_during_run(e2e, total, cuts, lambda: terminate_backends(e2e.url))
    # A cut can cost a batch whose write-back gave up (lease_seconds): it is sent again.
    _assert_nothing_lost(e2e, total, cuts * crash_bound(), sessions_terminated=terminated)
    assert all(n > 0 for n in terminated)  # type: ignore[operator]
    assert "LISTEN connection lost" in e2e.engines[-1].log()


@pytest.mark.slow
def test_a_postgresql_restart_loses_nothing_and_the_engine_reconnects(
    private_pg: Cluster, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    total, restarts = 6000, 2
    store = open_store(private_pg.url)
    store.upgrade()
    store.close()
    world = E2E(tmp_path, private_pg.url)
    try:
        world.simulator(report_delay=0.1, fail_ratio=0.05, seed=29, mo_rules=())
        _cut_during_run(world, total, restarts, private_pg.restart)
        _assert_nothing_lost(world, total, restarts * crash_bound(), restarts=restarts)
        log = world.engines[-1].log()
        assert "terminating connection due to administrator command" in log or "closed" in log
    finally:
        world.close()


def test_listen_waits_between_reconnects_while_the_server_is_down(private_pg: Cluster) -> None:
    """Without a pause, the LISTEN thread tried to connect in a hot loop for the whole outage
    (hundreds of refused connections and warnings per second of a restart)."""
    store = open_store(private_pg.url)
    store.upgrade()
    try:
        assert store.wait_for_work(0.1) is None  # connected and listening, nothing inserted
        private_pg.stop()
        started, slice_ = time.monotonic(), 0.3
        assert [store.wait_for_work(slice_) for _ in range(3)] == [None] * 3
        # One call notices the lost connection; every failed reconnect takes its slice.
        assert time.monotonic() - started >= 2 * slice_
        private_pg.start()
        store.wait_for_work(0.1)  # listening again
        for _ in range(5):  # the pool discards its dead connections one failure at a time
            try:
                store.enqueue([NewMessage(phone="13800138000", content="x", priority=0)], "t")
                break
            except StoreError:
                continue
        assert store.wait_for_work(10) == 0  # woken by the insert's NOTIFY
    finally:
        store.close()


REPLIES = 50  # MO sent while the database refuses writes


def _read_only(url: str, on: bool) -> None:
    """The database refuses writes from new sessions (as a full disk or a standby does);
    the sessions already open are terminated so that the engine's are refused too."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")  # this session may write
        name = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        setting = (
            "SET default_transaction_read_only = on"
            if on
            else "RESET default_transaction_read_only"
        )
        conn.execute(f'ALTER DATABASE "{name}" {setting}')
    if on:
        terminate_backends(url)


@pytest.mark.slow
def test_a_database_refusing_writes_stops_claims_raises_the_alarm_and_loses_nothing(
    e2e: E2E,
) -> None:
    """Claims stop; reports and replies that arrive are held unanswered (the gateway keeps
    them) until they are stored; the database_down alarm; all resumes by itself."""
    total = 3000
    sim = e2e.simulator(report_delay=0.1, fail_ratio=0.05, seed=41, mo_rules=())
    e2e.insert(rows(total))
    alarms = {
        "enabled": True,
        "every_seconds": 0.2,
        "database_down_seconds": 1,
        "clear_after_seconds": 1,
    }
    monitoring = {"enabled": True, "port": 0, "probe_every_seconds": 0.2}
    engine = run_monitored(
        e2e, sim.port, {"monitoring": monitoring, "alarms": alarms}, engine=ENGINE
    )
    accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
    wait_moving(e2e, lambda: accepted() >= total // 3, "traffic before the fault", accepted)

    _read_only(e2e.url, on=True)
    # Replies come in as writes are refused, beside the reports of what was in flight; at
    # once, while the links are up (after share_ttl_seconds/2 without a renewal of its
    # connection slots the engine closes them, and the gateway keeps the rest).
    sim.call(lambda: sim.sim.flood_mo(REPLIES, 10_000, e2e.src_number))
    wait_moving(e2e, lambda: "ALARM database_down" in engine.log(), "the alarm", engine.log)
    log = engine.log()
    assert "writes refused" in log and "read-only transaction" in log
    held = e2e.counts()
    before = simulator_counters(sim)
    answered, reported = before.report_acks, before.reports_sent
    # Nothing is claimed while writes are refused: what was in flight is all that moves.
    time.sleep(2)
    assert accepted() - held.get(2, 0) - held.get(3, 0) - held.get(4, 0) <= crash_bound()
    c = simulator_counters(sim)
    assert c.mo_sent == REPLIES  # the gateway did send them
    print(f"\nwhile refused: {REPLIES} replies and {c.reports_sent - reported} reports sent")
    # ...and none is answered, as none is stored: the gateway keeps them all.
    assert e2e.query("SELECT count(*) FROM sms_inbox") == [(0,)]
    assert c.report_acks == answered, "a report or reply was answered while unstored"

    _read_only(e2e.url, on=False)  # the engine's read-only sessions are not terminated
    wait_moving(e2e, e2e.all_final(total), "every row final once writes are taken", e2e.counts)
    wait_moving(e2e, lambda: "RECOVERED database_down" in engine.log(), "recovery", engine.log)
    # Reports were answered only once stored: none was lost while the database refused them.
    _assert_nothing_lost(e2e, total, crash_bound())
    raised = e2e.query("SELECT count(*) FROM sms_alarm WHERE alarm = 'database_down'")
    assert raised[0][0] >= 1  # journaled once the database took writes again
    # Every DELIVER the gateway sent is answered or was sent again (its connection closed
    # unanswered: a refusal longer than share_ttl_seconds/2 closes this engine's links).
    c = simulator_counters(sim)
    settled = lambda: c.report_acks + c.redelivered == c.reports_sent + c.mo_sent  # noqa: E731
    wait_moving(e2e, settled, "every report and reply answered", lambda: c.report_acks)
    # Every reply held through the refusal is stored, once: one whose link closed before
    # its answer is sent again by the gateway under the Msg_Id it had, answered and skipped
    # (sms_mo_id, schema 22).
    inbox = "SELECT count(*), count(DISTINCT phone) FROM sms_inbox"
    wait_moving(e2e, lambda: e2e.query(inbox)[0][1] == REPLIES, "the replies stored", e2e.counts)
    stored, distinct = e2e.query(inbox)[0]
    ids = e2e.query("SELECT count(*) FROM sms_mo_id")[0][0]
    print(f"replies stored {stored} ({distinct} distinct, {ids} ids), sent {c.mo_sent}")
    assert stored == distinct == ids == REPLIES
    assert c.mo_sent > REPLIES, "no reply was sent again: the test shows no duplicate skipped"


def test_a_listen_server_that_never_answers_costs_one_bounded_wait(pg_url: str) -> None:
    """The LISTEN connection's server accepts TCP and says nothing (a hung host, a firewall
    that swallows the startup): each wait gives up after its connect_timeout, falls back to
    polling and tries again; nothing hangs, and the store's own transactions go on."""
    store = open_store(pg_url)
    try:
        with silent_server() as port:
            store._conninfo = f"host=127.0.0.1 port={port} user=postgres"  # type: ignore[attr-defined]
            started = time.monotonic()
            assert [store.wait_for_work(1.0) for _ in range(2)] == [None, None]
            took = time.monotonic() - started
            print(f"\ntwo waits on a silent server took {took:.1f}s")
            assert took < 2 * 2 + 1.5  # connect_timeout each (libpq's least: 2 s), no more
            assert store.enqueue([NewMessage(phone="13800138000", content="x", priority=0)], "t")
    finally:
        store.close()
