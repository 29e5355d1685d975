"""The channels as monitoring reads them: the engine's channel health (UP, DEGRADED, DOWN,
DISABLED; :mod:`hisms.engine.health`) and which channels the routing rules give an operator."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

from hisms.engine.channels import Channels
from hisms.engine.health import State
from hisms.engine.routing.rules import RouteTable


@dataclass(frozen=True, slots=True)
class ChannelView:
    name: str
    state: State
    reason: str
    # Routing gives it new traffic (not DOWN, DISABLED or DRAINING), here or, on a standby
    # engine (hisms.engine.shares), on the engines holding its connections.
    takes_new: bool
    for_seconds: float  # how long it has been in this state

    @property
    def up(self) -> bool:
        """Its links work (UP or DEGRADED), whatever an operator's mode says."""
        return self.state in (State.UP, State.DEGRADED)


def read(channels: Channels) -> dict[str, ChannelView]:
    now = time.monotonic()
    views = {}
    for name, health in channels.health.items():
        standing = health.standing()  # first: a change of state moves health.since
        takes_new = standing.takes_new or standing.standby
        views[name] = ChannelView(
            name, standing.state, standing.reason, takes_new, now - health.since
        )
    return views


def serving(table: RouteTable, operator: str, configured: Collection[str]) -> list[str]:
    """The channels of this engine that rules for ``operator`` route to, in rule order."""
    found: list[str] = []
    for rule in table.rules:
        if rule.enabled and (not rule.operators or operator in rule.operators):
            found += [m.channel for m in table.group(rule.group) if m.channel in configured]
    return list(dict.fromkeys(found))
