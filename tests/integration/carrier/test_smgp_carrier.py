"""SMGP client against the SMGP simulator on 127.0.0.1: traffic, reports, MO and faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hisms.carrier.base import ChannelState, DeliveryReport, MoMessage, Outcome
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.simulator import Faults, SimConfig
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


def test_drop_with_a_full_window_resubmits_and_bounds_duplicates() -> None:
    async def scenario() -> None:
        faults = Faults(resp_delay=0.02, drop_after_submits=100)
        config = SimConfig(CLIENT, SECRET, report_delay=0.01, faults=faults)
        async with gateway(config) as sim, carrier(sim.port) as (channel, events):
            results = await channel.submit(parts(400))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert sim.counters.connections == 2
            assert 1 <= channel.stats.resent <= 16
            assert sim.counters.duplicates <= 16
            assert sim.counters.accepted == 400 + sim.counters.duplicates
            assert [e.up for e in events.of(ChannelState)][:3] == [True, False, True]

    asyncio.run(scenario())


def test_system_busy_slows_down_and_nothing_fails() -> None:
    async def scenario() -> None:
        async with gateway() as sim, carrier(sim.port) as (channel, _):
            sim.throttle_for(0.4)  # status 1 (system busy) to everything
            limiter = channel.session.links[0].limiter
            started = time.monotonic()
            results = await channel.submit(parts(200))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert channel.stats.throttled == sim.counters.throttled > 16
            assert limiter.slowdowns > 0 and time.monotonic() - started > 0.4

    asyncio.run(scenario())


def test_wrong_secret_backs_off_and_returns_retry(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with (
            gateway() as sim,
            carrier(
                sim.port, secret="Bad-S3cret", reconnect_min_seconds=0.2, reconnect_max_seconds=5
            ) as (channel, events),
        ):
            started = time.monotonic()
            results = await channel.submit(parts(3))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert 1.5 < time.monotonic() - started < 4  # link_wait_seconds is 2
            assert "authentication error" in (results[0].error_text or "")
            down = [e for e in events.of(ChannelState) if not e.up]
            assert down and "status 21" in down[0].detail
            assert 3 <= sim.counters.login_failures <= 5  # 0, 0.2, 0.6, 1.4 s: backing off

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert "cannot log in" in caplog.text and "Bad-S3cret" not in caplog.text


def test_heartbeat_keeps_an_idle_link_up() -> None:
    async def scenario() -> None:
        # The gateway closes a link silent for 0.3 s; ACTIVE_TEST every 0.05 s keeps it.
        config = SimConfig(CLIENT, SECRET, faults=Faults(drop_idle_after=0.3))
        async with (
            gateway(config) as sim,
            carrier(sim.port, heartbeat_seconds=0.05, dead_link_seconds=0.1) as (channel, _),
        ):
            await wait_for(lambda: sim.counters.keepalives >= 6)  # idle for over 0.6 s
            assert sim.counters.idle_drops == 0 and sim.counters.logins == 1
            assert channel.stats.drops == 0
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED

    asyncio.run(scenario())
