"""Wiring: settings -> store, carriers, engine; running it until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator

from hisms.carrier import registry
from hisms.carrier.base import Carrier
from hisms.engine.config import Settings
from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from hisms.engine.worker import Engine
from hisms.monitoring.metrics import Metrics

log = logging.getLogger(__name__)


def store_for(settings: Settings) -> Store:
    return open_store(settings.database.url.get_secret_value(), settings.database.pool_size)


def carriers_for(settings: Settings) -> dict[str, Carrier]:
    return {
        c.name: registry.create(c.protocol, c.name, c.options())
        for c in settings.channels
        if c.enabled
    }


async def serve(settings: Settings, store: Store, metrics: Metrics | None = None) -> Engine:
    """Run the engine until SIGINT/SIGTERM; returns it (with its counters) once stopped."""
    from hisms.adapters.socketintake.server import running
    from hisms.monitoring.service import monitored

    store.set_timezone(settings.timezone)  # the views' days, as configured
    engine = Engine(settings, store, carriers_for(settings), metrics)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop_then_exit, engine, sig)
    loop.add_signal_handler(signal.SIGHUP, engine.reload)  # `systemctl reload hisms`
    try:
        async with (
            table_pollers(settings, store),
            running(settings, lambda: store_for(settings)),
            monitored(settings, engine),
        ):
            await engine.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
    return engine


def _stop_then_exit(engine: Engine, sig: signal.Signals) -> None:
    """The first SIGTERM/SIGINT drains; a second one exits at once, as kill -9 would: rows
    held come back after their lease, unanswered reports and MO are sent again by the
    gateway (README, guarantees)."""
    if not engine.stopping:
        log.info("%s: draining (send it again to exit at once)", sig.name)
        engine.stop()
        return
    log.warning("%s again: exiting without draining", sig.name)
    logging.shutdown()
    os._exit(128 + sig)


@contextlib.asynccontextmanager
async def table_pollers(settings: Settings, store: Store) -> AsyncIterator[None]:
    """Poll the legacy HIS tables of [dbtable] mappings while the engine runs."""
    from hisms.adapters.dbtable.mapping import load
    from hisms.adapters.dbtable.poller import TablePoller

    url = settings.database.url.get_secret_value()
    pollers = [TablePoller(load(path), store, url) for path in settings.dbtable.mappings]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop)) for p in pollers]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for p in pollers:
            p.close()
