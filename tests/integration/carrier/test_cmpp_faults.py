"""CMPP client against a misbehaving gateway: drops, throttling, bad logins, silence."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime

from hisms.carrier.base import ChannelState, DeliveryReport, Outcome
from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.session.listener import Listener
from hisms.carrier.simulator import Faults, SimConfig
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role

from .conftest import ACCOUNT, SECRET, carrier, gateway, parts, wait_for


def test_occasional_flow_control_is_retried() -> None:
    async def scenario() -> None:
        config = SimConfig(ACCOUNT, SECRET, faults=Faults(throttle_ratio=0.2), seed=5)
        async with gateway(config) as sim, carrier(sim.port) as (channel, _):
            results = await channel.submit(parts(40))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert sim.counters.accepted == 40 and sim.counters.throttled > 0

    asyncio.run(scenario())


def test_unreachable_gateway_returns_retry() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> None:
        async with carrier(port, link_wait_seconds=0.5) as (channel, events):
            results = await channel.submit(parts(2))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert not events.of(ChannelState)[0].up

    asyncio.run(scenario())


def test_lost_answers_are_resent_up_to_max_then_retry() -> None:
    async def scenario() -> None:
        config = SimConfig(ACCOUNT, SECRET, faults=Faults(no_resp=True))
        async with (
            gateway(config) as sim,
            carrier(sim.port, response_timeout_seconds=0.2, max_resend=2, drain_seconds=0.1) as (
                channel,
                _,
            ),
        ):
            results = await channel.submit(parts(2))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert "resends" in (results[0].error_text or "")
            assert sim.counters.submits == 2 * 3 and channel.stats.resent == 4

    asyncio.run(scenario())


def test_duplicate_shuffled_and_unknown_reports_are_passed_on() -> None:
    async def scenario() -> None:
        faults = Faults(duplicate_ratio=0.5, shuffle_reports=True, unknown_report_ratio=0.5)
        config = SimConfig(ACCOUNT, SECRET, report_delay=0.01, faults=faults, seed=1)
        async with gateway(config) as sim, carrier(sim.port) as (channel, events):
            results = await channel.submit(parts(40))
            ids = {r.carrier_msg_id for r in results}

            def reported() -> list[str | None]:
                return [r.carrier_msg_id for r in events.of(DeliveryReport)]

            # Shuffled reports fall due late: wait for every scheduled one, not for the
            # count sent so far (it can match the count received while some are due).
            counters = sim.counters
            expected = 40 + counters.duplicate_reports + counters.unknown_reports
            await wait_for(lambda: len(reported()) == expected)
            assert counters.duplicate_reports and counters.unknown_reports
            assert ids <= set(reported()) and set(reported()) - ids  # unknown ids too
            assert len(reported()) > len(set(reported()))  # duplicates

    asyncio.run(scenario())


async def _silent_gateway(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, logins: list[int]
) -> None:
    """Accepts the login, then never answers anything (a dead peer behind a live socket)."""
    conn: Connection[pdus.Pdu] = Connection(CmppCodec(pdus.V30), Role.SERVER)
    while data := await reader.read(4096):
        conn.receive_data(data)
        while (pdu := conn.next_event()) is not NEED_DATA:
            if isinstance(pdu, pdus.Connect):
                logins.append(1)
                writer.write(conn.send(pdus.ConnectResp(pdu.sequence_id, 0, b"", pdus.V30)))


def test_keepalive_without_answer_drops_and_reconnects() -> None:
    async def scenario() -> None:
        logins: list[int] = []
        gateway = Listener(lambda r, w: _silent_gateway(r, w, logins), "127.0.0.1", 0)
        await gateway.start()
        try:
            async with carrier(
                gateway.port, heartbeat_seconds=0.1, dead_link_seconds=0.1, drain_seconds=0.1
            ) as (_channel, events):
                await wait_for(lambda: len(logins) >= 2, timeout=3)
                downs = [e.detail for e in events.of(ChannelState) if not e.up]
                assert any("keep-alive" in d for d in downs)
        finally:
            await gateway.stop()

    asyncio.run(scenario())


class _RawClient:
    """A bare CMPP client that answers nothing the gateway sends it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.conn: Connection[pdus.Pdu] = Connection(CmppCodec(pdus.V30), Role.CLIENT)

    @classmethod
    async def login(cls, port: int) -> _RawClient:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        client.send(auth.connect(1, ACCOUNT, SECRET, pdus.V30, datetime.now()))
        assert (await client.next()).status == 0  # type: ignore[union-attr]
        return client

    def send(self, pdu: pdus.Pdu) -> None:
        self.writer.write(self.conn.send(pdu))

    async def next(self) -> pdus.Pdu:
        while (pdu := self.conn.next_event()) is NEED_DATA:
            self.conn.receive_data(await asyncio.wait_for(self.reader.read(4096), 10))
        return pdu  # type: ignore[return-value]


def test_a_report_left_unanswered_when_its_connection_closes_is_sent_again() -> None:
    async def scenario() -> None:
        async with gateway() as sim:
            first = await _RawClient.login(sim.port)
            first.send(pdus.Submit(2, ("13800138000",), "复诊".encode("utf-16-be")))
            answer = await first.next()
            report = await first.next()  # never answered, then the connection goes
            assert isinstance(answer, pdus.SubmitResp) and isinstance(report, pdus.Deliver)
            first.writer.close()
            await wait_for(lambda: sim.counters.redelivered == 1)
            second = await _RawClient.login(sim.port)
            again = await second.next()
            assert isinstance(again, pdus.Deliver) and again.report is not None
            assert again.report.msg_id == answer.msg_id  # the same report, on the new link
            second.send(pdus.DeliverResp(again.sequence_id, again.msg_id, 0))
            await wait_for(lambda: sim.counters.report_acks == 1)
            second.writer.close()
            await asyncio.sleep(0.05)
            assert sim.counters.redelivered == 1  # an answered report is not sent again

    asyncio.run(scenario())
