"""The CMPP carrier the engine creates with ``from_config(name, options)``.

Options (``[channels.NAME]`` in hisms.toml): host, port, version ("2.0" or
"3.0", default "3.0"), source_addr (SP_Id), secret, src_number (service
number; a submission's ``src_ext`` is appended to it as Src_Id so MO replies
route back), service_id, fee_user_type (2), fee_terminal_id, fee_type ("01"),
fee_code ("000000"), window (16), rate (msgs/s per channel, unlimited),
connection_rate, connections (1), heartbeat_seconds (60), dead_link_seconds
(30), response_timeout_seconds (60), max_resend (3), max_throttles (100),
link_wait_seconds (15), reconnect_min_seconds (1), reconnect_max_seconds (60),
connect_timeout_seconds (10), drain_seconds (5), verify_server_auth (false:
when true, a wrong AuthenticatorISMG is logged as a warning, never refused).

Message ids (``carrier_msg_id``) are the Msg_Id's 16 lower-case hex digits,
in SUBMIT_RESP results and in delivery reports alike (see :mod:`.msgid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import Carrier, EventSink, Submission, SubmitResult
from hisms.carrier.cmpp.adapter import CmppAdapter
from hisms.carrier.cmpp.options import parse
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionStats


class CmppCarrier(Carrier):
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


def from_config(name: str, options: dict[str, Any]) -> CmppCarrier:
    cmpp, settings = parse(name, options)
    return CmppCarrier(name, ChannelSession(name, CmppAdapter(name, cmpp), settings))
