"""The SP's SGIP listener: the SMG connects here to deliver MO and reports.

SGIP makes the SP a server too. The SMG opens a connection, BINDs with login
type 2 and the name and password agreed with us, then sends DELIVER (MO) and
REPORT (status reports), each answered at once, and UNBINDs when it is done.
A connection silent for ``idle_seconds`` is ended as the spec ends one: UNBIND,
then close on the UNBIND_RESP or after ``dead_link_seconds`` without it (SGIP
has no heartbeat; the SMG reconnects when it has more to send). PDUs are
interpreted by the channel's :class:`~hisms.carrier.sgip.adapter.SgipAdapter`,
so the listener and the submitting link treat a REPORT or DELIVER the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from hisms.carrier.base import CarrierEvent
from hisms.carrier.session.acks import answer_when_stored
from hisms.carrier.session.adapter import PeerRequest
from hisms.carrier.session.listener import Listener
from hisms.carrier.session.login import READ_SIZE
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.adapter import SgipAdapter
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.sgip.status import ILLEGAL_LOGIN, WRONG_LOGIN_TYPE
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role, State
from hisms.carrier.wire.errors import ProtocolError

log = logging.getLogger("hisms.carrier.sgip")


class SgipServer:
    def __init__(
        self, adapter: SgipAdapter, emit: Callable[[CarrierEvent], None], idle_seconds: float
    ) -> None:
        self.adapter = adapter
        self.emit = emit
        self.idle_seconds = idle_seconds
        self.port = adapter.options.listen_port  # the bound port once started (0 -> ephemeral)
        self.binds = 0  # accepted SMG logins
        self._listener: Listener | None = None

    async def start(self) -> None:
        o = self.adapter.options
        self._listener = Listener(self._accept, o.listen_host, o.listen_port)
        await self._listener.start()
        self.port = self._listener.port
        log.info(
            "%s: listening for the SMG on %s:%d", self.adapter.channel, o.listen_host, self.port
        )

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            await self._serve(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.CancelledError):
            pass
        except ProtocolError as exc:
            log.warning("%s: dropping SMG connection %s: %s", self.adapter.channel, peer, exc)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn: Connection[Any] = Connection(SgipCodec(), Role.SERVER)
        while conn.state is not State.CLOSED:
            pdu = conn.next_event()
            if pdu is NEED_DATA:
                if not await self._receive(reader, writer, conn):
                    return
            elif isinstance(pdu, pdus.Bind):
                writer.write(conn.send(self._bind(pdu)))
            else:
                request = self.adapter.classify(pdu)
                if not isinstance(request, PeerRequest):
                    return  # an answer to nothing we sent: not an SMG worth serving
                events = request.events
                if request.reply is not None and events:
                    events = answer_when_stored(events, _answer_later(conn, writer, request.reply))
                elif request.reply is not None:
                    writer.write(conn.send(request.reply))
                for event in events:
                    self.emit(event)
                if request.closes:
                    return
            await writer.drain()

    async def _receive(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Connection[Any]
    ) -> bool:
        """Read from the SMG; False when the connection is done: closed by the SMG, silent
        before its BIND, or silent after our UNBIND. A bound SMG silent for ``idle_seconds``
        gets the UNBIND and ``dead_link_seconds`` to answer it."""
        unbinding = conn.state is State.CLOSING  # only we send UNBIND without closing at once
        wait = self.adapter.options.dead_link_seconds if unbinding else self.idle_seconds
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
            async with asyncio.timeout(wait):
                data = await reader.read(READ_SIZE)
        except TimeoutError:
            if conn.state is not State.BOUND:
                return False
            writer.write(conn.send(self.adapter.logout(0)))
            return True
        conn.receive_data(data)
        return bool(data)

    def _bind(self, pdu: pdus.Bind) -> pdus.BindResp:
        o = self.adapter.options
        if pdu.login_type != pdus.LoginType.SMG_TO_SP:
            result = WRONG_LOGIN_TYPE
        elif (pdu.login_name, pdu.login_password) != (o.smg_login_name, o.smg_login_password):
            result = ILLEGAL_LOGIN
        else:
            result = 0
        if result:
            log.error(
                "%s: refused the SMG's BIND as %r (login type %d): result %d",
                self.adapter.channel, pdu.login_name, pdu.login_type, result,
            )  # fmt: skip
        else:
            self.binds += 1
        return pdus.BindResp(sequence=pdu.sequence, result=result)


def _answer_later(
    conn: Connection[Any], writer: asyncio.StreamWriter, reply: Any
) -> Callable[[], None]:
    """Answer the SMG once the engine has stored the report or MO, if it is still connected."""

    def answer() -> None:
        if conn.state is not State.CLOSED and not writer.is_closing():
            writer.write(conn.send(reply))

    return answer
