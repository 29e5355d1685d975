"""Pushing results of platform-mode source systems to the integration platform.

Events (``sms_event``) are recorded by triggers in the transactions that change a
message or store an MO, whatever the mode. One instance at a time pushes for a
source system (a lease on its ``sms_source_mode`` row), oldest event first, and
marks each pushed before the next: so pushes keep their order and survive
restarts. A crash between the platform's answer and the mark repeats that one
event; EventId lets the platform drop it. After ``failure_threshold`` failed
events in a row the source system is switched to table mode and an ALARM line is
logged; `hisms mode set platform` replays the backlog.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC
from typing import Any

from tenacity import Retrying, stop_after_attempt, wait_exponential

from hisms.adapters.webservice.comeback import AUTO, Comeback
from hisms.adapters.webservice.intake import as_datetime, status_name
from hisms.adapters.webservice.settings import PlatformConfig
from hisms.carrier.base import utcnow
from hisms.engine.store.base import Store, StoreError
from hisms.monitoring.metrics import Metrics

log = logging.getLogger(__name__)

Send = Callable[[str, dict[str, Any]], Any]


def payload(event: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """The platform's element values for one event, per the configured mapping."""
    values = dict(event)
    values["event_at"] = as_datetime(event["event_at"])
    if event.get("status") is not None:
        values["status_name"] = status_name(event["status"])
    return {element: values.get(ours) for element, ours in fields.items()}


class ZeepPlatform:
    """The platform's SOAP service through zeep; the WSDL is (re)loaded on demand."""

    def __init__(self, cfg: PlatformConfig) -> None:
        self._cfg = cfg
        self._client: Any = None

    def __call__(self, operation: str, values: dict[str, Any]) -> Any:
        try:
            return self._service()[operation](**values)
        except Exception:
            self._client = None  # the platform may come back with another WSDL
            raise

    def _service(self) -> Any:
        if self._client is None:
            import zeep
            from zeep.transports import Transport
            from zeep.wsse.username import UsernameToken

            cfg = self._cfg
            wsse = (
                UsernameToken(cfg.username, cfg.password.get_secret_value(), use_digest=True)
                if cfg.username
                else None
            )
            transport = Transport(
                timeout=cfg.timeout_seconds, operation_timeout=cfg.timeout_seconds
            )
            self._client = zeep.Client(cfg.wsdl, transport=transport, wsse=wsse)
        return self._client.service


class Pusher:
    def __init__(
        self,
        cfg: PlatformConfig,
        store: Store,
        worker: str,
        send: Send | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.cfg = cfg
        self.metrics = metrics
        self.store = store
        self.worker = worker
        self.send: Send = send or ZeepPlatform(cfg)
        self.pushed = 0
        self.comeback = Comeback(cfg, store, worker) if cfg.auto_return else None
        self._retry = Retrying(
            stop=stop_after_attempt(cfg.retry_attempts),
            wait=wait_exponential(multiplier=0.1, max=2),
            reraise=True,
        )

    def run(self, stop: threading.Event) -> None:
        """Push until ``stop`` is set; a database outage only delays the next round."""
        while not stop.is_set():
            try:
                self.run_once()
            except StoreError as exc:
                log.error("platform push round failed: %s", exc)
            stop.wait(self.cfg.interval_seconds)

    def run_once(self) -> int:
        """One round over the platform-mode sources this worker holds; events pushed."""
        if self.comeback is not None:
            self.comeback.run_once()
        done = 0
        for source in self.store.lease_push(self.worker, self.cfg.lease_seconds):
            done += self._drain(source)
        return done

    def _drain(self, source: str) -> int:
        done = 0
        for event in self.store.unpushed_events(source, self.cfg.batch_size):
            try:
                self._retry(self._push, event)
            except Exception as exc:
                self._failed(source, exc)
                break  # later events wait: order per message is kept
            self.store.mark_pushed(event, self.worker)
            if self.metrics is not None:
                self.metrics.pushed(source, _age(event["event_at"]))
            done += 1
        self.pushed += done
        return done

    def _push(self, event: dict[str, Any]) -> None:
        if event["kind"] == "MO":
            self.send(self.cfg.mo_operation, payload(event, self.cfg.mo_fields))
        else:
            self.send(self.cfg.status_operation, payload(event, self.cfg.status_fields))

    def _failed(self, source: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if self.metrics is not None:
            self.metrics.push_failed(source)
        failures = self.store.push_failed(source, error, self.worker)
        log.warning("push to the platform for %s failed (%d in a row): %s", source, failures, error)
        if failures < self.cfg.failure_threshold:
            return
        reason = f"{AUTO}{failures} consecutive push failures: {error}"
        self.store.set_mode("table", [source], self.worker, reason[:500])
        log.error(
            "ALARM platform push for %s failed %d times in a row; switched %s to table mode "
            "(results stay in the tables; `hisms mode set platform --source %s` replays them)",
            source, failures, source, source,
        )  # fmt: skip


def _age(value: Any) -> float:
    """Seconds since an event's time (naive = UTC, as the stores write them)."""
    at = as_datetime(value)
    if at is None:
        return 0.0
    return (utcnow() - (at if at.tzinfo else at.replace(tzinfo=UTC))).total_seconds()
