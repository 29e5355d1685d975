"""SMPP 3.4 as a :class:`~hisms.carrier.session.adapter.ProtocolAdapter` for the shared session.

One adapter serves one kind of link: a transceiver (submits, receipts and MO
on one bind), or in a transmitter+receiver channel a transmitter (submits
only) or a receiver (receipts and MO only; the session never gives it parts).
"""

from __future__ import annotations

import logging
from typing import Any

from hisms.carrier.base import Submission
from hisms.carrier.session.adapter import (
    Answer,
    Incoming,
    LoginRefused,
    PeerRequest,
    SubmitAnswer,
    Verdict,
    with_extensions,
)
from hisms.carrier.smpp import message, msgid, pdus
from hisms.carrier.smpp.codec import SmppCodec, SmppConnection, Undecodable
from hisms.carrier.smpp.inbound import Inbound
from hisms.carrier.smpp.msgid import ReceiptIds
from hisms.carrier.smpp.options import LongMode, SmppOptions
from hisms.carrier.smpp.pdus import Tag
from hisms.carrier.smpp.status import RX_P_APPN, THROTTLING, status_code, status_text
from hisms.carrier.wire.connection import Role
from hisms.carrier.wire.errors import RemoteProtocolError

log = logging.getLogger("hisms.carrier.smpp")

BINDS: dict[str, tuple[type[pdus.Bind], type[pdus.BindResp]]] = {
    "transceiver": (pdus.BindTransceiver, pdus.BindTransceiverResp),
    "transmitter": (pdus.BindTransmitter, pdus.BindTransmitterResp),
    "receiver": (pdus.BindReceiver, pdus.BindReceiverResp),
}
_ANSWERS = (pdus.EnquireLinkResp, pdus.UnbindResp)
_SINGLE_OCTETS = 140  # longer text in payload mode goes in message_payload
_INTERNATIONAL = 1


