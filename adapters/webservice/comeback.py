"""Platform mode by itself again after an outage (``[platform] auto_return``, off by default).

A source system the pusher switched to table mode (reason ``auto: ...``) is switched back
once the platform has answered every probe for ``return_after_seconds``; the pusher then
replays what was not pushed, once and in order, as after ``hisms mode set platform``. A
source an operator switched stays where it is. The state lives in ``sms_source_mode``, so
a restart resumes probing.
"""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Callable

from hisms.adapters.webservice.settings import PlatformConfig
from hisms.engine.store.base import Store

log = logging.getLogger(__name__)

AUTO = "auto: "  # how the pusher's own switches to table mode begin their reason

Probe = Callable[[], bool]


def http_probe(url: str, timeout: float) -> Probe:
    """True when ``url`` answers 2xx (by default the platform's WSDL)."""

    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as answer:
                return 200 <= int(answer.status) < 300
        except (OSError, ValueError):
            return False

    return answers


class Comeback:
    def __init__(
        self,
        cfg: PlatformConfig,
        store: Store,
        worker: str,
        probe: Probe | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.worker = worker
        self.probe = probe or http_probe(cfg.probe_url or cfg.wsdl, cfg.timeout_seconds)
        self.clock = clock
        self._up_since: float | None = None  # first of the probes that answered in a row

    def run_once(self) -> list[str]:
        """Probe if a source waits; the sources switched back to platform mode now."""
        waiting = {
            row["source_system"]: row["unpushed"]
            for row in self.store.source_modes()
            if row["mode"] == "table" and (row["reason"] or "").startswith(AUTO)
        }
        if not waiting or not self.probe():
            self._up_since = None
            return []
        now = self.clock()
        if self._up_since is None:
            self._up_since = now
        if now - self._up_since < self.cfg.return_after_seconds:
            return []
        self._up_since = None
        return self._switch_back(waiting)

    def _switch_back(self, waiting: dict[str, int]) -> list[str]:
        after = self.cfg.return_after_seconds
        reason = f"{AUTO}the platform answered for {after:.0f} s"
        switched = self.store.set_mode("platform", list(waiting), self.worker, reason)
        for source in switched:
            log.error(
                "ALARM cleared: the platform answered for %.0f s; switched %s back to platform "
                "mode (replaying %d results not pushed yet)",
                after, source, waiting[source],
            )  # fmt: skip
        return switched
