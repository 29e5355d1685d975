"""The CMPP 2.0/3.0 side of the socket intake: hisms as the ISMG for an SP client.

The version is the one the client's CONNECT asks for, by its major number (high four
bits): 2.x (0x20, or 0x21 as PyPI ``pycmpp`` sends) is served as CMPP 2.0 and 3.x as
CMPP 3.0, and CONNECT_RESP names the version served (0x20 or 0x30); any other major
version gets status 4. Source_Addr is the login, checked by the spec's authenticator
(status 2 for an unknown login, 3 for a wrong secret). Each SUBMIT becomes one
``sms_outbox`` row per destination, answered with Msg_Id = the row's id (the first row's
for several destinations); every part of a long message (UDH, TP_udhi) is answered, once the last
part is in and the row committed, with the same id. Result 8 is flow control (over the
login's rate), 9 the rest (a bad number, too long, the database). Reports go out as
DELIVER with Registered_Delivery 1 and the report's Msg_Id = the row's id; MO as
DELIVER in UCS2 (long ones in UDH parts).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from hisms.adapters.socketintake import events
from hisms.adapters.socketintake.feed import Event
from hisms.adapters.socketintake.link import IntakeLink, Refusal
from hisms.adapters.socketintake.service import Intake
from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.cmpp.report import Report, build_report
from hisms.carrier.wire import text, udh
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.engine import segment

BAD_SOURCE, AUTH_ERROR, BAD_VERSION, OTHER = 2, 3, 4, 5
THROTTLED, FAILED = 8, 9
_RESULTS = {Refusal.THROTTLED: THROTTLED, Refusal.TOO_LONG: 6}  # else 9 (other errors)


class CmppLink(IntakeLink):
    def __init__(self, intake: Intake, writer: asyncio.StreamWriter, peer: str) -> None:
        super().__init__(intake, Connection(CmppCodec(pdus.V30), Role.SERVER), writer, peer)
        self.version = pdus.V30

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.Submit):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverResp):
            self.answered(pdu.sequence_id, pdu.result == 0)
        elif isinstance(pdu, pdus.Connect):
            self.on_connect(pdu)
        elif isinstance(pdu, pdus.ActiveTest):
            self.send(pdus.ActiveTestResp(pdu.sequence_id))
        elif isinstance(pdu, pdus.Terminate):
            self.send(pdus.TerminateResp(pdu.sequence_id))
            self.close()
        elif isinstance(pdu, pdus.TerminateResp):
            self.close()
        elif isinstance(pdu, pdus.Query):
            self.send(pdus.QueryResp(pdu.sequence_id, pdu.time, pdu.query_type, pdu.query_code))
        elif isinstance(pdu, pdus.Cancel):  # the engine may have sent it already
            self.send(pdus.CancelResp(pdu.sequence_id, 1))

    def on_submit(self, pdu: pdus.Submit) -> None:
        try:
            concat, body = udh.split_content(pdu.msg_content, pdu.tp_udhi)
        except RemoteProtocolError:  # a UDH that overruns the message
            self.refuse(pdu.sequence_id, Refusal.TOO_LONG)
            return
        words = text.decode(body, pdu.msg_fmt)
        self.take_submit(pdu.sequence_id, pdu.dest_terminal_ids, concat, words)

    def on_connect(self, pdu: pdus.Connect) -> None:
        account = self.intake.account(pdu.source_addr)
        version = _served(pdu.version)
        if version is None:
            status = BAD_VERSION
        elif account is None:
            status = BAD_SOURCE
        else:
            secret = account.password.get_secret_value()
            expected = auth.source(pdu.source_addr, secret, auth.stamp_of(pdu))
            status = 0 if pdu.authenticator == expected else AUTH_ERROR
        if status == 0 and version is not None:
            self.version = version
            self.conn.codec = CmppCodec(version)
            if not self.login_ok(pdu.source_addr, receiving=True):
                status = OTHER
        reply = b"\x00" * 16
        if status == 0 and account is not None:
            reply = auth.ismg(
                0, pdu.authenticator, account.password.get_secret_value(), self.version
            )
        self.send(pdus.ConnectResp(pdu.sequence_id, status, reply, self.version))
        if status:
            self.intake.login_failed(pdu.source_addr, self.peer, status)
            self.close()

    def accept(self, token: Any, msg_id: int) -> None:
        self.send(pdus.SubmitResp(token, msg_id, 0))

    def refuse(self, token: Any, why: Refusal) -> None:
        self.send(pdus.SubmitResp(token, 0, _RESULTS.get(why, FAILED)))

    def probe(self) -> None:
        self.send(pdus.ActiveTest(self.next_seq()))

    def event_pdus(self, event: Event) -> list[tuple[int, Any]]:
        if event["kind"] == "MO":
            return self._mo(event)
        at = events.when(event).strftime("%y%m%d%H%M")
        width = 21 if self.version == pdus.V20 else 32
        content = build_report(
            Report(event["outbox_id"], events.stat(event), at, at, event["phone"] or ""), width
        )
        seq = self.next_seq()
        deliver = pdus.Deliver(
            seq, event["id"], "", event["phone"] or "", content, msg_fmt=0, registered_delivery=1
        )
        return [(seq, deliver)]

    def _mo(self, event: Event) -> list[tuple[int, Any]]:
        parts = segment.split(event["content"] or "", random.randrange(256))
        pairs = []
        for part in parts:
            seq = self.next_seq()
            pairs.append(
                (
                    seq,
                    pdus.Deliver(
                        seq,
                        event["id"],
                        event["service_number"] or "",
                        event["phone"] or "",
                        part.udh + part.body,
                        tp_udhi=1 if part.udh else 0,
                    ),
                )
            )
        return pairs


def _served(asked: int) -> int | None:
    """The version served for the one a CONNECT asks for: by its major number, else None."""
    return {pdus.V20 >> 4: pdus.V20, pdus.V30 >> 4: pdus.V30}.get(asked >> 4)
