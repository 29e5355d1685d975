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

from hisms.carrier.session.serving import ServerLink
from hisms.carrier.simulator.gateway import Decision, GatewaySimulator
from hisms.carrier.wire.connection import Connection, State

S = TypeVar("S", bound=GatewaySimulator)


class PduSession(ServerLink, ABC, Generic[S]):
    def __init__(self, sim: S, conn: Connection[Any], writer: asyncio.StreamWriter) -> None:
        super().__init__(conn, writer)
        self.sim = sim

    def idle_after(self) -> float | None:
        return self.sim.faults.drop_idle_after or None

    def on_idle(self) -> bool:
        self.sim.counters.idle_drops += 1
        return False

    def served(self, pdu: Any) -> None:
        """After each PDU: the ``close_after_login`` fault hangs up once logged in."""
        if self.sim.faults.close_after_login and self.conn.state is State.BOUND:
            self.close()  # after the login answer: close() flushes first

    @abstractmethod
    def throttled(self, pdu: Any) -> Any:
        """The flow-control answer to the submit ``pdu``."""

    @abstractmethod
    def accept(self, pdu: Any, answered: bool) -> None:
        """Take the submit ``pdu``: answer it (unless ``answered`` is False) and book it."""

    def on_submit(self, pdu: Any) -> None:
        decision = self.sim.decide()
        if decision is Decision.DROP:
            self.close()  # mid-window: everything unanswered is lost
        elif decision is Decision.THROTTLE:
            self.answer(self.throttled(pdu))
        elif decision is not Decision.SILENT:
            self.accept(pdu, answered=decision is Decision.ACCEPT)

    def keepalive(self, reply: Any) -> None:
        """Answer a keep-alive request, counted."""
        self.sim.counters.keepalives += 1
        self.send(reply)

    def answer(self, pdu: Any) -> None:
        """A submit answer, after the ``resp_delay`` fault (now when 0)."""
        delay = self.sim.faults.resp_delay
        if delay:
            asyncio.get_running_loop().call_later(delay, self.send, pdu)
        else:
            self.send(pdu)
