"""One connection of a gateway simulator: read, handle, answer, over a sans-IO ``Connection``.

A protocol's session says how to answer its PDUs (:meth:`PduSession.handle`)
and, for a submit, what a throttled answer looks like and what accepting it
means; :meth:`PduSession.on_submit` applies the simulator's one decision ladder
(:meth:`~hisms.carrier.simulator.gateway.GatewaySimulator.decide`). Keep-alives
are counted, and a connection silent for ``Faults.drop_idle_after`` is closed
as a gateway would.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from hisms.carrier.simulator.gateway import Decision, GatewaySimulator
from hisms.carrier.wire.connection import NEED_DATA, Connection, State

READ_SIZE = 65536
S = TypeVar("S", bound=GatewaySimulator)


class PduSession(ABC, Generic[S]):
    def __init__(self, sim: S, conn: Connection[Any], writer: asyncio.StreamWriter) -> None:
        self.sim = sim
        self.conn = conn
        self.writer = writer
        self._seq = 0

    async def run(self, reader: asyncio.StreamReader) -> None:
        """Handle PDUs until the peer logs out or closes, :meth:`handle` closes, the
        connection stays silent for ``drop_idle_after``, or (``close_after_login``) the
        login is accepted."""
        faults = self.sim.faults
        idle = faults.drop_idle_after or None
        while True:
            while (pdu := self.conn.next_event()) is not NEED_DATA:
                self.handle(pdu)
                if faults.close_after_login and self.conn.state is State.BOUND:
                    self.writer.close()  # after the login answer: close() flushes first
                if self.writer.is_closing():
                    return
            if self.conn.state is State.CLOSED:
                return
            try:
                async with asyncio.timeout(idle):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:
                self.sim.counters.idle_drops += 1
                return
            if not data:
                return
            self.conn.receive_data(data)

    @abstractmethod
    def handle(self, pdu: Any) -> None: ...

    @abstractmethod
    def throttled(self, pdu: Any) -> Any:
        """The flow-control answer to the submit ``pdu``."""

    @abstractmethod
    def accept(self, pdu: Any, answered: bool) -> None:
        """Take the submit ``pdu``: answer it (unless ``answered`` is False) and book it."""

    def on_submit(self, pdu: Any) -> None:
        decision = self.sim.decide()
        if decision is Decision.DROP:
            self.writer.close()  # mid-window: everything unanswered is lost
        elif decision is Decision.THROTTLE:
            self.answer(self.throttled(pdu))
        elif decision is not Decision.SILENT:
            self.accept(pdu, answered=decision is Decision.ACCEPT)

    def keepalive(self, reply: Any) -> None:
        """Answer a keep-alive request, counted."""
        self.sim.counters.keepalives += 1
        self.send(reply)

    def send(self, pdu: Any) -> None:
        if not self.writer.is_closing() and self.conn.state is not State.CLOSED:
            self.writer.write(self.conn.send(pdu))

    def answer(self, pdu: Any) -> None:
        """A submit answer, after the ``resp_delay`` fault (now when 0)."""
        delay = self.sim.faults.resp_delay
        if delay:
            asyncio.get_running_loop().call_later(delay, self.send, pdu)
        else:
            self.send(pdu)

    def next_seq(self) -> int:
        self._seq = self._seq % 0x7FFFFFFF + 1
        return self._seq
