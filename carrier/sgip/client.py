"""The SGIP 1.2 carrier the engine creates with ``from_config(name, options)``.

SGIP makes the SP client and server: the channel submits over links it opens
to the SMG (BIND login type 1) and runs a listener (:mod:`.server`) where the
SMG binds (login type 2) to send MO (DELIVER) and status reports (REPORT).

Options (``[channels.NAME]`` in hisms.toml): host, port (the SMG), node_id
(our SP node number, 3AAAAQQQQQ), login_name, login_password, src_number
(SPNumber; a submission's ``src_ext`` is appended so MO replies route back),
corp_id, service_type, fee_type (1, free), fee_value ("0"), charge_number (21
zeros: the SP pays), listen_host ("0.0.0.0"), listen_port (8801; 0 picks a
free port), smg_login_name / smg_login_password (what the SMG must bind with;
default: login_name / login_password), idle_seconds (60: a link idle that
long is logged out and reopened on demand, SGIP having no heartbeat), and the
shared session tunables as for CMPP except heartbeat_seconds.

Message ids (``carrier_msg_id``) are the SUBMIT's sequence in the form
``"<node>-<MMDDHHMMSS>-<counter>"`` (:mod:`.sequence`); REPORT names the
same sequence. Results 11 (node busy) and 33 (SMSC queue full) are flow control.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import Carrier, CarrierError, EventSink, Submission, SubmitResult
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionStats
from hisms.carrier.sgip.adapter import SgipAdapter
from hisms.carrier.sgip.options import parse
from hisms.carrier.sgip.server import SgipServer


class SgipCarrier(Carrier):
    def __init__(self, name: str, session: ChannelSession, server: SgipServer) -> None:
        super().__init__(name)
        self.session = session
        self.server = server

    @property
    def stats(self) -> SessionStats:
        return self.session.stats

    @property
    def listen_port(self) -> int:
        """The listener's port (the real one once started, if configured as 0)."""
        return self.server.port

    async def start(self, on_event: EventSink) -> None:
        await self.session.start(on_event)  # first: the listener emits through it
        try:
            await self.server.start()
        except OSError as exc:
            await self.session.stop()
            raise CarrierError(f"channel {self.name!r}: cannot listen for the SMG: {exc}") from exc

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        return await self.session.submit(batch)

    async def stop(self) -> None:
        await self.session.stop()
        await self.server.stop()


def from_config(name: str, options: dict[str, Any]) -> SgipCarrier:
    sgip, settings = parse(name, options)
    adapter = SgipAdapter(name, sgip)
    session = ChannelSession(name, adapter, settings)
    return SgipCarrier(name, session, SgipServer(adapter, session.emit, settings.heartbeat_seconds))
