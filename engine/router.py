"""Choosing a channel for a message: the first matching rule names a channel group, and
the group's channels share the traffic by weight, with failover in order.

Within a group, new traffic goes to the weighted channels (weight > 0) that take
traffic, chosen at random in proportion to their weights; UP ones before DEGRADED ones.
When no weighted channel takes traffic, the backups (weight 0) do, first in ``position``
order. A channel that is DOWN, DISABLED or DRAINING takes none; when no channel of the
group takes any, the message waits (it is not failed). The hold time after a DOWN only
keeps traffic on another channel: a channel whose links are back takes traffic at once when
no other channel of its group does.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass

from hisms.engine import numbering
from hisms.engine.health import Standing, State
from hisms.engine.numbering import NumberInfo
from hisms.engine.routing.rules import Facts, Member, RouteTable, Rule


@dataclass(frozen=True, slots=True)
class Route:
    rule: Rule | None
    channel: str | None
    why: str  # how it was chosen, or why there is no channel
    wait: bool = False  # the group has channels but none takes traffic now


class Router:
    def __init__(
        self,
        table: RouteTable,
        standing: Callable[[str], Standing],
        rng: random.Random | None = None,
    ) -> None:
        self.table = table
        self.standing = standing
        self._rng = rng or random.Random()
        # A batch's router (:meth:`for_batch`) keeps the routes that involve no random choice.
        self._routes: dict[tuple[Rule, frozenset[str], str | None], Route] | None = None

    def for_batch(self) -> Router:
        """This router with each channel's standing read once: planning a batch asks for it
        per message, and nothing changes it until the batch's plan is made."""
        router = Router(self.table, functools.cache(self.standing), self._rng)
        router._routes = {}
        return router

    def number(self, phone: str, *, region: bool | None = None) -> NumberInfo:
        """Operator and region: the DBA's override (携号转网) if any, else the segment's.
        The region only when asked or a rule matches by region (else left empty)."""
        if override := self.table.overrides.get(phone):
            return override
        if region if region is not None else self.table.by_region:
            return numbering.lookup(phone)
        return NumberInfo(numbering.operator_of(phone), "", "")

    def route(
        self,
        facts: Facts,
        avoid: Collection[str] = (),
        rather_not: str | None = None,
        pinned: str | None = None,
    ) -> Route:
        """The channel for a message; ``avoid``: channels it already failed over from;
        ``rather_not``: the channel whose delivery report failed, taken again only when no
        other channel of the group takes traffic; ``pinned``: the only channel it may take,
        whatever the rules say (it waits while that channel takes no traffic)."""
        if pinned is not None:
            return self._pinned(pinned, avoid)
        rule = self.table.first_match(facts)
        if rule is None:
            return Route(None, None, "no routing rule matches")
        if self._routes is None:
            return self._route(rule, avoid, rather_not)
        key = (rule, frozenset(avoid), rather_not)
        known = self._routes.get(key)
        if known is None:
            known = self._route(rule, avoid, rather_not)
            if sum(1 for m in self.table.group(rule.group) if m.weight > 0) <= 1:
                self._routes[key] = known  # no weighted draw: every message goes the same way
        return known

    def _route(self, rule: Rule, avoid: Collection[str], rather_not: str | None) -> Route:
        members = self.table.group(rule.group)
        if not members:
            return Route(rule, None, f"rule {rule.name!r}: group {rule.group!r} has no channel")
        left = [m for m in members if m.channel not in avoid]
        member, how = self._choose([m for m in left if m.channel != rather_not])
        if member is None and rather_not in {m.channel for m in left}:
            member, how = self._choose(left)
            if member is not None:
                how += ": its report failed there, but no other channel takes traffic"
        if member is None:
            return Route(rule, None, f"waiting for a channel of group {rule.group!r}: {how}", True)
        return Route(rule, member.channel, f"rule {rule.name!r} -> group {rule.group!r}: {how}")

    def _pinned(self, channel: str, avoid: Collection[str]) -> Route:
        standing = self.standing(channel)
        if channel in avoid or not (standing.takes_new or standing.recovering):
            return Route(None, None, f"waiting for its pinned channel {channel} {standing}", True)
        return Route(None, channel, f"pinned to {channel}")

    def blocked(self, channel: str) -> str | None:
        """Why ``channel`` takes no new traffic now; None when it does, or when it is only
        serving its hold time (routing sent it traffic because nothing else takes any)."""
        standing = self.standing(channel)
        return None if standing.takes_new or standing.recovering else f"{channel} {standing}"

    def explain(self, facts: Facts) -> list[str]:
        """Each rule tried, the group's channels and the choice, for `hisms route explain`."""
        lines = []
        for rule in self.table.rules:
            why = rule.mismatch(facts)
            lines.append(f"rule {rule.position} {rule.name!r}: {why or 'matches'}")
            if why is None:
                for m in self.table.group(rule.group):
                    role = f"weight {m.weight}" if m.weight else "backup"
                    lines.append(f"  {m.channel}: {role}, {self.standing(m.channel)}")
                break
        lines.append(self.route(facts).why)
        return lines

    def _choose(self, members: list[Member]) -> tuple[Member | None, str]:
        standing = {m.channel: self.standing(m.channel) for m in members}
        open_ = [m for m in members if standing[m.channel].takes_new]
        for state in (State.UP, State.DEGRADED):
            weighted = [m for m in open_ if m.weight > 0 and standing[m.channel].state is state]
            if weighted:
                (chosen,) = (
                    weighted
                    if len(weighted) == 1
                    else self._rng.choices(weighted, weights=[m.weight for m in weighted])
                )
                total = sum(m.weight for m in weighted)
                return chosen, f"{chosen.channel} (weight {chosen.weight} of {total})"
        for state in (State.UP, State.DEGRADED):
            backup = next((m for m in open_ if standing[m.channel].state is state), None)
            if backup is not None:
                return backup, f"{backup.channel} (backup: no weighted channel takes traffic)"
        held = next((m for m in members if standing[m.channel].recovering), None)
        if held is not None:
            return held, f"{held.channel} (links back, still in its hold time: no other channel)"
        return None, "; ".join(f"{m.channel} {standing[m.channel]}" for m in members) or "none left"
