"""SMGP as a :class:`~hisms.carrier.session.adapter.ProtocolAdapter` for the shared session."""

from __future__ import annotations

import logging
from datetime import datetime
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
from hisms.carrier.smgp import auth, msgid, pdus
from hisms.carrier.smgp.codec import SmgpCodec
from hisms.carrier.smgp.inbound import Inbound
from hisms.carrier.smgp.options import SmgpOptions
from hisms.carrier.smgp.status import STRUCTURE_ERROR, THROTTLING, status_text
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.text import UCS2

log = logging.getLogger("hisms.carrier.smgp")

_ANSWERS = (pdus.ActiveTestResp, pdus.ExitResp)


def priority(submission: Submission) -> int:
    """Engine priority 0 (most urgent) .. 9 -> SMGP 3 (high) .. 0 (low)."""
    return 3 if submission.priority == 0 else 2 if submission.priority == 1 else 1


class SmgpAdapter:
    def __init__(self, channel: str, options: SmgpOptions) -> None:
        self.channel = channel
        self.options = options
        self._inbound = Inbound(channel, zone=options.gateway_timezone)
        self._login: pdus.Login | None = None

    def new_connection(self) -> Connection[Any]:
        return Connection(SmgpCodec(), Role.CLIENT)

    def login(self, seq: int) -> pdus.Login:
        o = self.options
        self._login = auth.make_login(seq, o.client_id, o.secret, datetime.now(), o.login_mode)
        return self._login

    def check_login(self, pdu: Any) -> None:
        if not isinstance(pdu, pdus.LoginResp):
            raise LoginRefused(f"expected LOGIN_RESP, got {type(pdu).__name__}")
        if pdu.status != 0:
            raise LoginRefused(f"LOGIN_RESP status {pdu.status}: {status_text(pdu.status)}")
        if self.options.verify_server_auth and self._login is not None:
            expected = auth.server_authenticator(0, self._login.authenticator, self.options.secret)
            if pdu.authenticator != expected:
                log.warning(
                    "%s: the gateway's AuthenticatorServer does not match (ignored)", self.channel
                )

    def submit(self, submission: Submission, seq: int) -> pdus.Submit:
        o = self.options
        concat = pdus.concat_options(submission.total, submission.seq) if submission.udh else ()
        return pdus.Submit(
            sequence_id=seq,
            content=submission.udh + submission.body,
            msg_format=UCS2,
            options=concat,
            src_term_id=o.src_number + submission.src_ext,
            dest_term_ids=(submission.phone,),
            need_report=1 if submission.want_report else 0,
            priority=priority(submission),
            service_id=o.service_id,
            fee_type=o.fee_type,
            fee_code=o.fee_code,
        )

    def keepalive(self, seq: int) -> pdus.ActiveTest:
        return pdus.ActiveTest(sequence_id=seq)

    def logout(self, seq: int) -> pdus.Exit:
        return pdus.Exit(sequence_id=seq)

    def classify(self, pdu: Any) -> Incoming:
        if isinstance(pdu, pdus.SubmitResp):
            return submit_answer(pdu)
        if isinstance(pdu, pdus.Deliver):
            return self._deliver(pdu)
        if isinstance(pdu, _ANSWERS):
            return Answer(pdu.sequence_id)
        if isinstance(pdu, pdus.ActiveTest):
            return PeerRequest(reply=pdus.ActiveTestResp(sequence_id=pdu.sequence_id))
        if isinstance(pdu, pdus.Exit):
            return PeerRequest(reply=pdus.ExitResp(sequence_id=pdu.sequence_id), closes=True)
        raise RemoteProtocolError(f"a gateway does not send {type(pdu).__name__}")

    def _deliver(self, pdu: pdus.Deliver) -> PeerRequest:
        """Always answered: a DELIVER left without its RESP is sent to us again and again."""
        status = 0
        try:
            events = self._inbound.events(pdu)
        except RemoteProtocolError as exc:
            log.error("%s: unreadable DELIVER %d: %s", self.channel, pdu.sequence_id, exc)
            status, events = STRUCTURE_ERROR, []
        reply = pdus.DeliverResp(sequence_id=pdu.sequence_id, msg_id=pdu.msg_id, status=status)
        return PeerRequest(reply=reply, events=with_extensions(events, self.options.src_number))


def submit_answer(pdu: pdus.SubmitResp) -> SubmitAnswer:
    if pdu.status == 0:
        return SubmitAnswer(pdu.sequence_id, Verdict.ACCEPTED, msg_id=msgid.to_str(pdu.msg_id))
    verdict = Verdict.THROTTLED if pdu.status in THROTTLING else Verdict.FAILED
    return SubmitAnswer(
        pdu.sequence_id,
        verdict,
        error_code=str(pdu.status),
        error_text=status_text(pdu.status),
    )
