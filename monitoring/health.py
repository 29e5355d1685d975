"""Liveness and readiness, and the figures sampled from the database on a timer.

``/readyz`` must answer within 50 ms whatever the database does, so it never waits
for the database: a probe on a timer (``probe_every_seconds``, each bounded by
``probe_timeout_seconds``) records whether it answered, and readiness reads that.
The oldest pending age and the backlog per lane are the only figures read from the
tables: a few index seeks every ``sample_every_seconds`` (``Store.pending_head``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from hisms.engine.channels import Channels
from hisms.engine.store.base import BULK, URGENT, Store, StoreError
from hisms.monitoring import standings
from hisms.monitoring.metrics import Metrics
from hisms.monitoring.settings import MonitoringConfig

log = logging.getLogger(__name__)


class Health:
    def __init__(
        self,
        cfg: MonitoringConfig,
        metrics: Metrics,
        store: Store,
        channels: Channels,
        writes_refused: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.store = store
        self.database_up: bool | None = None  # None until the first probe ends
        self.database_error = ""
        self.database_changed_at = time.monotonic()  # when database_up last changed
        self.pending: dict[str, tuple[float | None, int]] = {}  # lane -> (oldest age, backlog)
        self.channels = channels
        self._writes_refused = writes_refused
        self._probing: asyncio.Task[int] | None = None

    # -- readiness --------------------------------------------------------------

    def problems(self) -> list[str]:
        """Why this engine is not ready; empty when it is."""
        found = []
        if not self.database_up:
            found.append(f"database unreachable: {self.database_error or 'not probed yet'}")
        views = standings.read(self.channels)
        up = {name for name, view in views.items() if view.takes_new}
        if not up:
            found.append("no channel takes traffic")
        table = self.channels.router.table
        for operator in sorted(self.operators_with_traffic()):
            serving = standings.serving(table, operator, views)
            if serving and not up.intersection(serving):
                down = ", ".join(f"{n} {views[n].state}" for n in serving)
                found.append(f"every channel for {operator} is down: {down}")
        return found

    def operators_with_traffic(self) -> set[str]:
        since = time.monotonic() - self.cfg.traffic_window_seconds
        return {op for op, at in self.metrics.traffic.items() if at >= since}

    # -- the timers -----------------------------------------------------------------

    async def probe(self) -> None:
        """Ask the database for its schema version within the deadline. A probe still
        hanging from before is awaited, not doubled: a dead server must not pile up threads.
        A database that answers but refuses the engine's writes (read-only, disk full) is
        down too: nothing is claimed, reports and MO wait unanswered."""
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(asyncio.to_thread(self.store.schema_version))
        try:
            async with asyncio.timeout(self.cfg.probe_timeout_seconds):
                await asyncio.shield(self._probing)
        except TimeoutError:
            self._database(False, f"no answer within {self.cfg.probe_timeout_seconds:g}s")
        except StoreError as exc:
            self._database(False, " ".join(str(exc).split())[:300])
        else:
            refused = self._writes_refused()
            self._database(refused is None, f"writes refused: {refused}" if refused else "")

    def _database(self, up: bool, error: str) -> None:
        if up != self.database_up:
            self.database_changed_at = time.monotonic()
            log.log(logging.INFO if up else logging.ERROR, "database %s %s",
                    "reachable" if up else "UNREACHABLE:", error)  # fmt: skip
        self.database_up, self.database_error = up, error
        self.metrics.database(up)

    async def sample(self) -> None:
        """The oldest due PENDING row's wait and the backlog, per lane."""
        if not self.database_up:
            return
        for lane in (URGENT, BULK):
            waited, backlog = await asyncio.to_thread(
                self.store.pending_head, lane, self.cfg.backlog_cap
            )
            self.pending[lane.name] = (waited, backlog)
            self.metrics.pending(lane.name, waited or 0.0, backlog)

    async def run(self) -> None:
        """Probe and sample on their periods until cancelled."""
        await asyncio.gather(
            _every(self.cfg.probe_every_seconds, self.probe),
            _every(self.cfg.sample_every_seconds, self.sample),
        )


async def _every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        try:
            await job()
        except StoreError as exc:
            log.warning("monitoring: %s failed: %s", job.__name__, exc)
        await asyncio.sleep(seconds)
