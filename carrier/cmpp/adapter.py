"""CMPP as a :class:`~hisms.carrier.session.adapter.ProtocolAdapter` for the shared session."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from hisms.carrier.base import Submission
from hisms.carrier.cmpp import auth, msgid, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.cmpp.inbound import Inbound
from hisms.carrier.cmpp.options import CmppOptions
from hisms.carrier.cmpp.status import FLOW_CONTROL, connect_status_text, submit_result_text
from hisms.carrier.session.adapter import (
    Answer,
    Incoming,
    LoginRefused,
    PeerRequest,
    SubmitAnswer,
    Verdict,
    with_extensions,
)
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.errors import RemoteProtocolError

log = logging.getLogger("hisms.carrier.cmpp")

_ANSWERS = (pdus.ActiveTestResp, pdus.TerminateResp, pdus.CancelResp, pdus.QueryResp)
_STRUCTURE_ERROR = 1


class CmppAdapter:
    def __init__(self, channel: str, options: CmppOptions) -> None:
        self.channel = channel
        self.options = options
        self._inbound = Inbound(channel, zone=options.gateway_timezone)
        self._connect: pdus.Connect | None = None

    def new_connection(self) -> Connection[Any]:
        return Connection(CmppCodec(self.options.version), Role.CLIENT)

    def login(self, seq: int) -> pdus.Connect:
        o = self.options
        self._connect = auth.connect(seq, o.source_addr, o.secret, o.version, datetime.now())
        return self._connect

    def check_login(self, pdu: Any) -> None:
        if not isinstance(pdu, pdus.ConnectResp):
            raise LoginRefused(f"expected CONNECT_RESP, got {type(pdu).__name__}")
        if pdu.status != 0:
            raise LoginRefused(
                f"CONNECT_RESP status {pdu.status}: {connect_status_text(pdu.status)}"
            )
        if self.options.verify_server_auth and self._connect is not None:
            expected = auth.ismg(
                0, self._connect.authenticator, self.options.secret, self.options.version
            )
            if pdu.authenticator != expected:
                log.warning(
                    "%s: the gateway's AuthenticatorISMG does not match (ignored)", self.channel
                )

    def submit(self, submission: Submission, seq: int) -> pdus.Submit:
        o = self.options
        return pdus.Submit(
            sequence_id=seq,
            dest_terminal_ids=(submission.phone,),
            msg_content=submission.udh + submission.body,
            msg_fmt=8,
            src_id=o.src_number + submission.src_ext,
            service_id=o.service_id,
            msg_src=o.source_addr,
            pk_total=submission.total,
            pk_number=submission.seq,
            registered_delivery=1 if submission.want_report else 0,
            fee_user_type=o.fee_user_type,
            fee_terminal_id=o.fee_terminal_id,
            fee_type=o.fee_type,
            fee_code=o.fee_code,
            tp_udhi=1 if submission.udh else 0,
        )

    def keepalive(self, seq: int) -> pdus.ActiveTest:
        return pdus.ActiveTest(seq)

    def logout(self, seq: int) -> pdus.Terminate:
        return pdus.Terminate(seq)

    def classify(self, pdu: Any) -> Incoming:
        if isinstance(pdu, pdus.SubmitResp):
            return _submit_answer(pdu)
        if isinstance(pdu, pdus.Deliver):
            return self._deliver(pdu)
        if isinstance(pdu, _ANSWERS):
            return Answer(pdu.sequence_id)
        if isinstance(pdu, pdus.ActiveTest):
            return PeerRequest(reply=pdus.ActiveTestResp(pdu.sequence_id))
        if isinstance(pdu, pdus.Terminate):
            return PeerRequest(reply=pdus.TerminateResp(pdu.sequence_id), closes=True)
        raise RemoteProtocolError(f"a gateway does not send {type(pdu).__name__}")

    def _deliver(self, pdu: pdus.Deliver) -> PeerRequest:
        """Always answered: a DELIVER left without its RESP is sent to us again and again."""
        try:
            events = self._inbound.events(pdu)
        except RemoteProtocolError as exc:
            log.error("%s: unreadable DELIVER %d: %s", self.channel, pdu.sequence_id, exc)
            return PeerRequest(
                reply=pdus.DeliverResp(pdu.sequence_id, pdu.msg_id, _STRUCTURE_ERROR)
            )
        events = with_extensions(events, self.options.src_number)
        return PeerRequest(reply=pdus.DeliverResp(pdu.sequence_id, pdu.msg_id, 0), events=events)


def _submit_answer(pdu: pdus.SubmitResp) -> SubmitAnswer:
    if pdu.result == 0:
        return SubmitAnswer(pdu.sequence_id, Verdict.ACCEPTED, msg_id=msgid.to_str(pdu.msg_id))
    verdict = Verdict.THROTTLED if pdu.result == FLOW_CONTROL else Verdict.FAILED
    return SubmitAnswer(
        pdu.sequence_id,
        verdict,
        error_code=str(pdu.result),
        error_text=submit_result_text(pdu.result),
    )
