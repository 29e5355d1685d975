"""An unsubscribe reply answered with a confirmation, end to end: a notice through the CMPP
simulator, the handset's TD reply, the blacklist entry, and the confirmation SMS sent
through the outbox like any message (routed, reported) despite the fresh entry."""

from __future__ import annotations

from typing import Any

from hisms.engine.policy.templates import UNSUBSCRIBE_REPLY

REPLY = "您已退订本院通知短信，危急值等重要消息仍会发送"


def test_a_td_reply_gets_one_confirmation_delivered_and_blocks_the_next_notice(e2e) -> None:  # type: ignore[no-untyped-def]
    # The simulator answers TD to any text holding 退订: to the notice, and to the
    # confirmation too, a second TD for the same scope that must not be confirmed again.
    sim = e2e.simulator(report_delay=0.05, mo_delay=0.1)
    sent: list[tuple[str, str]] = []
    accepted = sim.sim.accepted

    def recording(msg_id: Any, phone: str, service: str, text: str, report: bool) -> None:
        sent.append((phone, text))
        accepted(msg_id, phone, service, text, report)

    sim.sim.accepted = recording
    engine = e2e.run(sim.port, policy={"unsubscribe_reply": REPLY})
    phone = "13912340001"
    e2e.insert([("HIS", "N-1", phone, "复诊提醒：明天上午心内科，退订回TD")])
    e2e.wait(lambda: e2e.query("SELECT count(*) FROM sms_inbox") == [(2,)], 30, "both TD replies")
    rows = "SELECT id, source_system, source_ref, template_code, status FROM sms_outbox"
    e2e.wait(lambda: all(r[4] == 3 for r in e2e.query(rows)), 30, "every message delivered")
    ((entry, source, categories),) = e2e.query(
        "SELECT id, source_system, categories FROM sms_blacklist WHERE phone = %s", phone
    )
    assert (source, categories) == ("HIS", "marketing,notice")
    assert e2e.query("SELECT blacklist_id FROM sms_inbox") == [(entry,), (entry,)]
    assert [r[1:] for r in sorted(e2e.query(rows))] == [
        ("HIS", "N-1", None, 3),
        ("HIS", f"unsubscribe:{entry}", UNSUBSCRIBE_REPLY, 3),
    ]
    assert sent == [
        (phone, "【测试医院】复诊提醒：明天上午心内科，退订回TD"),
        (phone, f"【测试医院】{REPLY}"),
    ]
    # the engine that stored the reply holds the entry at once, not at its next poll
    (blocked,) = e2e.insert([("HIS", "N-2", phone, "复诊提醒：后天上午")])
    e2e.wait(
        lambda: e2e.query("SELECT status FROM sms_outbox WHERE id = %s", blocked) == [(6,)],
        30,
        "the next notice REJECTED",
    )
    assert len(sent) == 2
    assert "Traceback" not in engine.log()
