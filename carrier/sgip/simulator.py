"""An SGIP 1.2 SMG (gateway) simulator on 127.0.0.1, for tests, demos and benches.

Both SGIP directions: it accepts the SP's BIND (login type 1; a wrong name or
password gets result 1) and SUBMITs, answering each (result 11, node busy,
when throttling), and it CONNECTS to the SP's listener (``sp_host:sp_port``),
binds with login type 2 and sends the REPORTs and DELIVERs (MO) that the
shared machinery in :mod:`hisms.carrier.simulator` schedules; that link is
unbound after ``idle_seconds`` without traffic and reopened on demand, and
whatever it sent without an answer is sent again on the next one.
``interim_reports`` sends a "waiting" (state 1) REPORT before each final one;
``unbind_resp_padding`` appends that many NULs to each UNBIND_RESP, as go_sgip
does (a generic response's Result and Reserve: 9 bytes).
``hisms simulate sgip`` runs :func:`cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import click

from hisms.carrier.session.login import read_one
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.sgip.msgid import Sequence, SequenceGenerator
from hisms.carrier.simulator import (
    GatewaySimulator,
    PduSession,
    PendingMo,
    PendingReport,
    SimConfig,
)
from hisms.carrier.simulator.cli import Account, command
from hisms.carrier.wire.connection import Connection, Role
from hisms.carrier.wire.errors import ProtocolError
from hisms.carrier.wire.numbers import national, with_86
from hisms.carrier.wire.text import UCS2

log = logging.getLogger("hisms.carrier.sgip.simulator")

ILLEGAL_LOGIN = 1
NODE_BUSY = 11
_ERROR_CODES = {"UNDELIV": 25, "EXPIRED": 32, "REJECTD": 22}  # final failure -> ErrorCode


class SgipSimulator(GatewaySimulator):
    def __init__(
        self,
        config: SimConfig,
        *,
        sp_host: str = "127.0.0.1",
        sp_port: int = 8801,
        node_id: int = 3010099999,
        idle_seconds: float = 60.0,
        interim_reports: bool = False,
        unbind_resp_padding: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(config, host, port)
        self.sp_host = sp_host
        self.sp_port = sp_port  # may be set after construction, before the first report
        self.idle_seconds = idle_seconds
        self.interim_reports = interim_reports
        self.unbind_resp_padding = unbind_resp_padding
        self.sequences = SequenceGenerator(node_id, clock=self.now)
        self.outbound = _Outbound(self)
        self.outbound_binds = 0  # successful BINDs to the SP's listener
        self.unbound_by_sp = 0  # UNBINDs the SP's listener sent on that link

    async def start(self) -> None:
        await super().start()
        self.logged_in(self.outbound)  # reports and MO always go out through it

    async def stop(self) -> None:
        await self.outbound.stop()
        await super().stop()

    def unknown_id(self) -> Sequence:
        return self.sequences.next()

    def session(self, writer: asyncio.StreamWriter) -> _Session:
        return _Session(self, writer)


class _Session(PduSession[SgipSimulator]):
    """One SP connection submitting to us (login type 1)."""

    def __init__(self, sim: SgipSimulator, writer: asyncio.StreamWriter) -> None:
        super().__init__(sim, Connection(SgipCodec(), Role.SERVER), writer)

    def handle(self, pdu: Any) -> None:
        if isinstance(pdu, pdus.Submit):
            self.on_submit(pdu)
        elif isinstance(pdu, pdus.Bind):
            self.on_bind(pdu)
        elif isinstance(pdu, pdus.Unbind):
            self.unbind_resp(pdu)

    def unbind_resp(self, pdu: pdus.Unbind) -> None:
        data = self.conn.send(pdus.UnbindResp(sequence=pdu.sequence))
        padding = self.sim.unbind_resp_padding
        length = (len(data) + padding).to_bytes(4, "big")
        self.flush()
        self.writer.write(length + data[4:] + bytes(padding))
        self.close()

    def on_bind(self, pdu: pdus.Bind) -> None:
        sim = self.sim
        sim.counters.logins += 1
        ok = (pdu.login_type, pdu.login_name, pdu.login_password) == (
            pdus.LoginType.SP_TO_SMG, sim.config.account, sim.config.secret,
        )  # fmt: skip
        self.send(pdus.BindResp(sequence=pdu.sequence, result=0 if ok else ILLEGAL_LOGIN))
        if not ok:
            sim.counters.login_failures += 1
            self.close()

    def throttled(self, pdu: pdus.Submit) -> pdus.SubmitResp:
        return pdus.SubmitResp(sequence=pdu.sequence, result=NODE_BUSY)

    def accept(self, pdu: pdus.Submit, answered: bool) -> None:
        if answered:
            self.answer(pdus.SubmitResp(sequence=pdu.sequence, result=0))
        report = pdu.report_flag == pdus.ReportFlag.ALWAYS
        for number in pdu.user_numbers:
            self.sim.accepted(pdu.sequence, national(number), pdu.sp_number, pdu.text, report)


class _Outbound:
    """The SMG's own link to the SP's listener (login type 2), opened on demand."""

    def __init__(self, sim: SgipSimulator) -> None:
        self.sim = sim
        self._queue: asyncio.Queue[pdus.Pdu] = asyncio.Queue()
        self._unanswered: dict[Sequence, pdus.Pdu] = {}
        self._task: asyncio.Task[None] | None = None

    def send_report(self, report: PendingReport) -> None:
        if self.sim.interim_reports:
            self._put(self._report(report, pdus.State.WAITING, 0))
        failed = report.stat != "DELIVRD"
        code = _ERROR_CODES.get(report.stat, 29) if failed else 0
        self._put(self._report(report, pdus.State.FAILED if failed else pdus.State.DELIVERED, code))

    def send_mo(self, mo: PendingMo) -> None:
        self._put(
            pdus.Deliver(
                sequence=self.sim.sequences.next(),
                user_number=with_86(mo.phone),
                sp_number=mo.service_number,
                content=mo.content.encode("utf-16-be"),
                message_coding=UCS2,
            )
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _report(self, report: PendingReport, state: int, code: int) -> pdus.Report:
        return pdus.Report(
            sequence=self.sim.sequences.next(),
            submit_sequence=report.msg_id,
            user_number=with_86(report.phone),
            state=state,
            error_code=code,
        )

    def _put(self, pdu: pdus.Pdu) -> None:
        self._queue.put_nowait(pdu)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        while not self._queue.empty():
            try:
                await self._link()
            except (OSError, TimeoutError, ProtocolError) as exc:
                log.info("simulator: link to the SP at port %d: %r", self.sim.sp_port, exc)
                await asyncio.sleep(0.05)
            for pdu in self._unanswered.values():  # never answered: send again
                self.sim.counters.redelivered += 1
                self._queue.put_nowait(pdu)
            self._unanswered.clear()

    async def _link(self) -> None:
        sim = self.sim
        reader, writer = await asyncio.open_connection(sim.sp_host, sim.sp_port)
        conn: Connection[Any] = Connection(SgipCodec(), Role.CLIENT)
        answers: asyncio.Task[None] | None = None
        try:
            bind = pdus.Bind(
                sequence=sim.sequences.next(),
                login_type=pdus.LoginType.SMG_TO_SP,
                login_name=sim.config.account,
                login_password=sim.config.secret,
            )
            writer.write(conn.send(bind))
            async with asyncio.timeout(5):  # not wait_for: in 3.11 it can swallow a cancel
                answer = await read_one(reader, conn)
            if not isinstance(answer, pdus.BindResp) or answer.result:
                raise ConnectionError(f"the SP refused our BIND: {answer}")
            sim.outbound_binds += 1
            answers = asyncio.create_task(self._answers(reader, writer, conn))
            await self._send_until_idle(writer, conn, answers)
        finally:
            if answers is not None:
                answers.cancel()
                await asyncio.gather(answers, return_exceptions=True)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _send_until_idle(
        self, writer: asyncio.StreamWriter, conn: Connection[Any], answers: asyncio.Task[None]
    ) -> None:
        while True:
            getter = asyncio.ensure_future(self._queue.get())
            done, _ = await asyncio.wait(
                {getter, answers},
                timeout=self.sim.idle_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if getter not in done:
                getter.cancel()
                if answers not in done:  # idle: say goodbye; reopened when there is more
                    writer.write(conn.send(pdus.Unbind(sequence=self.sim.sequences.next())))
                    async with asyncio.timeout(5):
                        await answers
                return
            pdu = getter.result()
            self._unanswered[pdu.sequence] = pdu
            writer.write(conn.send(pdu))
            await writer.drain()

    async def _answers(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection[Any]
    ) -> None:
        """Until the SP closes, answers our UNBIND or sends its own (its listener idled
        first): a RESP settles what it answers."""
        while True:
            pdu = await read_one(reader, conn)
            if isinstance(pdu, pdus.UnbindResp):
                return
            if isinstance(pdu, pdus.Unbind):
                self.sim.unbound_by_sp += 1
                writer.write(conn.send(pdus.UnbindResp(sequence=pdu.sequence)))
                return
            answered = isinstance(pdu, pdus.ReportResp | pdus.DeliverResp)
            if answered and self._unanswered.pop(pdu.sequence, None) is not None:
                self.sim.counters.report_acks += 1  # as every simulator: MO included


cli = command(
    "sgip",
    "an SGIP 1.2 SMG",
    8802,
    SgipSimulator,
    Account("--login-name", "hisms", "both directions", secret_flag="--password"),
    [
        click.Option(
            ["--sp-host"], default="127.0.0.1", show_default=True, help="the SP's listener"
        ),
        click.Option(["--sp-port"], default=8801, show_default=True, type=int),
        click.Option(["--idle-seconds"], default=60.0, show_default=True, type=float),
    ],
)
