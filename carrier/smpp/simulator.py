"""An SMPP 3.4 SMSC simulator on 127.0.0.1, for tests, demos, benches and other ESMEs.

It reuses the sans-IO connection in the server role: checks the bind
(ESME_RINVSYSID / ESME_RINVPASWD), answers submit_sm with a message id,
enquire_link and unbind, answers an unknown command with generic_nack, and
sends receipts (standard ``id:... stat:...`` text plus receipted_message_id
and message_state TLVs) and MO as deliver_sm to a receiver or transceiver
bind. Long messages may come as UDH, sar_* TLVs or message_payload. Fault
knobs, report mix and MO rules are the shared ones of
:mod:`hisms.carrier.simulator`. ``hisms simulate smpp`` runs :func:`cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from datetime import datetime
from typing import Any

import click

from hisms.carrier.connection import NEED_DATA, Role, State
from hisms.carrier.errors import RemoteProtocolError
from hisms.carrier.simulator import GatewaySimulator, PendingMo, PendingReport, SimConfig
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import SmppCodec
from hisms.carrier.smpp.inbound import SmppConnection, Undecodable
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import Status
from hisms.carrier.smpp.receipt import Receipt, build_deliver_sm
from hisms.carrier.smpp.tlv import Tag

log = logging.getLogger("hisms.carrier.smpp.simulator")

SYSTEM_ID = "HISMSSIM"
_RESPONSES = {
    pdus.BindTransceiver: pdus.BindTransceiverResp,
    pdus.BindTransmitter: pdus.BindTransmitterResp,
    pdus.BindReceiver: pdus.BindReceiverResp,
}
_SHORT = 140  # MO text longer than this goes in message_payload


class SmppSimulator(GatewaySimulator):
    def __init__(self, config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(config, host, port)
        self._ids = itertools.count(0x1000)

    def next_msg_id(self) -> str:
        # Hex, as many SMSCs write them; receipts carry the same string.
        return f"{next(self._ids):010x}"

    def unknown_id(self) -> str:
        return f"ffff{next(self._ids):06x}"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, writer)
        try:
            await session.run(reader)
        finally:
            self.logged_out(session)


class _Session:
    """One ESME connection, SMSC side."""

    def __init__(self, sim: SmppSimulator, writer: asyncio.StreamWriter) -> None:
        self.sim = sim
        self.writer = writer
        self.conn = SmppConnection(SmppCodec(), Role.SERVER)
        self._seq = 0

    async def run(self, reader: asyncio.StreamReader) -> None:
        while True:
            while (pdu := self.conn.next_event()) is not NEED_DATA:
                self.handle(pdu)
                if self.writer.is_closing():
                    return
            if self.conn.state is State.CLOSED:
                return
            data = await reader.read(65536)
            if not data:
                return
            self.conn.receive_data(data)

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.SubmitSm):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverSmResp):
            self.sim.counters.report_acks += 1
        elif isinstance(pdu, pdus.Bind):
            self.on_bind(pdu)
        elif isinstance(pdu, pdus.EnquireLink):
            self.send(pdus.EnquireLinkResp(sequence_number=pdu.sequence_number))
        elif isinstance(pdu, pdus.Unbind):
            self.send(pdus.UnbindResp(sequence_number=pdu.sequence_number))
            self.writer.close()
        elif isinstance(pdu, Undecodable):
            self.nack(pdu.sequence_number, pdu.status)
        elif not isinstance(pdu, pdus.Response):
            self.nack(pdu.sequence_number, pdus.Status.RINVCMDID)

    def on_bind(self, pdu: pdus.Bind) -> None:
        sim = self.sim
        sim.counters.logins += 1
        status = pdus.Status.ROK
        if pdu.system_id != sim.config.account:
            status = pdus.Status.RINVSYSID
        elif pdu.password != sim.config.secret:
            status = pdus.Status.RINVPASWD
        system_id = SYSTEM_ID if status == pdus.Status.ROK else ""
        resp = _RESPONSES[type(pdu)]
        self.send(
            resp(sequence_number=pdu.sequence_number, command_status=status, system_id=system_id)
        )
        if status:
            sim.counters.login_failures += 1
            self.writer.close()
        elif not isinstance(pdu, pdus.BindTransmitter):  # receipts need a receiving bind
            sim.logged_in(self)

    def on_submit(self, pdu: pdus.SubmitSm) -> None:
        sim, faults = self.sim, self.sim.faults
        sim.counters.submits += 1
        if faults.drop_after_submits and sim.counters.submits == faults.drop_after_submits:
            self.writer.close()  # mid-window: everything unanswered is lost
            return
        if faults.no_resp:
            sim.counters.unanswered += 1
            return
        seq = pdu.sequence_number
        if sim.throttled():
            self.answer(pdus.SubmitSmResp(sequence_number=seq, command_status=Status.RTHROTTLED))
            return
        try:
            _, body = read_text(pdu)
        except RemoteProtocolError:  # a UDH that overruns the message
            self.answer(pdus.SubmitSmResp(sequence_number=seq, command_status=Status.RINVMSGLEN))
            return
        msg_id = sim.next_msg_id()
        self.answer(pdus.SubmitSmResp(sequence_number=seq, message_id=msg_id))
        report = bool(pdu.registered_delivery & 1)
        sim.accepted(msg_id, pdu.destination_addr, pdu.source_addr, body, report)

    def answer(self, resp: pdus.SubmitSmResp) -> None:
        delay = self.sim.faults.resp_delay
        if delay:
            asyncio.get_running_loop().call_later(delay, self.send, resp)
        else:
            self.send(resp)

    def send_report(self, report: PendingReport) -> None:
        receipt = Receipt(
            report.msg_id,
            report.stat,
            "000" if report.stat == "DELIVRD" else "001",
            report.submitted_at,
            datetime.now(),
        )
        self.send(build_deliver_sm(receipt, self._next_seq(), report.phone, report.service_number))

    def send_mo(self, mo: PendingMo) -> None:
        content = mo.content.encode("utf-16-be")
        short, tlvs = content, {}
        if len(content) > _SHORT:
            short, tlvs = b"", {int(Tag.MESSAGE_PAYLOAD): content}
        self.send(
            pdus.DeliverSm(
                sequence_number=self._next_seq(),
                source_addr=mo.phone,
                destination_addr=mo.service_number,
                data_coding=8,
                short_message=short,
                tlvs=tlvs,
            )
        )

    def nack(self, seq: int, status: int) -> None:
        self.send(pdus.GenericNack(sequence_number=seq, command_status=status))

    def send(self, pdu: pdus.Pdu) -> None:
        if not self.writer.is_closing() and self.conn.state is not State.CLOSED:
            self.writer.write(self.conn.send(pdu))

    def _next_seq(self) -> int:
        self._seq = self._seq % 0x7FFFFFFF + 1
        return self._seq


@click.command("smpp")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2775, show_default=True, type=int)
@click.option("--system-id", default="hisms", show_default=True, help="the ESME's system_id")
@click.option("--password", default="secret", show_default=True)
@click.option("--report-delay", default=0.5, show_default=True, type=float, help="seconds")
@click.option("--fail-ratio", default=0.0, show_default=True, type=float)
@click.option("--throttle-ratio", default=0.0, show_default=True, type=float)
@click.option("--resp-delay", default=0.0, show_default=True, type=float, help="seconds")
@click.option("--drop-after", default=0, show_default=True, type=int, help="close on this submit")
@click.option("--seed", default=0, show_default=True, type=int)
def cli(
    host: str,
    port: int,
    system_id: str,
    password: str,
    report_delay: float,
    fail_ratio: float,
    throttle_ratio: float,
    resp_delay: float,
    drop_after: int,
    seed: int,
) -> None:
    """Run an SMPP 3.4 SMSC simulator until interrupted."""
    config = SimConfig(
        system_id, password, report_delay=report_delay, fail_ratio=fail_ratio, seed=seed
    )
    faults = config.faults
    faults.throttle_ratio, faults.resp_delay, faults.drop_after_submits = (
        throttle_ratio,
        resp_delay,
        drop_after,
    )
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        async with SmppSimulator(config, host=host, port=port) as sim:
            click.echo(f"SMPP 3.4 simulator on {host}:{sim.port} (system_id {system_id})")
            started = time.monotonic()
            while True:
                await asyncio.sleep(10)
                c = sim.counters
                click.echo(
                    f"{time.monotonic() - started:.0f}s: binds {c.logins}, submits {c.submits}, "
                    f"receipts {c.reports_sent}, MO {c.mo_sent}"
                )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
