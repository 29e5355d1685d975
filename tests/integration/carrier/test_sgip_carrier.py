"""SGIP client and listener against the SGIP SMG simulator on 127.0.0.1, both directions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from hisms.carrier.base import ChannelState, DeliveryReport, MoMessage, Outcome
from hisms.carrier.session.login import read_one
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.client import SgipCarrier, from_config
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.sgip.simulator import SgipSimulator
from hisms.carrier.simulator import SimConfig
from hisms.carrier.wire import codec as wire_codec
from hisms.carrier.wire.connection import Connection, Role
from tests.support import storing

from .conftest import FAST, Events, long_message, parts, wait_for

LOGIN, PASSWORD = "hisms", "s3cret-Pa55"
NODE = 3020012345


@contextlib.asynccontextmanager
async def smg(config: SimConfig | None = None, **kw: Any) -> AsyncIterator[SgipSimulator]:
    config = config or SimConfig(LOGIN, PASSWORD, report_delay=0.01, mo_delay=0.01)
    async with SgipSimulator(config, sp_port=0, **kw) as sim:
        yield sim


@contextlib.asynccontextmanager
async def carrier(
    sim: SgipSimulator, **overrides: Any
) -> AsyncIterator[tuple[SgipCarrier, Events]]:
    events = Events()
    options = {
        "host": "127.0.0.1",
        "port": sim.port,
        "node_id": NODE,
        "login_name": LOGIN,
        "login_password": PASSWORD,
        "src_number": "10655001",
        "corp_id": "12345",
        "service_type": "HIS",
        "listen_host": "127.0.0.1",
        "listen_port": 0,
        **FAST,
        **overrides,
    }
    channel = from_config("cucc", options)
    await channel.start(storing(events))
    sim.sp_port = channel.listen_port
    try:
        yield channel, events
    finally:
        await channel.stop()


def test_2000_parts_accepted_and_reported_through_the_listener() -> None:
    async def scenario() -> None:
        config = SimConfig(LOGIN, PASSWORD, report_delay=0.01, fail_ratio=0.1, seed=7)
        async with smg(config) as sim, carrier(sim) as (channel, events):
            results = await channel.submit(parts(2000))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            ids = {r.carrier_msg_id or "" for r in results}
            assert len(ids) == 2000 and {Sequence.parse(i).node for i in ids} == {NODE}
            await wait_for(lambda: len(events.of(DeliveryReport)) == 2000)
            reports = events.of(DeliveryReport)
            assert {r.carrier_msg_id for r in reports} == ids
            failed = [r for r in reports if not r.delivered]
            assert 100 < len(failed) < 300 and all(r.stat.startswith("SG:") for r in failed)
            await wait_for(lambda: sim.counters.report_acks == 2000)  # every REPORT answered
            assert reports[0].phone.startswith("138") and sim.outbound_binds == 1
            assert channel.server.binds == 1

    asyncio.run(scenario())


def test_interim_reports_are_not_passed_on() -> None:
    async def scenario() -> None:
        async with smg(interim_reports=True) as sim, carrier(sim) as (channel, events):
            results = await channel.submit(parts(20))
            await wait_for(lambda: sim.counters.report_acks == 40)  # 20 interim, 20 final
            reports = events.of(DeliveryReport)
            assert len(reports) == 20 and {r.stat for r in reports} == {"DELIVRD"}
            assert {r.carrier_msg_id for r in reports} == {r.carrier_msg_id for r in results}

    asyncio.run(scenario())


def test_long_message_parts_and_their_reports() -> None:
    async def scenario() -> None:
        async with smg() as sim, carrier(sim) as (channel, events):
            batch = long_message(42, "13012345678", ["第一部分" * 16, "第二部分" * 16, "完"])
            results = await channel.submit(batch)
            assert [r.key.seq for r in results] == [1, 2, 3]
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            await wait_for(lambda: len(events.of(DeliveryReport)) == 3)
            assert {r.carrier_msg_id for r in events.of(DeliveryReport)} == {
                r.carrier_msg_id for r in results
            }
            assert sim.counters.per_phone["13012345678"] == 3

    asyncio.run(scenario())


def test_mo_reply_by_rule_arrives_at_the_listener() -> None:
    async def scenario() -> None:
        async with smg() as sim, carrier(sim) as (channel, events):
            batch = parts(1, "明天上午9点预约复诊，确认请回复1", start=500, src_ext="8001")
            assert (await channel.submit(batch))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: bool(events.of(MoMessage)))
            mo = events.of(MoMessage)[0]
            assert (mo.phone, mo.service_number, mo.content) == ("13800000500", "106550018001", "1")
            assert mo.extension == "8001"  # the adapter splits it off the service number
            sim.send_mo("13000000501", "TD", "106550019")
            await wait_for(lambda: len(events.of(MoMessage)) == 2)
            assert events.of(MoMessage)[1].phone == "13000000501"

    asyncio.run(scenario())


def test_listener_refuses_an_smg_with_the_wrong_password() -> None:
    async def scenario() -> None:
        async with (
            smg() as sim,
            carrier(sim, smg_login_password="other") as (channel, events),
        ):
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED
            await asyncio.sleep(0.3)
            assert channel.server.binds == 0 and sim.outbound_binds == 0
            assert not events.of(DeliveryReport)

    asyncio.run(scenario())


def test_idle_link_is_unbound_and_reopened_on_demand() -> None:
    async def scenario() -> None:
        async with smg(idle_seconds=0.1) as sim, carrier(sim, idle_seconds=0.2) as (channel, ev):
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: not channel.session.up)  # logged out while idle
            await asyncio.sleep(0.3)
            assert sim.counters.logins == 1  # dormant: no reconnect without work
            assert (await channel.submit(parts(1, start=9)))[0].outcome is Outcome.ACCEPTED
            assert sim.counters.logins == 2 and channel.stats.drops == 0
            assert [e.up for e in ev.of(ChannelState)] == [True]  # never reported down
            await wait_for(lambda: len(ev.of(DeliveryReport)) == 2)
            assert sim.outbound_binds == 2  # the SMG's link idled out and came back too

    asyncio.run(scenario())


async def _bind_as_smg(port: int) -> tuple[asyncio.StreamReader, Any, Connection[Any]]:
    """A bare SMG bound to the listener on ``port``: (reader, writer, connection)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conn: Connection[Any] = Connection(SgipCodec(), Role.CLIENT)
    bind = pdus.Bind(
        sequence=Sequence(NODE, 0, 1),
        login_type=pdus.LoginType.SMG_TO_SP,
        login_name=LOGIN,
        login_password=PASSWORD,
    )
    writer.write(conn.send(bind))
    assert (await read_one(reader, conn)).result == 0
    return reader, writer, conn


