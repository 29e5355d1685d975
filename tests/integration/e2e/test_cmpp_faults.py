"""Issue 3, end to end under faults: a dropped link mid-window, flow control, a wrong secret.

``hisms run`` (subprocess) against the CMPP simulator (thread), rows in PostgreSQL.
"""

from __future__ import annotations

import time

from hisms.carrier.simulator import Faults

TEXT = "您的检验报告已出，请登录APP查看。"


def _rows(count: int, prefix: str = "138") -> list[tuple[str, str, str, str]]:
    return [("LIS", f"L{i}", f"{prefix}{i:08d}", TEXT) for i in range(count)]


def test_drop_with_a_full_window_loses_nothing_and_duplicates_stay_within_the_window(e2e) -> None:  # type: ignore[no-untyped-def]
    rows, window, connections = 2000, 16, 2
    # Answers come late, so when the gateway hangs up on submit 700 a full window is in flight.
    sim = e2e.simulator(report_delay=0.05, faults=Faults(resp_delay=0.02, drop_after_submits=700))
    e2e.insert(_rows(rows))
    engine = e2e.run(sim.port, window=window, connections=connections)
    e2e.wait(e2e.all_final(rows), timeout=60, what="every row final after the drop")

    c = sim.call(lambda: sim.sim.counters)
    extra = c.submits - rows
    print(
        f"\nsimulator submits {c.submits}, rows {rows}: {extra} resent "
        f"(bound {window} x {connections}), duplicates delivered {c.duplicates}"
    )
    assert e2e.counts() == {3: rows}  # nothing lost, nothing failed
    assert e2e.query("SELECT max(attempts) FROM sms_outbox") == [(1,)]  # resent in-session
    assert 1 <= extra <= window * connections
    assert c.duplicates <= window * connections
    assert c.connections == connections + 1  # the dropped link came back
    log = engine.log()
    assert "link down" in log and "resending part" in log


def test_flow_control_slows_the_client_without_failing_messages(e2e) -> None:  # type: ignore[no-untyped-def]
    rows, jam = 6000, 3.0
    sim = e2e.simulator(report_delay=0.05)
    e2e.insert(_rows(rows))
    e2e.run(sim.port)
    accepted = lambda: sim.call(lambda: sim.sim.counters.accepted)  # noqa: E731
    e2e.wait(lambda: accepted() >= 500, timeout=30, what="traffic flowing")
    first = accepted()
    time.sleep(0.3)
    full_speed = (accepted() - first) / 0.3
    started = time.monotonic()
    sim.call(lambda: sim.sim.throttle_for(jam))  # an overloaded gateway: result 8 to everything
    e2e.wait(e2e.all_final(rows), timeout=60, what="every row final through flow control")
    took = time.monotonic() - started

    throttled = sim.call(lambda: sim.sim.counters.throttled)
    retried = e2e.query("SELECT count(*) FROM sms_outbox WHERE attempts > 1")[0][0]
    print(
        f"\nfull speed {full_speed:.0f}/s; {throttled} flow-control answers in a {jam}s jam; "
        f"all rows final {took:.1f}s after it began; {retried} rows needed a second claim"
    )
    assert e2e.counts() == {3: rows}  # throttled parts were retried, never failed
    # The client backed off: at full speed the jam would have drawn full_speed * jam answers.
    assert 0 < throttled < full_speed * jam / 2
    assert took > jam


def test_wrong_secret_is_a_clear_login_error_with_backoff_and_rows_wait(e2e) -> None:  # type: ignore[no-untyped-def]
    rows = 50
    sim = e2e.simulator(report_delay=0.05, secret="the-gateway-secret")
    e2e.insert(_rows(rows, "139"))
    started = time.monotonic()
    engine = e2e.run(
        sim.port, reconnect_min_seconds=0.2, reconnect_max_seconds=1.0, link_wait_seconds=1
    )
    waiting_sql = (
        "SELECT count(*) FROM sms_outbox WHERE status = 0 AND error_code = 'WAITING_CHANNEL' "
        "AND error_text LIKE '%login refused%'"
    )
    # The lone channel is DOWN: rows wait for it, PENDING with the reason, no attempt spent.
    e2e.wait(lambda: e2e.query(waiting_sql)[0][0] > 0, timeout=60, what="rows waiting")
    attempts = lambda: sim.call(lambda: sim.sim.counters.logins)  # noqa: E731
    e2e.wait(lambda: attempts() >= 4, timeout=30, what="a few more rounds of backoff")

    logins = attempts()
    watched = time.monotonic() - started
    print(f"\n{logins} login attempts in {watched:.0f}s with a wrong secret")
    assert 2 <= logins <= watched + 4  # backoff 0.2, 0.4, 0.8, 1, 1...: no hot loop
    log = engine.log()
    assert "cannot log in to the gateway: login refused: CONNECT_RESP status 3" in log
    assert "channel cmcc is DOWN (link down: login refused" in log and "wrong shared secret" in log
    assert engine.proc.poll() is None  # still running, still trying
    counts = e2e.counts()
    assert set(counts) <= {0, 1} and 4 not in counts  # waiting, not failed

    # The operator fixes the secret on the gateway side: the next login works, rows go out.
    sim.call(lambda: setattr(sim.sim.config, "secret", "s3cret-Pa55"))
    e2e.wait(lambda: e2e.counts() == {3: rows}, timeout=30, what="rows delivered after the fix")
    # Waiting for the channel spent no attempt (docs/status.md): one claim that was sent.
    assert e2e.query("SELECT max(attempts) FROM sms_outbox") == [(1,)]
