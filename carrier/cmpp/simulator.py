"""A CMPP 2.0/3.0 ISMG (gateway) simulator on 127.0.0.1, for tests, demos and benches.

It reuses the sans-IO :class:`~hisms.carrier.wire.connection.Connection` in the
gateway role: checks the login (a wrong secret gets CONNECT_RESP status 3),
answers every SUBMIT with a Msg_Id (ISMG layout, hex string form as in
:mod:`.msgid`), and sends one status report per part and MO replies through the
shared machinery in :mod:`hisms.carrier.simulator`. A DELIVER (report or MO)
still unanswered when its connection closes is sent again on another logged-in
connection of the account, or after the next login, as an ISMG does (an MO under
the Msg_Id it had).
``hisms simulate cmpp`` runs :func:`cli`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import click

from hisms.carrier.cmpp import auth, msgid, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.cmpp.options import VERSIONS
from hisms.carrier.cmpp.report import Report, build_report
from hisms.carrier.simulator import (
    GatewaySimulator,
    PduSession,
    PendingMo,
    PendingReport,
    SimConfig,
)
from hisms.carrier.simulator.cli import Account, command
from hisms.carrier.wire import text, udh
from hisms.carrier.wire.connection import Connection, Role

AUTH_ERROR = 3
BAD_SOURCE = 2


class CmppSimulator(GatewaySimulator):
    def __init__(
        self,
        config: SimConfig,
        version: int = pdus.V30,
        *,
        gateway_id: int = 79101,
        legacy_reports: bool = False,  # 3.0 session, 2.0-sized (60-byte) reports
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(config, host, port)
        self.version = version
        self.gateway_id = gateway_id
        self.report_id_width = 21 if version == pdus.V20 or legacy_reports else 32
        self._sequence = 0

    def next_msg_id(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFFFF
        return msgid.make(self.now(), self.gateway_id, self._sequence)

    def session(self, writer: asyncio.StreamWriter) -> _Session:
        return _Session(self, writer)

    def logged_out(self, session: Any) -> None:
        super().logged_out(session)
        if isinstance(session, _Session) and session.unacked:
            unacked, session.unacked = list(session.unacked.values()), {}
            self.redeliver(unacked)


class _Session(PduSession[CmppSimulator]):
    """One SP connection, gateway side."""

    def __init__(self, sim: CmppSimulator, writer: asyncio.StreamWriter) -> None:
        super().__init__(sim, Connection(CmppCodec(sim.version), Role.SERVER), writer)
        self.unacked: dict[int, PendingReport | PendingMo] = {}  # DELIVER sequence -> item

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.Submit):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverResp):
            self.sim.counters.report_acks += 1
            self.unacked.pop(pdu.sequence_id, None)
        elif isinstance(pdu, pdus.Connect):
            self.on_connect(pdu)
        elif isinstance(pdu, pdus.ActiveTest):
            self.keepalive(pdus.ActiveTestResp(pdu.sequence_id))
        elif isinstance(pdu, pdus.Terminate):
            self.send(pdus.TerminateResp(pdu.sequence_id))
            self.close()
        elif isinstance(pdu, pdus.Query):
            c = self.sim.counters
            self.send(
                pdus.QueryResp(
                    pdu.sequence_id,
                    pdu.time,
                    pdu.query_type,
                    pdu.query_code,
                    c.submits,
                    len(c.per_phone),
                    c.accepted,
                )
            )
        elif isinstance(pdu, pdus.Cancel):
            self.send(pdus.CancelResp(pdu.sequence_id, 1))  # reports are already on their way

    def on_connect(self, pdu: pdus.Connect) -> None:
        sim = self.sim
        sim.counters.logins += 1
        expected = auth.source(sim.config.account, sim.config.secret, auth.stamp_of(pdu))
        if pdu.source_addr != sim.config.account:
            status = BAD_SOURCE
        else:
            status = 0 if pdu.authenticator == expected else AUTH_ERROR
        authenticator = (
            auth.ismg(status, pdu.authenticator, sim.config.secret, sim.version)
            if status == 0
            else b""
        )
        self.send(pdus.ConnectResp(pdu.sequence_id, status, authenticator, sim.version))
        if status:
            sim.counters.login_failures += 1
            self.close()
        else:
            sim.logged_in(self)

    def throttled(self, pdu: pdus.Submit) -> pdus.SubmitResp:
        return pdus.SubmitResp(pdu.sequence_id, 0, 8)

    def accept(self, pdu: pdus.Submit, answered: bool) -> None:
        msg_id = self.sim.next_msg_id()
        if answered:
            self.answer(pdus.SubmitResp(pdu.sequence_id, msg_id, 0))
        content = pdu.msg_content
        if pdu.tp_udhi & 0x41:
            content = udh.split(content)[1]
        body = text.decode(content, pdu.msg_fmt)
        for phone in pdu.dest_terminal_ids:
            self.sim.accepted(msg_id, phone, pdu.src_id, body, pdu.registered_delivery == 1)

    def send_report(self, report: PendingReport) -> None:
        done = self.sim.now()
        content = build_report(
            Report(
                report.msg_id,
                report.stat,
                report.submitted_at.strftime("%y%m%d%H%M"),
                done.strftime("%y%m%d%H%M"),
                report.phone,
                self.next_seq(),
            ),
            self.sim.report_id_width,
        )
        seq = self.next_seq()
        self.unacked[seq] = report
        self.send(
            pdus.Deliver(
                seq,
                self.sim.next_msg_id(),
                report.service_number,
                report.phone,
                content,
                msg_fmt=0,
                registered_delivery=1,
            )
        )

    def send_mo(self, mo: PendingMo) -> None:
        if mo.msg_id is None:  # first sent: its Msg_Id, kept when sent again (redeliver)
            mo = dataclasses.replace(mo, msg_id=self.sim.next_msg_id())
        content = mo.udh + mo.content.encode("utf-16-be")
        seq = self.next_seq()
        self.unacked[seq] = mo
        deliver = pdus.Deliver(
            seq,
            mo.msg_id,
            mo.service_number,
            mo.phone,
            content,
            tp_udhi=1 if mo.udh else 0,
        )
        self.send(deliver)


cli = command(
    "cmpp",
    "a CMPP gateway",
    7890,
    lambda config, version, **kw: CmppSimulator(config, VERSIONS[version], **kw),
    Account(default="901234", help="SP_Id (Source_Addr)"),
    [
        click.Option(
            ["--version"], default="3.0", type=click.Choice(["2.0", "3.0"]), show_default=True
        )
    ],
)
