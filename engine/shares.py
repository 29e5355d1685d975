"""A channel's connections and rate shared by the engines of one database, not multiplied.

Each engine serving a channel is a member (``sms_channel_member``), renewed by its
heartbeat. The live members, in worker order, split the channel's ``connections``
evenly (:func:`fair_slots`); a connection is a slot row (``sms_channel_slot``) an engine
holds under a lease before it logs a link in, and gives up only once that link is
closed, so the gateway never sees more logins than ``connections``. An engine's rate is
the channel's ``rate`` times the part of the slots it holds. An engine that joins takes
free slots as the others give theirs up; the slots of one that dies lapse after
``share_ttl_seconds``; one that cannot renew closes its links before its lease lapses.
Each resize is told to ``on_resize`` (channel health: an engine with no link of a channel
is its standby, not a witness that it is down).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Protocol, runtime_checkable

from hisms.carrier.base import utcnow
from hisms.engine.config import EngineConfig
from hisms.engine.store.base import Store, StoreError

log = logging.getLogger(__name__)
# Links are closed once this part of the lease has passed without a renewal: the rest is
# time to close them before another engine may take the slots.
FENCE_AT = 0.5


@runtime_checkable
class Shareable(Protocol):
    """A carrier whose links and rate an engine can be given a share of."""

    def limits(self) -> tuple[int, float | None]:
        """The channel's configured (connections, submits per second or None)."""

    async def resize(self, connections: int, rate: float | None) -> None:
        """Keep this many links open (closing extra ones before it returns) at this rate."""


def fair_slots(members: tuple[str, ...], worker: str, connections: int) -> int:
    """How many of ``connections`` slots ``worker`` should hold among ``members``: an even
    split, the first ones in order taking the remainder."""
    if worker not in members:
        members = tuple(sorted((*members, worker)))
    count, extra = divmod(connections, len(members))
    return count + (members.index(worker) < extra)


def share_rate(rate: float | None, slots: int, connections: int) -> float | None:
    return None if rate is None else rate * slots / connections


class ChannelShares:
    """The engine's side task that keeps its share of every shareable channel."""

    def __init__(
        self,
        store: Store,
        worker: str,
        cfg: EngineConfig,
        carriers: Mapping[str, Shareable],
        on_resize: Callable[[str, int], None] = lambda channel, links: None,
    ) -> None:
        self.store = store
        self.worker = worker
        self.cfg = cfg
        self.carriers = dict(carriers)
        self._on_resize = on_resize
        self.held: dict[str, set[int]] = {name: set() for name in carriers}
        self._renewed = time.monotonic()

    @property
    def sending(self) -> bool:
        """Whether this engine holds a connection of any shared channel."""
        return any(self.held.values())

    async def start(self) -> None:
        """Before the carriers start: no links until slots are held."""
        for name, carrier in self.carriers.items():
            await self._resize(name, carrier, 0, None)
            connections, _ = carrier.limits()
            await asyncio.to_thread(self.store.open_slots, self.worker, name, connections)
        await self.tick()

    async def tick(self) -> None:
        try:
            for name, carrier in self.carriers.items():
                await self._keep(name, carrier)
        except StoreError:
            if time.monotonic() - self._renewed > self.cfg.share_ttl_seconds * FENCE_AT:
                await self._fence()
            raise
        self._renewed = time.monotonic()

    async def leave(self) -> None:
        """After the carriers stopped: every slot and membership goes."""
        for name in self.carriers:
            await asyncio.to_thread(self.store.leave_channel, self.worker, name)
            self.held[name] = set()

    async def purge(self) -> int:
        before = utcnow() - timedelta(seconds=self.cfg.share_ttl_seconds * 10)
        return await asyncio.to_thread(self.store.purge_members, before)

    async def _keep(self, name: str, carrier: Shareable) -> None:
        connections, rate = carrier.limits()
        ttl = self.cfg.share_ttl_seconds
        held = self.held[name]
        mine = share_rate(rate, len(held), connections)
        share = await asyncio.to_thread(self.store.renew_share, self.worker, name, ttl, mine)
        lost = held - share.slots
        if lost:  # lapsed and taken: close at once
            log.error("%s: lost connection slots %s to another engine", name, sorted(lost))
        held = set(share.slots) | (held - lost)
        target = fair_slots(share.members, self.worker, connections)
        if len(held) > target:
            keep = set(sorted(held)[:target])
            await self._resize(name, carrier, len(keep), share_rate(rate, len(keep), connections))
            await asyncio.to_thread(
                self.store.release_slots, self.worker, name, sorted(held - keep)
            )
            held = keep
        elif len(held) < target:
            free = [n for n in range(connections) if n not in held]
            held |= await asyncio.to_thread(
                self.store.take_slots, self.worker, name, free, target - len(held), ttl
            )
        if held != self.held[name] or lost:
            log.info(
                "%s: holding %d of %d connections (%d engines)",
                name,
                len(held),
                connections,
                len(share.members),
            )
            await self._resize(name, carrier, len(held), share_rate(rate, len(held), connections))
        self.held[name] = held

    async def _fence(self) -> None:
        """The lease may lapse before it is renewed: close every link while it is ours."""
        if self.sending:
            log.error("cannot renew connection slots: closing this engine's links")
        for name, carrier in self.carriers.items():
            await self._resize(name, carrier, 0, None)
            self.held[name] = set()

    async def _resize(self, name: str, carrier: Shareable, links: int, rate: float | None) -> None:
        await carrier.resize(links, rate)
        self._on_resize(name, links)
