"""The session runtime (window, throttle, resend, login, link wait, keep-alive) as a unit:
a fake adapter and an in-memory gateway, no sockets, no protocol."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from hisms.carrier.base import CarrierEvent, ChannelState, Outcome, Submission, SubmitKey
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.login import Backoff, open_with_backoff
from hisms.carrier.session.settings import SessionSettings, SessionStats

from .fake_gateway import FakeAdapter, FakeGateway

FAST = {
    "response_timeout_seconds": 5.0,
    "link_wait_seconds": 1.0,
    "reconnect_min_seconds": 0.02,
    "reconnect_max_seconds": 0.2,
    "drain_seconds": 0.2,
    "connect_timeout_seconds": 1.0,
}


def parts(count: int, text: str = "x") -> list[Submission]:
    return [
        Submission(SubmitKey(i, 1, 1), f"138{i:08d}", text, text.encode("utf-16-be"))
        for i in range(count)
    ]


@contextlib.asynccontextmanager
async def channel(
    gateway: FakeGateway, adapter: FakeAdapter | None = None, **settings: Any
) -> AsyncIterator[tuple[ChannelSession, list[CarrierEvent]]]:
    events: list[CarrierEvent] = []
    options = SessionSettings(host="gw", port=1, **{**FAST, **settings})
    session = ChannelSession("fake", adapter or FakeAdapter(), options, gateway.connect)
    await session.start(events.append)
    try:
        yield session, events
    finally:
        await session.stop()


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def test_accepted_parts_carry_the_gateway_s_ids() -> None:
    async def scenario() -> None:
        async with channel(FakeGateway()) as (session, events):
            results = await session.submit(parts(5))
            assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 5
            assert [r.carrier_msg_id for r in results] == [f"id{i}" for i in range(1, 6)]
            assert isinstance(events[0], ChannelState) and events[0].up
            assert session.stats.sent == session.stats.accepted == 5

    asyncio.run(scenario())


def test_the_window_bounds_unanswered_submits_per_link() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(on_submit=lambda pdu: "hold")
        async with channel(gateway, window=4, connections=2) as (session, _):
            pending = asyncio.create_task(session.submit(parts(20)))
            await until(lambda: len(gateway.submits) == 8)
            await asyncio.sleep(0.05)  # time for a ninth submit, if the window leaked
            assert len(gateway.submits) == 8  # two links, four each
            while not pending.done():
                gateway.release()
                await asyncio.sleep(0.005)
            assert {r.outcome for r in pending.result()} == {Outcome.ACCEPTED}

    asyncio.run(scenario())


def test_throttled_parts_slow_the_link_and_are_submitted_again() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(on_submit=lambda pdu: "busy" if len(gateway.submits) <= 6 else "ok")
        async with channel(gateway) as (session, _):
            results = await session.submit(parts(3))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert session.stats.throttled == 6 and len(gateway.submits) == 9
            assert session.links[0].limiter.slowdowns == 6

    asyncio.run(scenario())


def test_too_many_throttles_hand_the_part_back_as_retry() -> None:
    async def scenario() -> None:
        async with channel(FakeGateway(on_submit=lambda pdu: "busy"), max_throttles=2) as (s, _):
            (result,) = await s.submit(parts(1))
            assert result.outcome is Outcome.RETRY and "throttled 3 times" in str(result.error_text)

    asyncio.run(scenario())


def test_a_refused_part_fails_with_the_gateway_s_code() -> None:
    async def scenario() -> None:
        async with channel(FakeGateway(on_submit=lambda pdu: "refused")) as (session, _):
            (result,) = await session.submit(parts(1))
            assert (result.outcome, result.error_code) == (Outcome.FAILED, "refused")

    asyncio.run(scenario())


def test_a_part_that_cannot_be_encoded_fails_and_the_link_goes_on() -> None:
    async def scenario() -> None:
        async with channel(FakeGateway()) as (session, _):
            bad, good = await session.submit([*parts(1, "UNENCODABLE"), *parts(1)])
            assert (bad.outcome, bad.error_code) == (Outcome.FAILED, "ENCODE")
            assert good.outcome is Outcome.ACCEPTED and session.stats.drops == 0

    asyncio.run(scenario())


def test_unanswered_parts_are_resent_up_to_max_resend_then_retry() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(on_submit=lambda pdu: None)
        async with channel(gateway, response_timeout_seconds=0.05, max_resend=2) as (session, _):
            results = await session.submit(parts(2))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert "gave up after 2 resends" in str(results[0].error_text)
            assert len(gateway.submits) == 2 * 3 and session.stats.resent == 4

    asyncio.run(scenario())


def test_a_dropped_link_resubmits_its_window_after_reconnecting() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(on_submit=lambda pdu: "hold")
        async with channel(gateway, window=3) as (session, events):
            pending = asyncio.create_task(session.submit(parts(3)))
            await until(lambda: len(gateway.submits) == 3)
            gateway.on_submit = lambda pdu: "ok"
            gateway.drop()
            results = await pending
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert gateway.logins == 2 and len(gateway.submits) == 6
            assert session.stats.resent == 3 and session.stats.drops == 1
            assert [e.up for e in events if isinstance(e, ChannelState)] == [True, False, True]

    asyncio.run(scenario())


def test_a_wrong_secret_backs_off_and_parts_get_retry_after_the_link_wait() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(secret="other")
        async with channel(gateway, link_wait_seconds=0.5, reconnect_min_seconds=0.05) as (s, ev):
            started = time.monotonic()
            results = await s.submit(parts(2))
            assert 0.4 < time.monotonic() - started < 1.5
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert "login refused: status 3" in str(results[0].error_text)
            # 0, 0.05, 0.15, 0.35 s: exponential backoff, not a hot loop
            assert 3 <= gateway.logins <= 5 and s.stats.login_failures == gateway.logins
            assert [e.up for e in ev if isinstance(e, ChannelState)] == [False]

    asyncio.run(scenario())


def test_a_gateway_that_hangs_up_after_each_login_is_redialled_with_growing_waits() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(hang_up=True)
        async with channel(gateway, reconnect_min_seconds=0.02, reconnect_max_seconds=5) as (s, _):
            await asyncio.sleep(1.0)
            # 0, 0.02, 0.06, 0.14, 0.30, 0.62 s: six, where a fixed 0.02 s wait makes ~50
            assert 4 <= gateway.logins <= 7 and s.stats.drops == gateway.logins

    asyncio.run(scenario())


def test_a_link_that_stayed_up_longer_than_the_longest_wait_starts_the_backoff_again() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(hang_up=True)
        async with channel(gateway, reconnect_min_seconds=0.02, reconnect_max_seconds=0.2) as _:
            await until(lambda: gateway.logins >= 5)  # the wait has grown to the longest
            gateway.hang_up = False
            await until(lambda: gateway.logins == 6)
            await asyncio.sleep(0.3)
            gateway.drop()
            dropped = time.monotonic()
            await until(lambda: gateway.logins == 7)
            assert time.monotonic() - dropped < 0.15  # the shortest wait, not 0.2 s

    asyncio.run(scenario())


def test_an_unreachable_gateway_hands_parts_back_after_the_link_wait() -> None:
    async def scenario() -> None:
        async with channel(FakeGateway(reachable=False), link_wait_seconds=0.3) as (session, ev):
            results = await session.submit(parts(2))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert "channel down" in str(results[0].error_text)
            assert isinstance(ev[0], ChannelState) and "ConnectionRefusedError" in ev[0].detail
            assert session.stats.login_failures >= 1 and not session.up

    asyncio.run(scenario())


def test_a_login_cancelled_as_its_connect_fails_ends_and_is_not_retried() -> None:
    """A stop that arrives as the gateway refuses the connection ends the retry loop (on
    Python 3.11, asyncio.wait_for around the connect swallowed it: the link logged in
    forever and the engine's stop hung)."""

    async def scenario() -> None:
        tries: list[int] = []

        async def refuse_and_cancel(host: str, port: int) -> Any:
            tries.append(port)
            login.cancel()  # the stop, at the moment the connect fails
            raise ConnectionRefusedError(f"nothing listens on {host}:{port}")

        options = SessionSettings(host="gw", port=1, **FAST)
        login = asyncio.create_task(
            open_with_backoff(
                options,
                FakeAdapter(),
                SessionStats(),
                lambda reason, delay: None,
                Backoff(options),
                refuse_and_cancel,
            )
        )
        await asyncio.wait([login], timeout=1.0)
        assert login.cancelled() and tries == [1]

    asyncio.run(scenario())


def test_an_idle_link_sends_keepalives_and_one_left_unanswered_drops_it() -> None:
    async def scenario() -> None:
        gateway = FakeGateway()
        async with channel(gateway, heartbeat_seconds=0.02, dead_link_seconds=0.05) as (s, _):
            await until(lambda: gateway.pings >= 3)
            assert gateway.logins == 1 and s.stats.drops == 0
            gateway.deaf = True
            await until(lambda: s.stats.drops == 1)
            await until(lambda: gateway.logins == 2)  # and a new link comes up

    asyncio.run(scenario())


def test_keepalives_come_every_heartbeat_not_every_dead_link_time() -> None:
    async def scenario() -> None:
        gateway = FakeGateway()
        async with channel(gateway, heartbeat_seconds=0.05, dead_link_seconds=1.0) as _:
            await asyncio.sleep(0.5)
            assert gateway.pings >= 5  # about ten; one if each probe waited out the deadline

    asyncio.run(scenario())


def test_without_keepalive_an_idle_link_is_logged_out_and_reopened_on_demand() -> None:
    async def scenario() -> None:
        gateway = FakeGateway()
        adapter = FakeAdapter(keepalive=False)  # as SGIP
        async with channel(gateway, adapter, heartbeat_seconds=0.05) as (session, events):
            await until(lambda: not session.up)
            await asyncio.sleep(0.1)
            assert gateway.logins == 1 and session.stats.drops == 0  # dormant, not down
            assert (await session.submit(parts(1)))[0].outcome is Outcome.ACCEPTED
            assert gateway.logins == 2
            assert [e.up for e in events if isinstance(e, ChannelState)] == [True]

    asyncio.run(scenario())


def test_stop_logs_out_after_in_flight_answers_and_hands_back_the_queue() -> None:
    async def scenario() -> None:
        gateway = FakeGateway(on_submit=lambda pdu: "hold")
        async with channel(gateway, window=2, drain_seconds=1.0) as (session, _):
            pending = asyncio.create_task(session.submit(parts(5)))
            await until(lambda: len(gateway.submits) == 2)
            asyncio.get_running_loop().call_later(0.05, gateway.release)
            await session.stop()
            outcomes = [r.outcome for r in await pending]
            assert outcomes == [Outcome.ACCEPTED] * 2 + [Outcome.RETRY] * 3
            assert gateway.logouts == 1

    asyncio.run(scenario())


def test_resize_keeps_links_named_by_position_and_reports_the_next_link_anew() -> None:
    """The engines sharing a channel resize it (hisms.engine.shares): cmcc#0 stays #0."""

    async def scenario() -> None:
        async with channel(FakeGateway(), rate=50.0) as (session, events):
            await until(lambda: session.up)
            busy = asyncio.ensure_future(session.submit(parts(20)))
            # A standby (the rate of no slot is 0): every link closed before it returns,
            # the parts in flight given back to the queue.
            await session.resize(0, 0.0)
            assert session.links == [] and not session.up
            await session.resize(1, 100.0)
            assert [link.label for link in session.links] == ["fake#0"]
            await until(lambda: session.up)
            ups = [e.detail for e in events if isinstance(e, ChannelState) and e.up]
            assert ups == ["1 of 1 connections up"] * 2  # the same word is news again
            results = await session.submit(parts(3))
            assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 3
            assert {r.outcome for r in await busy} == {Outcome.ACCEPTED}

    asyncio.run(scenario())


def test_a_held_link_reads_nothing_and_sends_nothing_twice_until_the_engine_has_room() -> None:
    """Backpressure: while the engine's room is clear its links do not read; a submit whose
    answer waits unread is not taken for lost (it would be sent again)."""

    async def scenario() -> None:
        room = asyncio.Event()  # clear: the engine holds as many events as it may
        gateway = FakeGateway()
        settings = SessionSettings(host="gw", port=1, **{**FAST, "response_timeout_seconds": 0.05})
        session = ChannelSession("fake", FakeAdapter(), settings, gateway.connect)
        session.hold_events(room)
        await session.start(lambda event: None)
        try:
            pending = asyncio.create_task(session.submit(parts(3)))
            await until(lambda: len(gateway.submits) == 3)
            await asyncio.sleep(0.3)  # six response timeouts
            assert not pending.done() and len(gateway.submits) == 3
            room.set()
            results = await asyncio.wait_for(pending, 3)
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert len(gateway.submits) == 3 and session.stats.resent == 0
        finally:
            await session.stop()

    asyncio.run(scenario())
