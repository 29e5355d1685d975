"""SMPP client against the SMPP simulator on 127.0.0.1: traffic, receipts, long messages, MO.

The ``smsc`` and ``smpp_carrier`` helpers are imported by the other SMPP tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, Outcome
from hisms.carrier.simulator import SimConfig
from hisms.carrier.smpp.client import SmppCarrier, from_config
from hisms.carrier.smpp.simulator import SmppSimulator
from tests.support import storing

from .conftest import FAST, Events, long_message, parts, wait_for

SYSTEM_ID, PASSWORD = "hisms", "Pa55w0rd"


def smpp_options(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "system_id": SYSTEM_ID,
        "password": PASSWORD,
        "src_number": "10690123",
        **FAST,
        **overrides,
    }


@contextlib.asynccontextmanager
async def smsc(config: SimConfig | None = None, **kw: Any) -> AsyncIterator[SmppSimulator]:
    config = config or SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.01, mo_delay=0.01)
    async with SmppSimulator(config, **kw) as sim:
        yield sim


@contextlib.asynccontextmanager
async def smpp_carrier(port: int, **overrides: Any) -> AsyncIterator[tuple[SmppCarrier, Events]]:
    events = Events()
    channel = from_config("intl", smpp_options(port, **overrides))
    await channel.start(storing(events))
    try:
        yield channel, events
    finally:
        await channel.stop()


def test_2000_parts_accepted_with_receipts() -> None:
    async def scenario() -> None:
        config = SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.01, fail_ratio=0.1, seed=7)
        async with smsc(config) as sim, smpp_carrier(sim.port) as (channel, events):
            results = await channel.submit(parts(2000))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            ids = {r.carrier_msg_id for r in results}
            assert len(ids) == 2000
            await wait_for(lambda: len(events.of(DeliveryReport)) == 2000)
            reports = events.of(DeliveryReport)
            assert {r.carrier_msg_id for r in reports} == ids
            failed = [r for r in reports if not r.delivered]
            assert 100 < len(failed) < 300 and all(r.error_code for r in failed)
            await wait_for(lambda: sim.counters.report_acks == 2000)  # every deliver_sm answered
            assert reports[0].phone.startswith("138") and reports[0].done_at is not None
            assert sim.counters.per_phone["8613800000000"] == 1  # dest TON 1: 86 + number

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", ["udh", "sar", "payload"])
def test_long_message_in_each_mode(mode: str) -> None:
    chunks = ["第一部分" * 16 + "预约", "第二部分" * 16, "完"]

    async def scenario() -> None:
        async with smsc() as sim, smpp_carrier(sim.port, long_messages=mode) as (channel, events):
            results = await channel.submit(long_message(42, "13912345678", chunks))
            assert [r.key.seq for r in results] == [1, 2, 3]
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            submits = 1 if mode == "payload" else 3
            assert sim.counters.submits == sim.counters.per_phone["8613912345678"] == submits
            await wait_for(lambda: len(events.of(DeliveryReport)) == submits)
            reported = {r.carrier_msg_id for r in events.of(DeliveryReport)}
            assert reported == {r.carrier_msg_id for r in results}
            await wait_for(lambda: bool(events.of(MoMessage)))  # "预约" reached the SMSC intact

    asyncio.run(scenario())


def test_mo_reply_goes_to_the_extension() -> None:
    async def scenario() -> None:
        async with smsc() as sim, smpp_carrier(sim.port) as (channel, events):
            batch = parts(1, "明天上午9点预约复诊，确认请回复1", start=500, src_ext="8001")
            assert (await channel.submit(batch))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: bool(events.of(MoMessage)))
            mo = events.of(MoMessage)[0]
            assert (mo.phone, mo.service_number, mo.content) == ("13800000500", "106901238001", "1")
            assert mo.extension == "8001"  # the adapter splits it off the service number
            sim.send_mo("8613800000501", "退订" * 80, "106901239")  # long: message_payload
            await wait_for(lambda: len(events.of(MoMessage)) == 2)
            assert events.of(MoMessage)[1].content == "退订" * 80

    asyncio.run(scenario())


def test_transmitter_receiver_pair_and_ascii_coding() -> None:
    async def scenario() -> None:
        async with (
            smsc() as sim,
            smpp_carrier(sim.port, bind="transmitter+receiver", data_coding=0, connections=2) as (
                channel,
                events,
            ),
        ):
            results = await channel.submit(parts(50, "Your appointment is at 9:00"))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            await wait_for(lambda: len(events.of(DeliveryReport)) == 50)
            assert sim.counters.logins == 4  # two transmitters, two receivers
            await wait_for(lambda: len(events.of(MoMessage)) == 50)  # "appointment" rule
            assert channel.receivers is not None and channel.receivers.stats.sent == 0

    asyncio.run(scenario())
