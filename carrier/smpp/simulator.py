"""An SMPP 3.4 SMSC simulator on 127.0.0.1, for tests, demos, benches and other ESMEs.

It reuses the sans-IO connection in the server role: checks the bind
(ESME_RINVSYSID / ESME_RINVPASWD), answers submit_sm with a message id,
enquire_link and unbind, answers an unknown command with generic_nack, and
sends receipts (standard ``id:... stat:...`` text plus receipted_message_id
and message_state TLVs) and MO as deliver_sm to a receiver or transceiver
bind (``decimal_receipts``: receipts name the hex message id in decimal, as
many SMSCs do). Long messages may come as UDH, sar_* TLVs or message_payload. Fault
knobs, report mix and MO rules are the shared ones of
:mod:`hisms.carrier.simulator`. ``hisms simulate smpp`` runs :func:`cli`.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hisms.carrier.simulator import (
    GatewaySimulator,
    PduSession,
    PendingMo,
    PendingReport,
    SimConfig,
)
from hisms.carrier.simulator.cli import Account, command
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import SmppCodec, SmppConnection, Undecodable
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import Status, Tag
from hisms.carrier.smpp.report import Receipt, build_deliver_sm
from hisms.carrier.wire.connection import Role
from hisms.carrier.wire.errors import RemoteProtocolError

SYSTEM_ID = "HISMSSIM"
_RESPONSES = {
    pdus.BindTransceiver: pdus.BindTransceiverResp,
    pdus.BindTransmitter: pdus.BindTransmitterResp,
    pdus.BindReceiver: pdus.BindReceiverResp,
}
_SHORT = 140  # MO text longer than this goes in message_payload


class SmppSimulator(GatewaySimulator):
    def __init__(
        self,
        config: SimConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        decimal_receipts: bool = False,  # receipts name the hex submit id in decimal
    ) -> None:
        super().__init__(config, host, port)
        self.decimal_receipts = decimal_receipts
        self._ids = itertools.count(0x1000)

    def next_msg_id(self) -> str:
        # Hex, as many SMSCs write them; receipts carry the same string.
        return f"{next(self._ids):010x}"

    def unknown_id(self) -> str:
        return f"ffff{next(self._ids):06x}"

    def session(self, writer: asyncio.StreamWriter) -> _Session:
        return _Session(self, writer)

    def logged_out(self, session: Any) -> None:
        """As an SMSC does, what a closed connection never answered is sent again."""
        super().logged_out(session)
        if isinstance(session, _Session) and session.unacked:
            unacked, session.unacked = list(session.unacked.values()), {}
            self.redeliver(unacked)


class _Session(PduSession[SmppSimulator]):
    """One ESME connection, SMSC side."""

    def __init__(self, sim: SmppSimulator, writer: asyncio.StreamWriter) -> None:
        super().__init__(sim, SmppConnection(SmppCodec(), Role.SERVER), writer)
        self.unacked: dict[int, PendingReport | PendingMo] = {}  # deliver_sm sequence -> item

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.SubmitSm):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverSmResp):
            self.sim.counters.report_acks += 1
            self.unacked.pop(pdu.sequence_number, None)
        elif isinstance(pdu, pdus.Bind):
            self.on_bind(pdu)
        elif isinstance(pdu, pdus.EnquireLink):
            self.keepalive(pdus.EnquireLinkResp(sequence_number=pdu.sequence_number))
        elif isinstance(pdu, pdus.Unbind):
            self.send(pdus.UnbindResp(sequence_number=pdu.sequence_number))
            self.close()
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
            self.close()
        elif not isinstance(pdu, pdus.BindTransmitter):  # receipts need a receiving bind
            sim.logged_in(self)

    def throttled(self, pdu: pdus.SubmitSm) -> pdus.SubmitSmResp:
        return pdus.SubmitSmResp(
            sequence_number=pdu.sequence_number, command_status=Status.RTHROTTLED
        )

    def accept(self, pdu: pdus.SubmitSm, answered: bool) -> None:
        seq = pdu.sequence_number
        try:
            _, body = read_text(pdu)
        except RemoteProtocolError:  # a UDH that overruns the message
            self.answer(pdus.SubmitSmResp(sequence_number=seq, command_status=Status.RINVMSGLEN))
            return
        msg_id = self.sim.next_msg_id()
        if answered:
            self.answer(pdus.SubmitSmResp(sequence_number=seq, message_id=msg_id))
        report = bool(pdu.registered_delivery & 1)
        self.sim.accepted(msg_id, pdu.destination_addr, pdu.source_addr, body, report)

    def send_report(self, report: PendingReport) -> None:
        msg_id = str(int(report.msg_id, 16)) if self.sim.decimal_receipts else report.msg_id
        receipt = Receipt(
            msg_id,
            report.stat,
            "000" if report.stat == "DELIVRD" else "001",
            report.submitted_at,
            self.sim.now(),
        )
        seq = self.next_seq()
        self.unacked[seq] = report
        self.send(build_deliver_sm(receipt, seq, report.phone, report.service_number))

    def send_mo(self, mo: PendingMo) -> None:
        content = mo.content.encode("utf-16-be")
        short, tlvs = content, {}
        if len(content) > _SHORT:
            short, tlvs = b"", {int(Tag.MESSAGE_PAYLOAD): content}
        seq = self.next_seq()
        self.unacked[seq] = mo
        self.send(
            pdus.DeliverSm(
                sequence_number=seq,
                source_addr=mo.phone,
                destination_addr=mo.service_number,
                data_coding=8,
                short_message=short,
                tlvs=tlvs,
            )
        )

    def nack(self, seq: int, status: int) -> None:
        self.send(pdus.GenericNack(sequence_number=seq, command_status=status))


cli = command(
    "smpp",
    "an SMPP 3.4 SMSC",
    2775,
    SmppSimulator,
    Account("--system-id", "hisms", "the ESME's system_id", secret_flag="--password"),
)
