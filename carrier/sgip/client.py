"""The SGIP 1.2 carrier the engine creates with ``from_config(name, options)``.

SGIP makes the SP client and server: the channel submits over links it opens
to the SMG (BIND login type 1) and runs a listener (:mod:`.server`) where the
SMG binds (login type 2) to send MO (DELIVER) and status reports (REPORT).

Options: :class:`~hisms.carrier.sgip.options.SgipOptions` (the table is in
``docs/carrier-options.md``).

Message ids (``carrier_msg_id``) are the SUBMIT's sequence in the form
``"<node>-<MMDDHHMMSS>-<counter>"`` (:mod:`.msgid`); REPORT names the
same sequence. Results 11 (node busy) and 33 (SMSC queue full) are flow control.
"""

from __future__ import annotations

from typing import Any

from hisms.carrier.base import CarrierError, EventSink
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.sgip.adapter import SgipAdapter
from hisms.carrier.sgip.options import parse
from hisms.carrier.sgip.server import SgipServer


class SgipCarrier(SessionCarrier):
    def __init__(self, name: str, session: ChannelSession, server: SgipServer) -> None:
        super().__init__(name, session)
        self.server = server

    @property
    def listen_port(self) -> int:
        """The listener's port (the real one once started, if configured as 0)."""
        return self.server.port

    async def start(self, on_event: EventSink) -> None:
        await super().start(on_event)  # first: the listener emits through it
        try:
            await self.server.start()
        except OSError as exc:
            await self.session.stop()
            raise CarrierError(f"channel {self.name!r}: cannot listen for the SMG: {exc}") from exc

    async def stop(self) -> None:
        await super().stop()
        await self.server.stop()


def from_config(name: str, options: dict[str, Any]) -> SgipCarrier:
    sgip = parse(name, options)
    adapter = SgipAdapter(name, sgip)
    session = ChannelSession(name, adapter, sgip)
    return SgipCarrier(name, session, SgipServer(adapter, session.emit, sgip.heartbeat_seconds))
