"""SMGP client against the SMGP simulator on 127.0.0.1: traffic, reports, MO and faults."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hisms.carrier.base import DeliveryReport, MoMessage, Outcome
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.simulator import SimConfig
from hisms.carrier.smgp.client import from_config
from hisms.carrier.smgp.simulator import SmgpSimulator
from tests.support import storing

from .conftest import FAST, Events, long_message, parts, wait_for

CLIENT, SECRET = "90123456", "s3cret-Pa55"


@contextlib.asynccontextmanager
async def gateway(config: SimConfig | None = None) -> AsyncIterator[SmgpSimulator]:
    config = config or SimConfig(CLIENT, SECRET, report_delay=0.01, mo_delay=0.01)
    async with SmgpSimulator(config) as sim:
        yield sim


@contextlib.asynccontextmanager
async def carrier(port: int, **overrides: Any) -> AsyncIterator[tuple[SessionCarrier, Events]]:
    events = Events()
    options = {
        "host": "127.0.0.1",
        "port": port,
        "client_id": CLIENT,
        "secret": SECRET,
        "src_number": "1189001",
        "service_id": "HIS",
        **FAST,
        **overrides,
    }
    channel = from_config("ctcc", options)
    await channel.start(storing(events))
    try:
        yield channel, events
    finally:
        await channel.stop()


def test_2000_parts_accepted_and_reported() -> None:
    async def scenario() -> None:
        config = SimConfig(CLIENT, SECRET, report_delay=0.01, fail_ratio=0.1, seed=7)
        async with gateway(config) as sim, carrier(sim.port) as (channel, events):
            results = await channel.submit(parts(2000))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            ids = {r.carrier_msg_id for r in results}
            assert len(ids) == 2000 and all(len(i or "") == 20 for i in ids)
            await wait_for(lambda: len(events.of(DeliveryReport)) == 2000)
            reports = events.of(DeliveryReport)
            assert {r.carrier_msg_id for r in reports} == ids
            failed = [r for r in reports if not r.delivered]
            assert 100 < len(failed) < 300 and all(r.error_code == "006" for r in failed)
            await wait_for(lambda: sim.counters.report_acks == 2000)  # every DELIVER answered
            assert reports[0].phone.startswith("138") and reports[0].done_at is not None

    asyncio.run(scenario())


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


def test_mo_reply_by_rule_goes_to_the_extension() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port) as (channel, events):
            batch = parts(1, "明天上午9点预约复诊，确认请回复1", start=500, src_ext="8001")
            assert (await channel.submit(batch))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: bool(events.of(MoMessage)))
            mo = events.of(MoMessage)[0]
            assert (mo.phone, mo.service_number, mo.content) == ("13800000500", "11890018001", "1")
            assert mo.extension == "8001"  # the adapter splits it off the service number
            sim.send_mo("8613800000501", "TD", "11890019")
            await wait_for(lambda: len(events.of(MoMessage)) == 2)
            assert events.of(MoMessage)[1].phone == "13800000501"

    asyncio.run(scenario())
