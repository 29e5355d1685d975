"""Issue 12, end to end: three replies (MO) over CMPP through ``hisms run`` on PostgreSQL, the
middle one with a NUL character, which PostgreSQL text cannot hold.

Before, the write of the three failed every 0.2 s for ever, and none was answered. Now the
first and third are stored, the second is parked with the database's reason (or stored
without its NUL, once carrier text is cleaned where it is decoded), all three are answered,
and the engine logs one ERROR for it, not one per flush.
"""

from __future__ import annotations

import json
import time

PHONE = "13912345678"
REPLIES = ["第一条", "第二\x00条", "第三条"]


def test_a_reply_with_a_nul_holds_no_other_and_is_answered(e2e) -> None:  # type: ignore[no-untyped-def]
    sim = e2e.simulator(report_delay=0.05)

    def send_all() -> None:  # before the engine logs in: the three arrive back to back
        for text in REPLIES:
            sim.sim.send_mo(PHONE, text, e2e.src_number)

    sim.call(send_all)
    engine = e2e.run(sim.port)
    answered = lambda: sim.call(lambda: sim.sim.counters.report_acks) == 3  # noqa: E731
    e2e.wait(answered, timeout=30, what="the gateway answered for all three replies")
    time.sleep(1.0)  # many flushes: none may try the refused reply again
    inbox = [r[0] for r in e2e.query("SELECT content FROM sms_inbox ORDER BY id")]
    parked = e2e.query("SELECT kind, channel, event_json, error_text FROM sms_parked")
    if parked:
        assert inbox == ["第一条", "第三条"]
        ((kind, channel, event, error),) = parked
        assert (kind, channel) == ("MO", "cmcc")
        assert json.loads(event)["content"] == "第二\x00条" and "0x00" in error
    else:  # cleaned where the carrier decodes it
        assert inbox == ["第一条", "第二条", "第三条"]
    assert sim.call(lambda: sim.sim.counters.redelivered) == 0
    log = engine.log()
    assert log.count(" ERROR ") <= 1, log[-3000:]
    assert "Traceback" not in log and PHONE not in log
