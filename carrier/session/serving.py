"""The server side of one accepted connection: read, decode, hand each PDU over, send.

Shared by the gateway simulators (:mod:`hisms.carrier.simulator.session`) and the socket
intake (:mod:`hisms.adapters.socketintake`), both of which play the gateway over the
sans-IO :class:`~hisms.carrier.wire.connection.Connection` in its server role. A subclass
says what each PDU means (:meth:`ServerLink.handle`), what to do when the peer has been
silent for :meth:`ServerLink.idle_after` seconds (:meth:`ServerLink.on_idle`), and may hold
reading back while it is busy (:meth:`ServerLink.ready`, back-pressure on a full window).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from hisms.carrier.wire.connection import NEED_DATA, Connection, State

READ_SIZE = 65536


class ServerLink(ABC):
    def __init__(self, conn: Connection[Any], writer: asyncio.StreamWriter) -> None:
        self.conn = conn
        self.writer = writer
        self._seq = 0
        self._out = bytearray()  # what send() gathered in this turn of the event loop

    async def run(self, reader: asyncio.StreamReader) -> None:
        """Handle PDUs until the peer logs out or closes, :meth:`handle` closes the
        writer, or :meth:`on_idle` gives the silent peer up."""
        while True:
            while (pdu := self.conn.next_event()) is not NEED_DATA:
                self.handle(pdu)
                self.served(pdu)
                if self.writer.is_closing():
                    return
            if self.conn.state is State.CLOSED:
                return
            await self.ready()
            try:
                async with asyncio.timeout(self.idle_after()):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:
                if self.on_idle():
                    continue
                return
            if not data:
                return
            self.conn.receive_data(data)

    @abstractmethod
    def handle(self, pdu: Any) -> None: ...

    def served(self, pdu: Any) -> None:
        """Called after :meth:`handle` (a simulator's fault knobs act here)."""
        return None

    def idle_after(self) -> float | None:
        """Seconds of silence before :meth:`on_idle` (None: wait for ever)."""
        return None

    def on_idle(self) -> bool:
        """The peer was silent for :meth:`idle_after` seconds: True to keep reading."""
        return False

    async def ready(self) -> None:
        """Awaited before each read: a subclass holds reading back while it is full."""
        return None

    def send(self, pdu: Any) -> None:
        """Queue ``pdu``; the PDUs sent in one turn of the event loop (the answers to one
        read, the reports due at one time) go out in one write, one system call, by
        :meth:`flush`."""
        if not self.writer.is_closing() and self.conn.state is not State.CLOSED:
            if not self._out:
                asyncio.get_running_loop().call_soon(self.flush)
            self._out += self.conn.send(pdu)

    def flush(self) -> None:
        """Write what :meth:`send` queued (the transport keeps what the socket cannot take)."""
        if self._out:
            out, self._out = self._out, bytearray()
            if not self.writer.is_closing():
                self.writer.write(out)

    def close(self) -> None:
        """Close the connection after what was sent so far."""
        self.flush()
        self.writer.close()

    def next_seq(self) -> int:
        self._seq = self._seq % 0x7FFFFFFF + 1
        return self._seq
