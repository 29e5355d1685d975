"""Long replies (MO) stored part by part: joined across two links and across an engine
killed between its parts; a set left incomplete is stored as it is, marked."""

from __future__ import annotations

from typing import Any

from hisms.carrier.simulator.config import PendingMo
from tests.integration.faults.conftest import E2E, simulator_counters

PHONE = "13800138000"
PARTS = ["我想把复诊改到", "下周五上午，", "谢谢医生"]


def replies(e2e: E2E) -> list[tuple[Any, ...]]:
    return e2e.query("SELECT phone, service_number, content, parts_missing FROM sms_inbox")


def waiting_parts(e2e: E2E) -> int:
    return int(e2e.query("SELECT count(*) FROM sms_mo_part")[0][0])


def test_parts_on_two_links_make_one_reply_and_an_incomplete_set_is_kept(e2e: E2E) -> None:
    sim = e2e.simulator(mo_rules=())
    e2e.run(sim.port, connections=2, engine={"mo_parts_seconds": 2})
    e2e.wait(lambda: len(sim.call(lambda: sim.sim._sessions)) == 2, 30, "two links logged in")
    service = e2e.src_number + "01"
    sim.call(lambda: sim.sim.send_mo_parts(PHONE, PARTS, service, ref=42))
    e2e.wait(lambda: len(replies(e2e)) == 1, 30, "the reply joined from both links")
    assert replies(e2e) == [(PHONE, service, "".join(PARTS), 0)]
    assert waiting_parts(e2e) == 0 and simulator_counters(sim).report_acks == 3
    # Two parts of three, the last never comes: stored as they are after mo_parts_seconds.
    for seq in (1, 2):
        part = _part("13900139000", service, seq, 3, PARTS[seq - 1])
        sim.call(lambda p=part: sim.sim._dispatch(p))  # type: ignore[misc]
    e2e.wait(lambda: len(replies(e2e)) == 2, 30, "the incomplete set stored after 2 s")
    assert replies(e2e)[1] == ("13900139000", service, "".join(PARTS[:2]), 1)
    assert waiting_parts(e2e) == 0


def test_a_part_stored_before_a_kill_is_joined_by_the_next_engine(e2e: E2E) -> None:
    sim = e2e.simulator(mo_rules=())
    first = e2e.run(sim.port)
    service = e2e.src_number
    # Part 1 of 2 only: answered once stored, then the engine dies (kill -9).
    sim.call(lambda: sim.sim._dispatch(_part(PHONE, service, 1, 2, PARTS[0])))
    e2e.wait(lambda: simulator_counters(sim).report_acks == 1, 30, "part 1 answered")
    assert waiting_parts(e2e) == 1  # answered only once stored
    first.kill9()
    e2e.run(sim.port)
    sim.call(lambda: sim.sim._dispatch(_part(PHONE, service, 2, 2, PARTS[1])))
    e2e.wait(lambda: len(replies(e2e)) == 1, 30, "the reply joined by the next engine")
    assert replies(e2e) == [(PHONE, service, PARTS[0] + PARTS[1], 0)]
    assert waiting_parts(e2e) == 0


def _part(phone: str, service: str, seq: int, total: int, text: str) -> PendingMo:
    return PendingMo(phone, service, text, bytes([5, 0, 3, 9, total, seq]))
