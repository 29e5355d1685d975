"""Issue 12, end to end: three replies (MO) over CMPP and over SGIP through ``hisms run`` on
PostgreSQL, the middle one with a NUL character in its text and in its sender's number.

PostgreSQL text cannot hold a NUL. Before, the write of the three failed every 0.2 s for
ever and none was answered; then the engine parked the refused one (engine/isolate.py). Now
carrier text is cleaned where it is decoded, so all three are stored (the middle one without
its NUL, its odd sender kept as given), all three are answered once, and nothing loops.
"""

from __future__ import annotations

import time

import pytest

PHONE = "13912345678"
ODD = PHONE[:3] + "\x00" + PHONE[3:]  # a fixed-width number field ends at its first NUL
REPLIES = [(PHONE, "第一条"), (ODD, "第二\x00条"), (PHONE, "第三条")]
# The middle sender as stored: what the field holds up to its NUL (SGIP numbers carry 86).
STORED_ODD = {"cmpp": "139", "sgip": "86139"}


@pytest.mark.parametrize("protocol", ["cmpp", "sgip"])
def test_a_reply_with_a_nul_is_stored_clean_and_holds_no_other(e2e, protocol: str) -> None:  # type: ignore[no-untyped-def]
    sim = e2e.simulator(protocol, report_delay=0.05)

    def send_all() -> None:  # before the engine logs in: the three arrive back to back
        for phone, text in REPLIES:
            sim.sim.send_mo(phone, text, e2e.src_number)

    sim.call(send_all)
    engine = e2e.run(sim.port, **sim.channel)
    answered = lambda: sim.call(lambda: sim.sim.counters.report_acks) == 3  # noqa: E731
    e2e.wait(answered, timeout=30, what="the gateway answered for all three replies")
    time.sleep(1.0)  # many flushes: none may write or answer a reply again
    inbox = e2e.query("SELECT phone, content FROM sms_inbox ORDER BY id")
    assert inbox == [(PHONE, "第一条"), (STORED_ODD[protocol], "第二条"), (PHONE, "第三条")]
    assert e2e.query("SELECT count(*) FROM sms_parked") == [(0,)]
    assert sim.call(lambda: (sim.sim.counters.report_acks, sim.sim.counters.redelivered)) == (3, 0)
    log = engine.log()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]
    assert log.count("stored as given") == 1 and PHONE not in log
