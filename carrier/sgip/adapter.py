"""SGIP as a :class:`~hisms.carrier.session.adapter.ProtocolAdapter` for the shared session.

The message id is the SUBMIT's own 12-byte sequence (SUBMIT_RESP echoes it,
REPORT names it). The session's per-link counter cannot be that sequence's
counter: it restarts on every reconnect and each connection has its own, so
ids would repeat within a second. The adapter draws sequences from one
channel-wide generator and maps each back to the session's counter.
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
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.sgip.inbound import Inbound
from hisms.carrier.sgip.msgid import Sequence, SequenceGenerator
from hisms.carrier.sgip.options import SgipOptions
from hisms.carrier.sgip.status import PARAMETER_ERROR, THROTTLING, result_text
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.numbers import with_86
from hisms.carrier.wire.text import UCS2

log = logging.getLogger("hisms.carrier.sgip")

_MAX_UNANSWERED = 65536  # submits whose answer never came are forgotten beyond this
_UNKNOWN = 0  # a session counter never allocated: the link counts a late answer


def priority(submission: Submission) -> int:
    """Engine priority 0 (most urgent) .. 9 -> SGIP 9 (highest) .. 0 (lowest)."""
    return 9 - min(max(submission.priority, 0), 9)


class SgipAdapter:
    def __init__(self, channel: str, options: SgipOptions) -> None:
        self.channel = channel
        self.options = options
        self.sequences = SequenceGenerator(options.node_id)
        self._submitted: dict[Sequence, int] = {}  # wire sequence -> session counter
        self._inbound = Inbound(channel)

    def new_connection(self) -> Connection[Any]:
        return Connection(SgipCodec(), Role.CLIENT)

    def login(self, seq: int) -> pdus.Bind:
        return pdus.Bind(
            sequence=self.sequences.next(),
            login_type=pdus.LoginType.SP_TO_SMG,
            login_name=self.options.login_name,
            login_password=self.options.login_password,
        )

    def check_login(self, pdu: Any) -> None:
        if not isinstance(pdu, pdus.BindResp):
            raise LoginRefused(f"expected BIND_RESP, got {type(pdu).__name__}")
        if pdu.result != 0:
            raise LoginRefused(f"BIND_RESP result {pdu.result}: {result_text(pdu.result)}")

    def submit(self, submission: Submission, seq: int) -> pdus.Submit:
        o = self.options
        sequence = self.sequences.next()
        if len(self._submitted) >= _MAX_UNANSWERED:
            del self._submitted[next(iter(self._submitted))]
        self._submitted[sequence] = seq
        flag = pdus.ReportFlag.ALWAYS if submission.want_report else pdus.ReportFlag.NEVER
        return pdus.Submit(
            sequence=sequence,
            content=submission.udh + submission.body,
            tp_udhi=1 if submission.udh else 0,
            message_coding=UCS2,
            sp_number=o.src_number + submission.src_ext,
            user_numbers=(with_86(submission.phone),),
            charge_number=o.charge_number,
            corp_id=o.corp_id,
            service_type=o.service_type,
            fee_type=o.fee_type,
            fee_value=o.fee_value,
            priority=priority(submission),
            report_flag=flag,
        )

    def keepalive(self, seq: int) -> None:
        return None  # SGIP has none: the session logs out of idle links

    def logout(self, seq: int) -> pdus.Unbind:
        return pdus.Unbind(sequence=self.sequences.next())

    def classify(self, pdu: Any) -> Incoming:
        if isinstance(pdu, pdus.SubmitResp):
            return self._submit_answer(pdu)
        if isinstance(pdu, pdus.Report):
            return PeerRequest(
                reply=pdus.ReportResp(sequence=pdu.sequence),
                events=self._inbound.events(pdu),
            )
        if isinstance(pdu, pdus.Deliver):
            return self._deliver(pdu)
        if isinstance(pdu, pdus.UnbindResp):
            return Answer(_UNKNOWN)
        if isinstance(pdu, pdus.Unbind):
            return PeerRequest(reply=pdus.UnbindResp(sequence=pdu.sequence), closes=True)
        raise RemoteProtocolError(f"an SMG does not send {type(pdu).__name__}")

    def _submit_answer(self, pdu: pdus.SubmitResp) -> SubmitAnswer:
        seq = self._submitted.pop(pdu.sequence, _UNKNOWN)
        if pdu.result == 0:
            return SubmitAnswer(seq, Verdict.ACCEPTED, msg_id=str(pdu.sequence))
        verdict = Verdict.THROTTLED if pdu.result in THROTTLING else Verdict.FAILED
        return SubmitAnswer(
            seq, verdict, error_code=str(pdu.result), error_text=result_text(pdu.result)
        )

    def _deliver(self, pdu: pdus.Deliver) -> PeerRequest:
        """Always answered: a DELIVER left without its RESP is sent to us again and again."""
        try:
            events = self._inbound.events(pdu)
        except RemoteProtocolError as exc:
            log.error("%s: unreadable DELIVER %s: %s", self.channel, pdu.sequence, exc)
            return PeerRequest(
                reply=pdus.DeliverResp(sequence=pdu.sequence, result=PARAMETER_ERROR)
            )
        events = with_extensions(events, self.options.src_number)
        return PeerRequest(reply=pdus.DeliverResp(sequence=pdu.sequence), events=events)
