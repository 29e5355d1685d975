"""How the engines of one database split a channel's connections and rate."""

from __future__ import annotations

import asyncio

from hisms.engine.config import EngineConfig
from hisms.engine.shares import ChannelShares, fair_slots, share_rate
from hisms.engine.store.base import Share


def test_connections_split_evenly_the_first_engines_taking_the_remainder() -> None:
    members = ("a", "b", "c")
    assert [fair_slots(members, w, 2) for w in members] == [1, 1, 0]
    assert [fair_slots(members, w, 4) for w in members] == [2, 1, 1]
    assert sum(fair_slots(members, w, 7) for w in members) == 7


def test_an_engine_not_yet_a_member_counts_itself() -> None:
    assert fair_slots((), "a", 2) == 2
    assert fair_slots(("b",), "a", 2) == 1


def test_the_rate_follows_the_slots_held() -> None:
    assert share_rate(500.0, 1, 2) == 250.0
    assert share_rate(500.0, 0, 2) == 0.0
    assert share_rate(None, 1, 2) is None


class _Carrier:
    def __init__(self) -> None:
        self.links = 2

    def limits(self) -> tuple[int, float | None]:
        return 2, 500.0

    async def resize(self, connections: int, rate: float | None) -> None:
        self.links = connections


class _Store:
    """Two slots, held by another engine until ``free``."""

    def __init__(self) -> None:
        self.free = False

    def open_slots(self, worker: str, channel: str, connections: int) -> None:
        pass

    def renew_share(self, worker: str, channel: str, ttl: float, rate: float | None) -> Share:
        return Share(frozenset(), ("other", worker) if not self.free else (worker,))

    def take_slots(self, worker: str, channel: str, candidates: list[int], want: int, ttl: float):  # type: ignore[no-untyped-def]
        return set(candidates[:want]) if self.free else set()


def test_each_resize_is_told_so_an_engine_without_links_is_a_standby_not_down() -> None:
    told: list[tuple[str, int]] = []
    store, carrier = _Store(), _Carrier()
    shares = ChannelShares(
        store,  # type: ignore[arg-type]
        "me",
        EngineConfig(),
        {"cm": carrier},
        lambda channel, links: told.append((channel, links)),
    )
    asyncio.run(shares.start())
    assert told == [("cm", 0)] and carrier.links == 0 and not shares.sending
    store.free = True  # the other engine stopped
    asyncio.run(shares.tick())
    assert told[-1] == ("cm", 2) and carrier.links == 2 and shares.sending
