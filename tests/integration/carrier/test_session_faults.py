"""The session's fault handling through each protocol's full stack, one test for all four:
a drop with a full window, flow control, a wrong secret, a gateway that hangs up after
each login, and (but SGIP, which has neither) keep-alives on an idle link and report
times in the gateway's zone. (Unit tests of the same
behaviour without sockets: tests/unit/carrier/test_session_runtime.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hisms.carrier.base import ChannelState, DeliveryReport, Outcome
from hisms.carrier.simulator import Faults, GatewaySimulator, SimConfig

from . import conftest as cmpp
from . import test_sgip_carrier as sgip
from . import test_smgp_carrier as smgp
from . import test_smpp_traffic as smpp
from .conftest import parts, wait_for

BAD = "Bad-S3c"  # short enough for every protocol's secret


@dataclass(frozen=True)
class Stack:
    """One protocol's simulator and carrier helpers, and what its refusal looks like."""

    account: str
    secret: str
    gateway: Callable[[SimConfig], Any]  # an async context manager of the simulator
    carrier: Callable[..., Any]  # (sim, **options) -> async context manager of (carrier, events)
    wrong_secret: dict[str, str]
    refusal: str  # in the ChannelState detail after a wrong secret


STACKS = {
    "cmpp": Stack(cmpp.ACCOUNT, cmpp.SECRET, cmpp.gateway,
                  lambda sim, **o: cmpp.carrier(sim.port, **o), {"secret": BAD}, "status 3"),
    "sgip": Stack(sgip.LOGIN, sgip.PASSWORD, sgip.smg, sgip.carrier,
                  {"login_password": BAD, "smg_login_password": sgip.PASSWORD}, "result 1"),
    "smgp": Stack(smgp.CLIENT, smgp.SECRET, smgp.gateway,
                  lambda sim, **o: smgp.carrier(sim.port, **o), {"secret": BAD}, "status 21"),
    "smpp": Stack(smpp.SYSTEM_ID, smpp.PASSWORD, smpp.smsc,
                  lambda sim, **o: smpp.smpp_carrier(sim.port, **o), {"password": BAD},
                  "ESME_RINVPASWD"),
}  # fmt: skip


@pytest.fixture(params=list(STACKS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return STACKS[request.param]


@contextlib.asynccontextmanager
async def running(
    stack: Stack, faults: Faults | None = None, **options: Any
) -> AsyncIterator[tuple[GatewaySimulator, Any, Any]]:
    config = SimConfig(stack.account, stack.secret, report_delay=0.01, mo_delay=0.01)
    config.faults = faults or Faults()
    async with stack.gateway(config) as sim, stack.carrier(sim, **options) as (channel, events):
        yield sim, channel, events


def test_drop_with_a_full_window_resubmits_and_bounds_duplicates(stack: Stack) -> None:
    async def scenario() -> None:
        faults = Faults(resp_delay=0.02, drop_after_submits=100)
        async with running(stack, faults, window=10) as (sim, channel, events):
            results = await channel.submit(parts(400))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert sim.counters.connections == 2
            assert 1 <= channel.stats.resent <= 10
            # Parts answered before the drop but whose answer was lost count twice.
            assert sim.counters.duplicates <= 10  # at most one window
            assert sim.counters.accepted == 400 + sim.counters.duplicates
            assert [e.up for e in events.of(ChannelState)][:3] == [True, False, True]
            # Reports sent into the dropped link are lost with it on the simulators that do
            # not send them again (only CMPP's does): at most a window of them.
            await wait_for(lambda: sim.counters.accepted - sim.counters.report_acks <= 10)

    asyncio.run(scenario())


def test_flow_control_slows_down_and_nothing_fails(stack: Stack) -> None:
    async def scenario() -> None:
        async with running(stack) as (sim, channel, _):
            sim.throttle_for(0.4)  # the protocol's flow-control answer to everything
            limiter = channel.session.links[0].limiter
            started = time.monotonic()
            pending = asyncio.create_task(channel.submit(parts(200)))
            await wait_for(lambda: limiter.bucket.rate is not None)  # slowed from unlimited
            results = await pending
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert channel.stats.throttled == sim.counters.throttled > 10
            assert limiter.slowdowns > 0 and time.monotonic() - started > 0.4

    asyncio.run(scenario())


def test_wrong_secret_backs_off_and_returns_retry(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        options = {**stack.wrong_secret, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 5}
        async with running(stack, **options) as (sim, channel, events):
            started = time.monotonic()
            results = await channel.submit(parts(3))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert 1.5 < time.monotonic() - started < 4  # link_wait_seconds is 2
            down = [e for e in events.of(ChannelState) if not e.up]
            assert down and stack.refusal in down[0].detail
            assert stack.refusal in (results[0].error_text or "")
            assert 3 <= sim.counters.login_failures <= 5  # 0, 0.2, 0.6, 1.4 s: exponential

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert "cannot log in" in caplog.text and BAD not in caplog.text


def test_a_gateway_that_hangs_up_after_each_login_is_redialled_with_growing_waits(
    stack: Stack,
) -> None:
    async def scenario() -> None:
        faults = Faults(close_after_login=True)
        options = {"reconnect_min_seconds": 0.05, "reconnect_max_seconds": 5}
        async with running(stack, faults, **options) as (sim, channel, _):
            await asyncio.sleep(2.0)
            # 0, 0.05, 0.15, 0.35, 0.75, 1.55 s: six, where a fixed 0.05 s wait makes ~40
            assert 4 <= sim.counters.logins <= 7
            assert sim.counters.login_failures == 0 and channel.stats.drops >= 4

    asyncio.run(scenario())


@pytest.mark.parametrize("name", ["cmpp", "smgp", "smpp"])
def test_keepalives_come_every_heartbeat_while_the_link_is_idle(name: str) -> None:
    async def scenario() -> None:
        # The gateway closes a link silent for 0.5 s; a keep-alive every 0.2 s keeps it,
        # however long the link may wait for the answer.
        faults = Faults(drop_idle_after=0.5)
        options = {"heartbeat_seconds": 0.2, "dead_link_seconds": 2.0}
        async with running(STACKS[name], faults, **options) as (sim, channel, _):
            await asyncio.sleep(1.5)
            assert sim.counters.keepalives >= 5  # seven, where one per dead_link_seconds is one
            assert sim.counters.idle_drops == 0 and sim.counters.logins == 1
            assert channel.stats.drops == 0
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED

    asyncio.run(scenario())


@pytest.fixture
def utc_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The host's local zone is UTC, as on most servers: no clock may depend on it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("zone", [None, "America/New_York"])  # None: both sides' default
@pytest.mark.parametrize("name", ["cmpp", "smgp", "smpp"])  # SGIP's REPORT carries no time
def test_report_times_are_read_in_the_gateway_s_zone(
    name: str, zone: str | None, utc_host: None
) -> None:
    async def scenario() -> None:
        stack = STACKS[name]
        config = SimConfig(stack.account, stack.secret, report_delay=0.01)
        options: dict[str, Any] = {}
        if zone is not None:
            config.timezone, options["gateway_timezone"] = ZoneInfo(zone), zone
        async with stack.gateway(config) as sim, stack.carrier(sim, **options) as (channel, ev):
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: bool(ev.of(DeliveryReport)))
            done_at = ev.of(DeliveryReport)[0].done_at
            assert done_at is not None  # to the minute, in the gateway's zone
            assert abs(datetime.now(UTC) - done_at) <= timedelta(minutes=1)

    asyncio.run(scenario())
