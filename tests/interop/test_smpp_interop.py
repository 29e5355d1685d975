"""SMPP interop with code nobody here wrote, on 127.0.0.1 (see SMPP_PEERS.md).

* Our SMPP carrier against two independent SMSCs: npm ``smpp`` 0.5.1 (Node,
  peers/smsc.js) and PyPI ``smpp34`` 1.5.0's server: bind, UCS2 submits (long
  ones as UDH parts), receipts back as DeliveryReports, MO, unbind.
* Two independent ESMEs against our simulator: PyPI ``smpplib`` 2.2.4 and
  ``smpp34``'s client: bind_transceiver, a UCS2 submit_sm, its receipt.

Each test is skipped, saying why, only when its peer cannot be installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hisms.carrier.base import (
    CarrierEvent,
    DeliveryReport,
    MoMessage,
    Outcome,
    Submission,
    SubmitKey,
)
from hisms.carrier.simulator import SimConfig
from hisms.carrier.smpp.client import from_config
from hisms.carrier.smpp.simulator import SmppSimulator
from hisms.carrier.wire import udh
from tests.support import storing

PEERS = Path(__file__).parent / "peers"
SYSTEM_ID, PASSWORD = "hisms", "Pa55w0rd"
TEXT = "您的检验报告已出，请预约复诊"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def node_smsc(modules: Path) -> AsyncIterator[tuple[int, list[dict[str, Any]]]]:
    """peers/smsc.js running; yields its port and the submit_sm it has printed so far."""
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(PEERS / "smsc.js"),
        str(port),
        SYSTEM_ID,
        PASSWORD,
        env={"NODE_PATH": str(modules), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    submits: list[dict[str, Any]] = []

    async def collect() -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            submits.append(json.loads(line))

    try:
        first = await asyncio.wait_for(proc.stdout.readline(), 10)
        assert json.loads(first) == {"listening": port}
    except BaseException:
        proc.terminate()
        await proc.wait()
        raise
    reader = asyncio.create_task(collect())
    try:
        yield port, submits
    finally:
        proc.terminate()
        await proc.wait()
        await reader  # ends at EOF, closing the pipe


def _options(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "system_id": SYSTEM_ID,
        "password": PASSWORD,
        "src_number": "10690123",
        "connect_timeout_seconds": 3,
        "link_wait_seconds": 3,
        "reconnect_min_seconds": 0.1,
        "drain_seconds": 2,
        **overrides,
    }


def _batch() -> list[Submission]:
    """Five one-part messages and one three-part message (UDH)."""
    singles = [
        Submission(SubmitKey(i, 1, 1), f"1380013800{i}", TEXT, TEXT.encode("utf-16-be"))
        for i in range(5)
    ]
    chunks = ["第一段" * 22, "第二段" * 22, "完"]
    long = [
        Submission(
            SubmitKey(9, seq, 1),
            "13900139000",
            c,
            c.encode("utf-16-be"),
            udh=udh.build(9, 3, seq),
            ref=9,
            total=3,
        )
        for seq, c in enumerate(chunks, start=1)
    ]
    return singles + long


async def _through(port: int, until: int, **overrides: Any) -> tuple[list[Any], list[CarrierEvent]]:
    """Submit the batch through our carrier; wait for ``until`` receipts."""
    events: list[CarrierEvent] = []
    channel = from_config("peer", _options(port, **overrides))
    await channel.start(storing(events))
    try:
        results = await channel.submit(_batch())
        async with asyncio.timeout(10):
            while sum(isinstance(e, DeliveryReport) for e in events) < until:
                await asyncio.sleep(0.02)
    finally:
        await channel.stop()
    return results, events


def test_our_client_against_the_npm_smpp_smsc(node_modules: Path) -> None:
    async def scenario() -> None:
        async with node_smsc(node_modules) as (port, submits):
            results, events = await _through(port, until=8)
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            reports = [e for e in events if isinstance(e, DeliveryReport)]
            assert {r.carrier_msg_id for r in reports} == {r.carrier_msg_id for r in results}
            assert {r.stat for r in reports} == {"DELIVRD"}  # sent with data_coding 1
            assert reports[0].phone.startswith("13")
            # The Node side decoded our UCS2 and UDH itself.
            assert submits[0]["text"] == TEXT and submits[0]["data_coding"] == 8
            assert submits[0]["to"] == "8613800138000" and not submits[0]["udh"]
            assert [s["udh"] for s in submits[5:]] == [True, True, True]
            assert "".join(s["text"] for s in submits[5:]) == "第一段" * 22 + "第二段" * 22 + "完"
            mos = [e for e in events if isinstance(e, MoMessage)]
            assert mos and mos[0].content == "确认" and mos[0].service_number == "10690123"

    asyncio.run(scenario())


def test_wrong_password_against_the_npm_smpp_smsc(node_modules: Path) -> None:
    async def scenario() -> None:
        async with node_smsc(node_modules) as (port, _):
            channel = from_config("peer", _options(port, password="nope", link_wait_seconds=1))
            events: list[CarrierEvent] = []
            await channel.start(storing(events))
            try:
                (result,) = await channel.submit(_batch()[:1])
            finally:
                await channel.stop()
            assert result.outcome is Outcome.RETRY
            assert "ESME_RINVPASWD" in (result.error_text or "")

    asyncio.run(scenario())


def test_our_client_against_the_smpp34_smsc() -> None:
    smpp34 = pytest.importorskip("smpp34", reason="smpp34 peer: pip install smpp34 failed")

    async def serve(server: Any) -> None:
        sessions: dict[Any, Any] = {}
        count = 0
        while True:
            event = await server.next()
            if isinstance(event, smpp34.Esme):
                sessions[event.session_id] = event
            elif isinstance(event, smpp34.SubmitSmEvent):
                count += 1
                msg_id = f"S{count:05d}"
                event.accept(message_id=msg_id)
                text = (
                    f"id:{msg_id} sub:001 dlvrd:001 submit date:2411251000 "
                    "done date:2411251001 stat:DELIVRD err:000 text:"
                )
                await sessions[event.session_id].deliver_sm(
                    source_addr=event.destination_addr,
                    destination_addr=event.source_addr,
                    esm_class=0x04,
                    short_message=text.encode(),
                    tlvs=[
                        smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, f"{msg_id}\0".encode()),
                        smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, b"\x02"),
                    ],
                )

    async def scenario() -> None:
        port = _free_port()
        server = smpp34.Server(host="127.0.0.1", port=port, system_id="SMPP34")
        await server.start()
        task = asyncio.create_task(serve(server))
        try:
            results, events = await _through(port, until=8, long_messages="sar")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()
        assert {r.outcome for r in results} == {Outcome.ACCEPTED}
        reports = [e for e in events if isinstance(e, DeliveryReport)]
        assert {r.carrier_msg_id for r in reports} == {r.carrier_msg_id for r in results}
        assert all(r.delivered and r.phone.startswith("13") for r in reports)

    asyncio.run(scenario())


@contextlib.contextmanager
def _simulator_in_thread() -> Iterator[SmppSimulator]:
    """Our simulator on its own event loop thread, for a blocking client."""
    config = SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.01)
    loop = asyncio.new_event_loop()
    sim = SmppSimulator(config)
    loop.run_until_complete(sim.start())
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        yield sim
    finally:
        asyncio.run_coroutine_threadsafe(_stop(sim), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def _stop(sim: SmppSimulator) -> None:
    await sim.stop()
    # Connection handlers may still be closing their sockets.
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*others, return_exceptions=True)


def test_smpplib_client_against_our_simulator() -> None:
    pytest.importorskip("smpplib", reason="smpplib peer: pip install smpplib failed")
    import smpplib.client
    import smpplib.consts

    with _simulator_in_thread() as sim:
        client = smpplib.client.Client(
            "127.0.0.1", sim.port, timeout=5, allow_unknown_opt_params=True
        )
        sent: list[Any] = []
        got: list[Any] = []
        client.set_message_sent_handler(lambda pdu: sent.append(pdu))
        client.set_message_received_handler(lambda pdu: got.append(pdu))
        client.connect()
        try:
            client.bind_transceiver(system_id=SYSTEM_ID, password=PASSWORD)
            client.send_message(
                source_addr="10690123",
                destination_addr="13800138000",
                short_message=TEXT.encode("utf-16-be"),
                data_coding=smpplib.consts.SMPP_ENCODING_ISO10646,
                registered_delivery=1,
            )
            while not got:
                client.read_once()
            client.unbind()
        finally:
            client.disconnect()
        (resp,) = sent
        receipt = got[0]
        message_id = resp.message_id.decode()
        assert receipt.esm_class == 4 and receipt.receipted_message_id.decode() == message_id
        assert f"id:{message_id} ".encode() in receipt.short_message
        assert b"stat:DELIVRD" in receipt.short_message and receipt.message_state == 2
        assert sim.counters.accepted == 1 and sim.counters.per_phone["13800138000"] == 1


def test_smpp34_client_against_our_simulator() -> None:
    smpp34 = pytest.importorskip("smpp34", reason="smpp34 peer: pip install smpp34 failed")

    async def scenario() -> None:
        config = SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.01)
        async with SmppSimulator(config) as sim:
            client = smpp34.Client(
                host="127.0.0.1",
                port=sim.port,
                system_id=SYSTEM_ID,
                password=PASSWORD,
                bind_type="TRX",
            )
            smsc = await client.connect()
            resp = await smsc.submit_sm(
                destination_addr="13800138000",
                source_addr="10690123",
                short_message=TEXT.encode("utf-16-be"),
                data_coding=8,
                registered_delivery=1,
            )
            assert resp.is_success
            receipt = await asyncio.wait_for(smsc.next(), 5)
            await smsc.unbind()
            tlvs = {t.tag: bytes(t.value) for t in receipt.tlvs}
            assert receipt.esm_class == 4
            assert tlvs[smpp34.TLV_RECEIPTED_MESSAGE_ID].rstrip(b"\0").decode() == resp.message_id
            assert f"id:{resp.message_id} ".encode() in bytes(receipt.short_message)
            assert sim.counters.accepted == 1

    asyncio.run(scenario())
