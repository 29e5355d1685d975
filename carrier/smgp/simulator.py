"""An SMGP 3.0 SMGW (gateway) simulator on 127.0.0.1, for tests, demos and benches.

The sans-IO :class:`~hisms.carrier.wire.connection.Connection` in the gateway role:
checks the LOGIN (a wrong client id or secret gets status 21), answers every
SUBMIT with a spec-shaped MsgID (status 1, system busy, when throttling), and
sends one IsReport=1 DELIVER per part and MO replies through the shared
machinery in :mod:`hisms.carrier.simulator`. ``hisms simulate smgp`` runs :func:`cli`.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from hisms.carrier.simulator import (
    GatewaySimulator,
    PduSession,
    PendingMo,
    PendingReport,
    SimConfig,
)
from hisms.carrier.simulator.cli import Account, command
from hisms.carrier.smgp import auth, msgid, pdus
from hisms.carrier.smgp.codec import SmgpCodec
from hisms.carrier.smgp.report import Report, build_report
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.text import ASCII

AUTH_ERROR = 21
BUSY = 1


class SmgpSimulator(GatewaySimulator):
    def __init__(
        self, config: SimConfig, *, gateway: str = "010061", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(config, host, port)
        self.msg_ids = msgid.MsgIdGenerator(gateway, clock=self.now)

    def unknown_id(self) -> bytes:
        return os.urandom(msgid.LENGTH)

    def session(self, writer: asyncio.StreamWriter) -> _Session:
        return _Session(self, writer)


class _Session(PduSession[SmgpSimulator]):
    """One SP connection, gateway side."""

    def __init__(self, sim: SmgpSimulator, writer: asyncio.StreamWriter) -> None:
        super().__init__(sim, Connection(SmgpCodec(), Role.SERVER), writer)

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.Submit):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.DeliverResp):
            self.sim.counters.report_acks += 1
        elif isinstance(pdu, pdus.Login):
            self.on_login(pdu)
        elif isinstance(pdu, pdus.ActiveTest):
            self.keepalive(pdus.ActiveTestResp(sequence_id=pdu.sequence_id))
        elif isinstance(pdu, pdus.Exit):
            self.send(pdus.ExitResp(sequence_id=pdu.sequence_id))
            self.close()

    def on_login(self, pdu: pdus.Login) -> None:
        sim = self.sim
        sim.counters.logins += 1
        expected = auth.client_authenticator(
            sim.config.account, sim.config.secret, f"{pdu.timestamp:010d}"
        )
        ok = pdu.client_id == sim.config.account and pdu.authenticator == expected
        status = 0 if ok else AUTH_ERROR
        server = auth.server_authenticator(0, pdu.authenticator, sim.config.secret) if ok else None
        self.send(
            pdus.LoginResp(
                sequence_id=pdu.sequence_id, status=status, authenticator=server or bytes(16)
            )
        )
        if ok:
            sim.logged_in(self)
        else:
            sim.counters.login_failures += 1
            self.close()

    def throttled(self, pdu: pdus.Submit) -> pdus.SubmitResp:
        return pdus.SubmitResp(sequence_id=pdu.sequence_id, msg_id=bytes(10), status=BUSY)

    def accept(self, pdu: pdus.Submit, answered: bool) -> None:
        msg_id = self.sim.msg_ids.next()
        if answered:
            self.answer(pdus.SubmitResp(sequence_id=pdu.sequence_id, msg_id=msg_id, status=0))
        for phone in pdu.dest_term_ids:
            self.sim.accepted(msg_id, phone, pdu.src_term_id, pdu.text, pdu.need_report == 1)

    def send_report(self, report: PendingReport) -> None:
        content = build_report(
            Report(
                msg_id=report.msg_id,
                stat=report.stat,
                err="000" if report.stat == "DELIVRD" else "006",
                submit_date=report.submitted_at.strftime("%y%m%d%H%M"),
                done_date=self.sim.now().strftime("%y%m%d%H%M"),
            )
        )
        self._deliver(report.phone, report.service_number, content, ASCII, is_report=1)

    def send_mo(self, mo: PendingMo) -> None:
        self._deliver(mo.phone, mo.service_number, mo.content.encode("utf-16-be"), 8)

    def _deliver(
        self, phone: str, service_number: str, content: bytes, fmt: int, is_report: int = 0
    ) -> None:
        self.send(
            pdus.Deliver(
                sequence_id=self.next_seq(),
                msg_id=self.sim.msg_ids.next(),
                is_report=is_report,
                msg_format=fmt,
                recv_time=self.sim.now().strftime("%Y%m%d%H%M%S"),
                src_term_id=phone,
                dest_term_id=service_number,
                content=content,
            )
        )


cli = command(
    "smgp", "an SMGP 3.0 gateway", 8890, SmgpSimulator, Account(default="90123456", help="ClientID")
)