class SmppAdapter:
    def __init__(self, channel: str, options: SmppOptions, bind: str = "transceiver") -> None:
        self.channel = channel
        self.options = options
        self.bind = bind
        self._inbound = Inbound(channel, options.receipt_ids, zone=options.gateway_timezone)

    def new_connection(self) -> SmppConnection:
        return SmppConnection(SmppCodec(), Role.CLIENT)

    def login(self, seq: int) -> pdus.Bind:
        o = self.options
        return BINDS[self.bind][0](
            sequence_number=seq,
            system_id=o.system_id,
            password=o.password,
            system_type=o.system_type,
            addr_ton=o.source_addr_ton,
            addr_npi=o.source_addr_npi,
            address_range=o.address_range,
        )

    def check_login(self, pdu: Any) -> None:
        expected = BINDS[self.bind][1]
        if not isinstance(pdu, expected):
            raise LoginRefused(f"expected {expected.command_id.name}, got {type(pdu).__name__}")
        if pdu.command_status != pdus.Status.ROK:
            raise LoginRefused(
                f"bind_{self.bind}_resp status {status_code(pdu.command_status)}: "
                f"{status_text(pdu.command_status)}"
            )

    def submit(self, submission: Submission, seq: int) -> pdus.SubmitSm:
        o = self.options
        data_coding, body = submission.coding, submission.body
        esm_class, short_message = 0, body
        tlvs: dict[int, bytes] = {}
        if o.long_messages is LongMode.UDH:
            esm_class, short_message = message.with_udh(submission.udh, body)
        elif o.long_messages is LongMode.SAR and submission.total > 1:
            tlvs = message.sar_tlvs(submission.ref, submission.total, submission.seq)
        elif o.long_messages is LongMode.PAYLOAD and len(body) > _SINGLE_OCTETS:
            short_message, tlvs = b"", {Tag.MESSAGE_PAYLOAD: body}
        return pdus.SubmitSm(
            sequence_number=seq,
            service_type=o.service_type,
            source_addr_ton=o.source_addr_ton,
            source_addr_npi=o.source_addr_npi,
            source_addr=o.src_number + submission.src_ext,
            dest_addr_ton=o.dest_addr_ton,
            dest_addr_npi=o.dest_addr_npi,
            destination_addr=self._destination(submission.phone),
            esm_class=esm_class,
            registered_delivery=1 if submission.want_report else 0,
            data_coding=data_coding,
            short_message=short_message,
            tlvs=tlvs,
        )

    def keepalive(self, seq: int) -> pdus.EnquireLink:
        return pdus.EnquireLink(sequence_number=seq)

    def logout(self, seq: int) -> pdus.Unbind:
        return pdus.Unbind(sequence_number=seq)

    def classify(self, pdu: Any) -> Incoming:
        if isinstance(pdu, pdus.SubmitSmResp | pdus.GenericNack):
            # A generic_nack refers to one of our requests; for a submit it is its answer.
            return submit_answer(pdu, self.options.receipt_ids)
        if isinstance(pdu, pdus.DeliverSm):
            return self._deliver(pdu)
        if isinstance(pdu, _ANSWERS):
            return Answer(pdu.sequence_number)
        if isinstance(pdu, pdus.EnquireLink):
            return PeerRequest(reply=pdus.EnquireLinkResp(sequence_number=pdu.sequence_number))
        if isinstance(pdu, pdus.Unbind):
            return PeerRequest(
                reply=pdus.UnbindResp(sequence_number=pdu.sequence_number), closes=True
            )
        if isinstance(pdu, Undecodable):
            log.warning("%s: answering an undecodable PDU with generic_nack: %s", self.channel, pdu)
            return PeerRequest(reply=_nack(pdu.sequence_number, pdu.status))
        if isinstance(pdu, pdus.Response):
            return Answer(pdu.sequence_number)  # an answer to nothing we asked: ignore it
        log.warning("%s: an SMSC does not send %s; generic_nack", self.channel, type(pdu).__name__)
        return PeerRequest(reply=_nack(pdu.sequence_number, pdus.Status.RINVCMDID))

    # -- internals -----------------------------------------------------------

    def _destination(self, phone: str) -> str:
        return "86" + phone if self.options.dest_addr_ton == _INTERNATIONAL else phone

    def _deliver(self, pdu: pdus.DeliverSm) -> PeerRequest:
        """Always answered: a deliver_sm left without its resp comes again and again."""
        try:
            events = self._inbound.events(pdu)
        except RemoteProtocolError as exc:
            log.error("%s: unreadable deliver_sm %d: %s", self.channel, pdu.sequence_number, exc)
            resp = pdus.DeliverSmResp(sequence_number=pdu.sequence_number, command_status=RX_P_APPN)
            return PeerRequest(reply=resp)
        return PeerRequest(
            reply=pdus.DeliverSmResp(sequence_number=pdu.sequence_number),
            events=with_extensions(events, self.options.src_number),
        )


def submit_answer(
    pdu: pdus.SubmitSmResp | pdus.GenericNack, receipt_ids: ReceiptIds = ReceiptIds.AS_IS
) -> SubmitAnswer:
    seq, status = pdu.sequence_number, pdu.command_status
    if status == pdus.Status.ROK and isinstance(pdu, pdus.SubmitSmResp):
        msg_id = msgid.submitted(pdu.message_id, receipt_ids)
        return SubmitAnswer(seq, Verdict.ACCEPTED, msg_id=msg_id)
    if status == pdus.Status.ROK:  # a generic_nack without an error is still a refusal
        status = pdus.Status.RSYSERR
    verdict = Verdict.THROTTLED if status in THROTTLING else Verdict.FAILED
    return SubmitAnswer(
        seq, verdict, error_code=status_code(status), error_text=status_text(status)
    )


def _nack(seq: int, status: int) -> pdus.GenericNack:
    return pdus.GenericNack(sequence_number=seq, command_status=status)