def test_the_listener_unbinds_an_idle_smg_before_closing() -> None:
    async def scenario() -> None:
        async with smg() as sim, carrier(sim, idle_seconds=0.2) as (channel, _):
            reader, writer, conn = await _bind_as_smg(channel.listen_port)
            unbind = await asyncio.wait_for(read_one(reader, conn), 2.0)  # after 0.2 s idle
            assert isinstance(unbind, pdus.Unbind)
            writer.write(conn.send(pdus.UnbindResp(sequence=unbind.sequence)))
            assert await asyncio.wait_for(reader.read(), 2.0) == b""  # then it closes
            writer.close()

    asyncio.run(scenario())


def test_the_listener_closes_an_smg_that_never_answers_its_unbind() -> None:
    async def scenario() -> None:
        options = {"idle_seconds": 0.2, "dead_link_seconds": 0.3}
        async with smg() as sim, carrier(sim, **options) as (channel, _):
            reader, writer, conn = await _bind_as_smg(channel.listen_port)
            assert isinstance(await asyncio.wait_for(read_one(reader, conn), 2.0), pdus.Unbind)
            assert await asyncio.wait_for(reader.read(), 2.0) == b""  # no answer: closed
            writer.close()

    asyncio.run(scenario())


def test_the_simulator_answers_the_listener_s_unbind_and_binds_again_for_more() -> None:
    async def scenario() -> None:
        async with smg(idle_seconds=30) as sim, carrier(sim, idle_seconds=0.2) as (channel, ev):
            assert (await channel.submit(parts(1)))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: sim.unbound_by_sp == 1)  # our listener idled first
            assert (await channel.submit(parts(1, start=9)))[0].outcome is Outcome.ACCEPTED
            await wait_for(lambda: len(ev.of(DeliveryReport)) == 2)
            assert sim.outbound_binds == 2 and sim.counters.report_acks == 2

    asyncio.run(scenario())


def test_unbind_resp_with_trailing_bytes_is_a_clean_logout(caplog: Any, monkeypatch: Any) -> None:
    """go_sgip answers UNBIND with 9 bytes more than the spec's empty body (a generic
    response's Result and Reserve): ignored, and said once per process, not per link."""
    monkeypatch.setattr(wire_codec, "_NOTED", set())  # as in a fresh process

    async def scenario() -> None:
        async with (
            smg(unbind_resp_padding=9) as sim,
            carrier(sim, idle_seconds=0.2) as (channel, _),
        ):
            for start in (0, 9):  # two links, each logged out while idle
                assert (await channel.submit(parts(1, start=start)))[0].outcome is Outcome.ACCEPTED
                await wait_for(lambda: not channel.session.up)
            assert sim.counters.logins == 2

    with caplog.at_level(logging.INFO, logger="hisms"):
        asyncio.run(scenario())
    closes = [r.getMessage() for r in caplog.records if "closed:" in r.getMessage()]
    assert len(closes) == 2 and not any("trailing" in c for c in closes), closes
    notes = [r for r in caplog.records if "trailing" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.WARNING
    assert (
        "SGIP UnbindResp" in notes[0].getMessage() and "9 trailing bytes" in notes[0].getMessage()
    )
