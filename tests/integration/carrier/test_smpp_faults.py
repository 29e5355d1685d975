"""SMPP client against a misbehaving SMSC: drops, throttling, a wrong password, odd PDUs."""

from __future__ import annotations

import asyncio
import struct

from hisms.carrier.base import Outcome
from hisms.carrier.session.listener import Listener
from hisms.carrier.simulator import Faults, SimConfig
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import SmppCodec, decode, encode
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role

from .conftest import parts, wait_for
from .test_smpp_traffic import PASSWORD, SYSTEM_ID, smpp_carrier, smsc


def test_lost_answers_are_resent_then_retry() -> None:
    async def scenario() -> None:
        config = SimConfig(SYSTEM_ID, PASSWORD, faults=Faults(no_resp=True))
        async with (
            smsc(config) as sim,
            smpp_carrier(sim.port, response_timeout_seconds=0.2, max_resend=1, drain_seconds=0.1)
            as (channel, _),
        ):  # fmt: skip
            results = await channel.submit(parts(2))
            assert {r.outcome for r in results} == {Outcome.RETRY}
            assert sim.counters.submits == 4 and channel.stats.resent == 2

    asyncio.run(scenario())


async def _odd_smsc(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[object]
) -> None:
    """Binds anyone, sends an unknown command and an enquire_link, nacks every submit
    as throttled once, then accepts; records what the client answers."""
    conn: Connection[pdus.Pdu] = Connection(SmppCodec(), Role.SERVER)
    nacked = False
    while data := await reader.read(4096):
        conn.receive_data(data)
        while (pdu := conn.next_event()) is not NEED_DATA:
            seen.append(pdu)
            if isinstance(pdu, pdus.BindTransceiver):
                resp = pdus.BindTransceiverResp(sequence_number=pdu.sequence_number)
                writer.write(conn.send(resp))
                writer.write(struct.pack(">IIII", 16, 0x00000103, 0, 77))  # unknown command
                writer.write(conn.send(pdus.EnquireLink(sequence_number=78)))
            elif isinstance(pdu, pdus.SubmitSm) and not nacked:
                nacked = True
                nack = pdus.GenericNack(sequence_number=pdu.sequence_number, command_status=0x58)
                writer.write(conn.send(nack))
            elif isinstance(pdu, pdus.SubmitSm):
                ok = pdus.SubmitSmResp(sequence_number=pdu.sequence_number, message_id="A1")
                writer.write(conn.send(ok))
            elif isinstance(pdu, pdus.Unbind):
                return  # the listener closes: like smpp34, no unbind_resp


def test_unknown_command_nacked_enquire_link_answered_generic_nack_throttles() -> None:
    async def scenario() -> None:
        seen: list[object] = []
        server = Listener(lambda r, w: _odd_smsc(r, w, seen), "127.0.0.1", 0)
        await server.start()
        try:
            async with smpp_carrier(server.port) as (channel, _):
                results = await channel.submit(parts(1))
                assert results[0].outcome is Outcome.ACCEPTED
                assert results[0].carrier_msg_id == "A1"
                await wait_for(lambda: len(seen) >= 5)
                nack = next(p for p in seen if isinstance(p, pdus.GenericNack))
                assert (nack.sequence_number, nack.command_status) == (77, pdus.Status.RINVCMDID)
                assert pdus.EnquireLinkResp(sequence_number=78) in seen
                assert channel.stats.throttled == 1 and channel.stats.drops == 0
            assert channel.stats.drops == 0  # EOF after our unbind is a clean close
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_unknown_command_to_the_simulator_gets_generic_nack() -> None:
    async def scenario() -> None:
        async with smsc() as sim:
            reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
            bind = pdus.BindTransceiver(sequence_number=1, system_id=SYSTEM_ID, password=PASSWORD)
            writer.write(encode(bind) + struct.pack(">IIII", 16, 0x00000222, 0, 9))
            answers = [decode(await reader.readexactly(length)) for length in (25, 16)]
            assert answers[0].command_id == pdus.CommandId.BIND_TRANSCEIVER_RESP
            assert answers[1] == pdus.GenericNack(
                sequence_number=9, command_status=pdus.Status.RINVCMDID
            )
            writer.close()
            await writer.wait_closed()

    asyncio.run(scenario())
