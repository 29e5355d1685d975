"""The engine's view of its channels: each one's health, the operators' modes, and the
routing table, kept in step with the database.

Fed by the carriers' ``ChannelState`` events, the answers to each part and the delivery
reports; every ``health.poll_seconds`` it reads the rules and the operators' modes from
the database (cheaply: the rules only when their fingerprint changed) and writes this
engine's view of each channel to ``sms_channel_state``. A channel that stops taking
traffic (DOWN or DISABLED) hands back what it has queued, so the batches waiting on it
fail over at once instead of after ``link_wait_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from hisms.carrier.base import (
    Carrier,
    ChannelState,
    DeliveryReport,
    Outcome,
    SubmitResult,
    utcnow,
)
from hisms.engine.config import Settings
from hisms.engine.health import NOT_HERE, ChannelHealth, Mode, Standing, State
from hisms.engine.router import Router
from hisms.engine.store.base import Store

log = logging.getLogger(__name__)
# An engine's row in sms_channel_state is written when its state changes, else this often.
HEALTH_REFRESH_SECONDS = 15.0


class Channels:
    def __init__(self, settings: Settings, carriers: Mapping[str, Carrier]) -> None:
        self.carriers = dict(carriers)
        self.health = {name: ChannelHealth(name, settings.health) for name in carriers}
        self.router = Router(settings.seed_routes(), self.standing)
        self._seen: dict[str, Standing] = {}
        self._routes_version: str | None = None
        self._written: dict[str, tuple[Standing, float]] = {}

    def standing(self, channel: str) -> Standing:
        health = self.health.get(channel)
        return NOT_HERE if health is None else health.standing()

    # -- inputs -----------------------------------------------------------------

    def link(self, event: ChannelState) -> None:
        if event.channel in self.health:
            self.health[event.channel].link(event.up, event.detail)
            self.check()

    def answered(self, channel: str, results: Sequence[SubmitResult]) -> None:
        """Count the answers of a channel that takes traffic (not what it handed back)."""
        health = self.health.get(channel)
        if health is None or not health.standing().takes_new:
            return
        for r in results:
            health.submitted(r.outcome is Outcome.ACCEPTED, r.error_text or r.error_code or "")
        self.check()

    def share(self, channel: str, links: int) -> None:
        """This engine now keeps ``links`` connections of a channel whose connections the
        engines share; with none it is the channel's standby."""
        if channel in self.health:
            self.health[channel].standby(links == 0)
            self.check()

    def reported(self, report: DeliveryReport) -> None:
        if report.channel in self.health:
            self.health[report.channel].reported(report.delivered)

    # -- state changes ----------------------------------------------------------

    def check(self) -> None:
        """Log each change of standing; a channel that is DOWN or DISABLED hands back its
        queue (again at each check: parts routed to it just before it went down)."""
        for name, health in self.health.items():
            now = health.standing()
            before = self._seen.get(name)
            self._seen[name] = now
            if before is None or (before.state, before.takes_new) != (now.state, now.takes_new):
                # Draining or standby is no trouble: the channel is UP where it has links.
                level = logging.INFO if now.state is State.UP else logging.ERROR
                log.log(level, "channel %s is %s", name, now)
            # A channel whose links are back sends what it holds, hold time or not.
            if now.state is State.DISABLED or (now.state is State.DOWN and not now.recovering):
                handed = self.carriers[name].hand_back(f"channel {name} {now}")
                if handed:
                    log.warning("channel %s handed back %d queued parts to fail over", name, handed)

    # -- the database -----------------------------------------------------------

    def sync(self, store: Store, worker: str, now: float) -> None:
        """Read rules and modes; write this engine's health rows (blocking: run in a thread)."""
        version = store.route_version()
        if version != self._routes_version:
            table = store.load_routes()
            if table is not None:
                self.router.table = table
                log.info("routing: %d rules from the database", len(table.rules))
                unknown = sorted(table.channels() - set(self.health))
                if unknown:
                    log.error(
                        "routing: the database's groups name channels not configured on this"
                        " engine: %s (their traffic waits; `hisms route list`)",
                        ", ".join(unknown),
                    )
            self._routes_version = version
        modes = {row["channel"]: row for row in store.channel_modes()}
        for name, health in self.health.items():
            row = modes.get(name)
            mode = Mode(row["admin_mode"]) if row else Mode.ENABLED
            if mode is not health.mode:
                log.warning(
                    "channel %s set %s by %s", name, mode, row["changed_by"] if row else "-"
                )
            health.set_mode(mode, (row or {}).get("reason") or "")
        self.check()
        store.save_health(worker, self._changed_rows(now))

    def _changed_rows(self, now: float) -> list[dict[str, Any]]:
        rows = []
        for name, health in self.health.items():
            standing = health.standing()
            last = self._written.get(name)
            if last and last[0] == standing and now - last[1] < HEALTH_REFRESH_SECONDS:
                continue
            self._written[name] = (standing, now)
            rows.append(
                {
                    "channel": name,
                    "state": str(standing.state),
                    "reason": standing.reason[:500],
                    "takes_new": int(standing.takes_new),
                    "since": utcnow() - timedelta(seconds=now - health.since),
                }
            )
        return rows
