"""Platform mode comes back by itself (auto_return) once the platform answers again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

from hisms.adapters.webservice.fakeplatform import FakePlatform
from hisms.adapters.webservice.push import Pusher
from hisms.adapters.webservice.settings import PlatformConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from tests.waiting import wait_until

from .test_platform import W, deliver, statuses

RETURN_AFTER = 1.0


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url)
    yield store
    store.close()


def modes(store: Store) -> dict[str, str]:
    return {r["source_system"]: r["mode"] for r in store.source_modes()}


def test_platform_mode_returns_after_an_outage_and_a_restart(
    pg_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    platform = FakePlatform().start()
    cfg = PlatformConfig(
        enabled=True, wsdl=platform.wsdl, sources=["HIS"], retry_attempts=1,
        failure_threshold=2, auto_return=True, return_after_seconds=RETURN_AFTER,
        interval_seconds=0.05, timeout_seconds=2,
    )  # fmt: skip
    pg_store.register_sources(["HIS"], "platform", W)
    pg_store.set_mode("table", ["CV"], "ops", "CV interface maintenance")  # an operator's
    before = Pusher(cfg, pg_store, W)
    (early,) = deliver(pg_store, ["13800138001"])
    assert before.run_once() == 2

    platform.stop()  # the integration platform goes down
    during = deliver(pg_store, ["13800138002", "13800138003"])
    assert before.run_once() == before.run_once() == 0
    assert modes(pg_store) == {"CV": "table", "HIS": "table"}
    assert "ALARM platform push for HIS failed 2 times in a row" in caplog.text
    assert before.run_once() == 0  # still down: the probe fails, HIS stays in table mode

    # hisms restarts (a new pusher, nothing in memory) and the platform comes back
    platform = FakePlatform(port=platform.server.port).start()
    up = time.time()
    after = Pusher(cfg, pg_store, W)
    stop = threading.Event()
    runner = threading.Thread(target=after.run, args=(stop,))
    runner.start()
    try:
        wait_until(lambda: len(statuses(platform)) == 4, 10, "4 results pushed after the return")
        wait_until(lambda: after.run_once() == 0, 10, "nothing left to push")
    finally:
        stop.set()
        runner.join(10)
        platform.stop()
    assert statuses(platform) == [(i, 2) for i in during] + [(i, 3) for i in during]
    event_ids = [c.fields["EventId"] for c in platform.state.received]
    assert event_ids == sorted(set(event_ids))  # replayed once, in order
    assert modes(pg_store) == {"CV": "table", "HIS": "platform"}
    (cleared,) = [r for r in caplog.records if r.getMessage().startswith("ALARM cleared")]
    assert cleared.levelno == logging.ERROR and cleared.created - up >= RETURN_AFTER
    assert "switched HIS back to platform mode (replaying 4 results" in cleared.getMessage()
    assert early not in [msg for msg, _ in statuses(platform)]
