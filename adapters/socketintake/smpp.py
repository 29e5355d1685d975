"""The SMPP 3.4 side of the socket intake: hisms as the SMSC for an ESME client.

bind_transmitter (submits only), bind_receiver (receipts and MO only) and
bind_transceiver (both); system_id is the login (ESME_RINVSYSID for an unknown one,
ESME_RINVPASWD for a wrong password, ESME_RBINDFAIL past ``max_links``). Each submit_sm
becomes one ``sms_outbox`` row, answered with message_id = the row's id in decimal;
long messages may come as UDH parts, sar_* TLVs or one message_payload, and every part
is answered with the same id once the row is committed. Over the login's rate the
answer is ESME_RTHROTTLED; a bad number ESME_RINVDSTADR; too long ESME_RINVMSGLEN; a
row the database refuses ESME_RSUBMITFAIL; a database outage ESME_RSYSERR. Receipts go
out as deliver_sm (esm_class 0x04, the standard text with the row's id, and the
receipted_message_id and message_state TLVs); MO as deliver_sm in UCS2 (a long one in
message_payload). Once bound, a PDU with a readable header but an unknown command or a
broken body is answered generic_nack; before the bind it closes the link.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hisms.adapters.socketintake import events
from hisms.adapters.socketintake.feed import Event
from hisms.adapters.socketintake.link import IntakeLink, Refusal
from hisms.adapters.socketintake.service import Intake
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import SmppCodec, SmppConnection, Undecodable
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import Status, Tag
from hisms.carrier.smpp.report import Receipt, build_deliver_sm
from hisms.carrier.wire.connection import Role, State
from hisms.carrier.wire.errors import RemoteProtocolError

SYSTEM_ID = "HISMS"
_RESPONSES = {
    pdus.BindTransceiver: pdus.BindTransceiverResp,
    pdus.BindTransmitter: pdus.BindTransmitterResp,
    pdus.BindReceiver: pdus.BindReceiverResp,
}
_STATUS = {
    Refusal.THROTTLED: Status.RTHROTTLED,
    Refusal.BAD_NUMBER: Status.RINVDSTADR,
    Refusal.TOO_LONG: Status.RINVMSGLEN,
    Refusal.NOT_STORED: Status.RSUBMITFAIL,
    Refusal.BUSY: Status.RSYSERR,
    Refusal.INCOMPLETE: Status.RSUBMITFAIL,
    Refusal.NOT_ALLOWED: Status.RINVBNDSTS,
}
_SHORT = 140  # MO longer than this (in UCS2 bytes) goes in message_payload


class SmppLink(IntakeLink):
    def __init__(self, intake: Intake, writer: asyncio.StreamWriter, peer: str) -> None:
        super().__init__(intake, SmppConnection(SmppCodec(), Role.SERVER), writer, peer)
        self.sending = False

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.SubmitSm):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverSmResp):
            self.answered(pdu.sequence_number, pdu.command_status == Status.ROK)
        elif isinstance(pdu, pdus.GenericNack):
            self.answered(pdu.sequence_number, False)
        elif isinstance(pdu, pdus.Bind):
            self.on_bind(pdu)
        elif isinstance(pdu, pdus.EnquireLink):
            self.send(pdus.EnquireLinkResp(sequence_number=pdu.sequence_number))
        elif isinstance(pdu, pdus.Unbind):
            self.send(pdus.UnbindResp(sequence_number=pdu.sequence_number))
            self.close()
        elif isinstance(pdu, pdus.UnbindResp):
            self.close()
        elif isinstance(pdu, Undecodable):
            self.nack(pdu.sequence_number, pdu.status)
        elif not isinstance(pdu, pdus.Response):  # submit_multi, query_sm, data_sm...
            self.nack(pdu.sequence_number, Status.RINVCMDID)

    def on_bind(self, pdu: pdus.Bind) -> None:
        account = self.intake.account(pdu.system_id)
        status = Status.ROK
        if account is None:
            status = Status.RINVSYSID
        elif pdu.password != account.password.get_secret_value():
            status = Status.RINVPASWD
        elif not self.login_ok(pdu.system_id, not isinstance(pdu, pdus.BindTransmitter)):
            status = Status.RBINDFAIL
        self.sending = not isinstance(pdu, pdus.BindReceiver)
        resp = _RESPONSES[type(pdu)]
        system_id = SYSTEM_ID if status == Status.ROK else ""
        self.send(
            resp(sequence_number=pdu.sequence_number, command_status=status, system_id=system_id)
        )
        if status:
            self.intake.login_failed(pdu.system_id, self.peer, status)
            self.close()

    def on_submit(self, pdu: pdus.SubmitSm) -> None:
        if not self.sending:
            self.refuse(pdu.sequence_number, Refusal.NOT_ALLOWED)
            return
        try:
            concat, words = read_text(pdu)
        except RemoteProtocolError:  # a UDH that overruns the message
            self.refuse(pdu.sequence_number, Refusal.TOO_LONG)
            return
        self.take_submit(pdu.sequence_number, [pdu.destination_addr], concat, words)

    def accept(self, token: Any, msg_id: int) -> None:
        self.send(pdus.SubmitSmResp(sequence_number=token, message_id=str(msg_id)))

    def refuse(self, token: Any, why: Refusal) -> None:
        self.send(pdus.SubmitSmResp(sequence_number=token, command_status=_STATUS[why]))

    def probe(self) -> None:
        self.send(pdus.EnquireLink(sequence_number=self.next_seq()))

    def nack(self, seq: int, status: int) -> None:
        """generic_nack, once bound; garbage before the bind closes the link."""
        if self.conn.state is State.BOUND:
            self.send(pdus.GenericNack(sequence_number=seq, command_status=status))
        else:
            self.close()

    def event_pdus(self, event: Event) -> list[tuple[int, Any]]:
        seq = self.next_seq()
        if event["kind"] == "MO":
            return [(seq, self._mo(seq, event))]
        stat = events.stat(event)
        at = events.when(event)
        receipt = Receipt(
            str(event["outbox_id"]), stat, "000" if stat == "DELIVRD" else "001", at, at
        )
        return [(seq, build_deliver_sm(receipt, seq, event["phone"] or "", ""))]

    def _mo(self, seq: int, event: Event) -> pdus.DeliverSm:
        content = (event["content"] or "").encode("utf-16-be")
        short, tlvs = content, {}
        if len(content) > _SHORT:
            short, tlvs = b"", {int(Tag.MESSAGE_PAYLOAD): content}
        return pdus.DeliverSm(
            sequence_number=seq,
            source_addr=event["phone"] or "",
            destination_addr=event["service_number"] or "",
            data_coding=8,
            short_message=short,
            tlvs=tlvs,
        )
