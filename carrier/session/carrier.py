"""The carrier the engine sees for a protocol on the shared session: a thin facade.

CMPP and SMGP are exactly this; SGIP adds its listener and SMPP its receivers
and whole-message submits by extending it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from hisms.carrier.base import Carrier, EventSink, Submission, SubmitResult
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionStats


class SessionCarrier(Carrier):
    def __init__(self, name: str, session: ChannelSession) -> None:
        super().__init__(name)
        self.session = session
        options = getattr(session.adapter, "options", None)  # every protocol's has src_number
        self.src_number = str(getattr(options, "src_number", "") or "")

    @property
    def stats(self) -> SessionStats:
        return self.session.stats

    async def start(self, on_event: EventSink) -> None:
        await self.session.start(on_event)

    def hold_events(self, room: asyncio.Event) -> None:
        self.session.hold_events(room)

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        return await self.session.submit(batch)

    async def stop(self) -> None:
        await self.session.stop()

    def limits(self) -> tuple[int, float | None]:
        """The channel's configured connections and rate, which engines share."""
        return self.session.settings.connections, self.session.settings.rate

    async def resize(self, connections: int, rate: float | None) -> None:
        await self.session.resize(connections, rate)

    def address(self) -> tuple[str, int]:
        return self.session.settings.host, self.session.settings.port

    def hand_back(self, reason: str) -> int:
        return self.session.hand_back(reason)
