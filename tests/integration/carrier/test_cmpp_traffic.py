"""CMPP client against the simulator on 127.0.0.1: traffic, reports, MO."""

from __future__ import annotations

import asyncio

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, Outcome
from hisms.carrier.simulator import SimConfig

from .conftest import ACCOUNT, SECRET, carrier, gateway, long_message, parts, wait_for


@pytest.mark.parametrize("version", ["2.0", "3.0"])
def test_2000_parts_accepted_and_reported(version: str) -> None:
    async def scenario() -> None:
        config = SimConfig(ACCOUNT, SECRET, report_delay=0.01, fail_ratio=0.1, seed=7)
        async with gateway(config, version) as sim, carrier(sim.port, version) as (channel, events):
            results = await channel.submit(parts(2000))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            ids = {r.carrier_msg_id for r in results}
            assert len(ids) == 2000 and all(len(i or "") == 16 for i in ids)
            await wait_for(lambda: len(events.of(DeliveryReport)) == 2000)
            reports = events.of(DeliveryReport)
            assert {r.carrier_msg_id for r in reports} == ids
            failed = [r for r in reports if not r.delivered]
            assert 100 < len(failed) < 300 and all(r.error_code == r.stat for r in failed)
            await wait_for(lambda: sim.counters.report_acks == 2000)  # every DELIVER answered
            assert reports[0].phone.startswith("138") and reports[0].done_at is not None

    asyncio.run(scenario())


def test_report_mix_is_deterministic_for_a_seed() -> None:
    async def stats_for(seed: int) -> list[str]:
        config = SimConfig(ACCOUNT, SECRET, report_delay=0.0, fail_ratio=0.5, seed=seed)
        async with gateway(config) as sim, carrier(sim.port, window=1) as (channel, events):
            results = await channel.submit(parts(30))
            await wait_for(lambda: len(events.of(DeliveryReport)) == 30)
            order = {r.carrier_msg_id: i for i, r in enumerate(results)}
            reports = sorted(events.of(DeliveryReport), key=lambda r: order[r.carrier_msg_id])
            return [r.stat for r in reports]

    first = asyncio.run(stats_for(3))
    assert first == asyncio.run(stats_for(3))
    assert "DELIVRD" in first and set(first) - {"DELIVRD"}


def test_long_message_parts_and_their_reports() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port) as (channel, events):
            batch = long_message(42, "13912345678", ["第一部分" * 16, "第二部分" * 16, "完"])
            results = await channel.submit(batch)
            assert [r.key.seq for r in results] == [1, 2, 3]
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            await wait_for(lambda: len(events.of(DeliveryReport)) == 3)
            assert {r.carrier_msg_id for r in events.of(DeliveryReport)} == {
                r.carrier_msg_id for r in results
            }
            assert sim.counters.per_phone["13912345678"] == 3

    asyncio.run(scenario())


def test_legacy_60_byte_reports_on_a_30_session() -> None:
    async def scenario() -> None:
        async with gateway(legacy_reports=True) as sim, carrier(sim.port) as (channel, events):
            results = await channel.submit(parts(5))
            await wait_for(lambda: len(events.of(DeliveryReport)) == 5)
            assert {r.carrier_msg_id for r in events.of(DeliveryReport)} == {
                r.carrier_msg_id for r in results
            }

    asyncio.run(scenario())


def test_mo_reply_by_rule_goes_to_the_extension() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port) as (channel, events):
            batch = parts(1, "明天上午9点预约复诊，确认请回复1", start=500, src_ext="8001")
            assert (await channel.submit(batch))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: bool(events.of(MoMessage)))
            mo = events.of(MoMessage)[0]
            assert (mo.phone, mo.service_number, mo.content) == ("13800000500", "106901238001", "1")
            assert mo.extension == "8001"  # the adapter splits it off the service number
            sim.send_mo("13800000501", "TD", "106901239")
            await wait_for(lambda: len(events.of(MoMessage)) == 2)
            assert events.of(MoMessage)[1].service_number == "106901239"

    asyncio.run(scenario())


def test_several_connections_share_the_channel() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port, connections=3) as (channel, _):
            results = await channel.submit(parts(300))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            await wait_for(lambda: sim.counters.logins == 3)
            assert sim.counters.connections == 3

    asyncio.run(scenario())


def test_channel_rate_limit_is_respected() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port, rate=200) as (channel, _):
            loop = asyncio.get_running_loop()
            started = loop.time()
            await channel.submit(parts(100))
            assert loop.time() - started >= 0.4  # 100 at 200/s, minus a small burst

    asyncio.run(scenario())


def test_urgent_parts_overtake_queued_bulk() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port, rate=100, window=1) as (channel, _):
            bulk = asyncio.create_task(channel.submit(parts(100, priority=9)))
            await wait_for(lambda: sim.counters.accepted >= 5)  # bulk is on its way
            urgent = await channel.submit(parts(2, "危急值", start=1000, priority=0))
            assert {r.outcome for r in urgent} == {Outcome.ACCEPTED}
            assert sim.counters.submits < 40 and not bulk.done()
            await bulk

    asyncio.run(scenario())


def test_stop_hands_back_queued_parts_as_retry() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port, rate=20) as (channel, _):
            pending = asyncio.create_task(channel.submit(parts(50)))
            await wait_for(lambda: sim.counters.accepted >= 2)
            await channel.stop()
            results = await pending
            outcomes = [r.outcome for r in results]
            assert Outcome.ACCEPTED in outcomes and Outcome.RETRY in outcomes
            assert outcomes.count(Outcome.ACCEPTED) == sim.counters.accepted

    asyncio.run(scenario())
