"""The SMGP 3.0 carrier the engine creates with ``from_config(name, options)``.

Options (``[channels.NAME]`` in hisms.toml): host, port, client_id (ClientID),
secret, src_number (SrcTermID: 118 + SP service code; a submission's
``src_ext`` is appended so MO replies route back), service_id, fee_type
("00", free), fee_code ("000000"), login_mode ("transmit": reports and MO on
the same link, or "send"), verify_server_auth (false; when true a wrong
AuthenticatorServer is logged, never refused), and the shared session
tunables as for CMPP: window (16), rate, connection_rate, connections (1),
heartbeat_seconds (60, ACTIVE_TEST), dead_link_seconds (30),
response_timeout_seconds (60), max_resend (3), max_throttles (100),
link_wait_seconds (15), reconnect_min_seconds (1), reconnect_max_seconds
(60), connect_timeout_seconds (10), drain_seconds (5).

Message ids (``carrier_msg_id``) are the MsgID's 20 lower-case hex digits, in
SUBMIT_RESP results and in delivery reports alike (see :mod:`.msgid`).
Status 1 (system busy) is flow control: the link slows down and resubmits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import Carrier, EventSink, Submission, SubmitResult
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionStats
from hisms.carrier.smgp.adapter import SmgpAdapter
from hisms.carrier.smgp.options import parse


class SmgpCarrier(Carrier):
    def __init__(self, name: str, session: ChannelSession) -> None:
        super().__init__(name)
        self.session = session

    @property
    def stats(self) -> SessionStats:
        return self.session.stats

    async def start(self, on_event: EventSink) -> None:
        await self.session.start(on_event)

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        return await self.session.submit(batch)

    async def stop(self) -> None:
        await self.session.stop()


def from_config(name: str, options: dict[str, Any]) -> SmgpCarrier:
    smgp, settings = parse(name, options)
    return SmgpCarrier(name, ChannelSession(name, SmgpAdapter(name, smgp), settings))
