"""The child processes of ``hisms bench e2e``: the gateway simulator (CMPP, or the
generic HTTP gateway's, which pushes reports to the engine's HTTP server) and the engine
(one, or several sharing the channel's connections, each with its own worker id).

Each runs in its own (spawned) process so neither shares a GIL with the other or
with the inserter. Each reports back through a queue when it stops: its counters
and the CPU seconds it used (all threads), so the summary can say who was busy.
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import signal
import sys
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

from hisms.carrier import registry
from hisms.carrier.aggregator.simulator import HttpGatewaySimulator
from hisms.carrier.base import Carrier
from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.simulator import CmppSimulator
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.link import Link
from hisms.carrier.simulator import SimConfig
from hisms.engine import app
from hisms.engine.config import Settings
from hisms.engine.worker import Engine
from hisms.monitoring.service import monitored

ACCOUNT, SECRET, SRC_NUMBER = "901234", "bench-e2e-secret", "10690123"
CHANNEL = "bench"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
READY_TIMEOUT_SECONDS = 30.0


def simulator(
    protocol: str,
    report_delay: float,
    pushes_to: str,
    port: Queue[int],
    stop: Event,
    out: Queue[dict[str, Any]],
) -> None:
    """Run a CMPP 3.0 (or generic HTTP gateway) simulator until ``stop``; puts its port,
    then its counters. The HTTP one pushes reports to ``pushes_to``."""

    async def main() -> dict[str, Any]:
        config = SimConfig(ACCOUNT, SECRET, report_delay=report_delay)
        sim: CmppSimulator | HttpGatewaySimulator
        if protocol == "http":
            sim = HttpGatewaySimulator(config, report_url=pushes_to)
        else:
            sim = CmppSimulator(config, pdus.V30)
        async with sim:
            port.put(sim.port)
            while not stop.is_set():
                await asyncio.sleep(0.1)
            c = sim.counters
            return {"submits": c.submits, "accepted": c.accepted, "reports": c.reports_sent}

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    counters = asyncio.run(main())
    out.put({**counters, "cpu_seconds": time.process_time()})


def engine(
    settings: Settings,
    log_level: int,
    ready: Event,
    links: int,
    profile: str,
    out: Queue[dict[str, Any]],
) -> None:
    """Run the engine as ``hisms run`` would until SIGTERM; sets ``ready`` once it holds
    ``links`` connections of the channel (its share), all logged in; puts its counters
    when stopped. With ``profile``, under cProfile (the event loop's thread only), its
    stats written there."""
    logging.basicConfig(level=log_level, format=LOG_FORMAT, stream=sys.stderr)
    store = app.store_for(settings)
    profiler = cProfile.Profile(time.thread_time) if profile else None
    try:
        if profiler:
            profiler.enable()
        counts = asyncio.run(_serve(settings, store, ready, links))
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        store.close()
    statements = dict(getattr(store, "statements", {}))  # the PostgreSQL store counts them
    worker = settings.engine.worker_id
    cpu = time.process_time()
    out.put({"worker": worker, "counts": counts, "statements": statements, "cpu_seconds": cpu})


async def _serve(settings: Settings, store: Any, ready: Event, links: int) -> dict[str, int]:
    (channel,) = settings.channels
    carrier = registry.create(channel.protocol, CHANNEL, channel.options())
    worker = Engine(settings, store, {CHANNEL: carrier})
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    async with monitored(settings, worker):  # an HTTP carrier's pushes come in there
        task = asyncio.create_task(worker.run())
        if await _logged_in(carrier, task, links):
            ready.set()
        else:
            worker.stop()  # the parent, waiting for ``ready``, says the login failed
        await task
    return dict(worker.counts)


async def _logged_in(carrier: Carrier, task: asyncio.Task[None], links: int) -> bool:
    """A session carrier holds ``links`` links, each logged in (an HTTP carrier has none
    to wait for). Counting them matters with several engines: the first one takes every
    connection until the others join, and gives them up only after its own login."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while isinstance(carrier, SessionCarrier) and not _holds(carrier.session.links, links):
        if task.done() or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _holds(links: list[Link], count: int) -> bool:
    return len(links) == count and all(link.bound for link in links)
