"""``hisms console --workers N``: N processes serving one port.

One console process serves a few hundred requests a second on one core (Python runs one
thread at a time). Several share the work: the parent reserves the port, starts N worker
processes that each listen on it with ``SO_REUSEPORT`` (the kernel spreads the new
connections evenly over them; on one shared socket the busiest worker tended to accept
most), samples the engines' ``/metrics`` itself and writes the hour to a file every worker
reads, so that every worker draws the same chart. What a worker keeps in memory is listed
in docs/console.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import secrets
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path

import click
from pydantic import SecretStr

from hisms.adapters.console.sampler import Sampler, scraped
from hisms.engine.config import Settings

log = logging.getLogger(__name__)
SAMPLES = "samples.json"  # the hour the parent samples, in the shared directory
RESTART_SECONDS = 1.0  # how often the parent looks for a worker that stopped
STOP_SECONDS = 30.0  # a worker's time to finish its requests on SIGTERM
STARTUP_SECONDS = 120.0  # at most this long before "console on" is said anyway


def shared_secret(settings: Settings) -> Settings:
    """Settings whose session secret every worker shares: the configured one, else one
    made now (sessions then end with this ``hisms console``, as with a single process)."""
    cfg = settings.console
    if cfg.secret_key.get_secret_value():
        return settings
    made = cfg.model_copy(update={"secret_key": SecretStr(secrets.token_urlsafe(32))})
    return settings.model_copy(update={"console": made})


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Until SIGINT/SIGTERM: the socket, N workers (started again when one stops), the
    sampler. Workers are spawned (a fresh interpreter each), never forked from a process
    that holds database connections or a running event loop."""
    settings = shared_secret(settings)
    # Bound, not listening: it holds the port (and picks it for port 0) but is handed no
    # connection; the workers' listening sockets join it with SO_REUSEPORT.
    reserved = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserved.bind((host, port))
    port = reserved.getsockname()[1]
    shared = Path(tempfile.mkdtemp(prefix="hisms-console-"))
    endpoints = settings.monitoring.endpoints or [settings.monitoring.local_endpoint()]
    sampler = Sampler(scraped(endpoints), settings.console.sample_seconds, shared / SAMPLES)
    context = multiprocessing.get_context("spawn")
    try:
        ready = [context.Event() for _ in range(workers)]
        started = [_start(context, settings, host, port, shared, r) for r in ready]
        for listening in ready:  # "console on" once every worker takes connections
            listening.wait(STARTUP_SECONDS)
        click.echo(f"console on http://{host}:{port}/console/ ({workers} workers)", err=True)
        again = lambda: _start(context, settings, host, port, shared, context.Event())  # noqa: E731
        asyncio.run(_supervise(started, sampler, again))
    finally:
        reserved.close()
        shutil.rmtree(shared, ignore_errors=True)


def _start(
    context: multiprocessing.context.SpawnContext,
    settings: Settings,
    host: str,
    port: int,
    shared: Path,
    ready: Event,
) -> BaseProcess:
    process = context.Process(
        target=worker, args=(settings, host, port, shared, ready), daemon=True
    )
    process.start()
    return process


async def _supervise(
    running: list[BaseProcess], sampler: Sampler, again: Callable[[], BaseProcess]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sampler.start()
    try:
        while not stop.is_set():
            for i, process in enumerate(running):
                if not process.is_alive():
                    log.error("console worker %s stopped (exit %s): starting another",
                              process.pid, process.exitcode)  # fmt: skip
                    running[i] = again()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RESTART_SECONDS):
                    await stop.wait()
    finally:
        await sampler.stop()
        for process in running:
            process.terminate()
        for process in running:
            await asyncio.to_thread(process.join, STOP_SECONDS)
            if process.is_alive():
                process.kill()


def worker(settings: Settings, host: str, port: int, shared: Path, ready: Event) -> None:
    """One worker process: its own socket on the port, its own store, the parent's
    samples, the shared upload jobs."""
    from hisms.adapters.console.app import mount
    from hisms.adapters.console.cli import BACKLOG, run_server
    from hisms.adapters.console.sampler import Published
    from hisms.engine import app

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (SIGTERM)
    listening = socket.create_server((host, port), backlog=BACKLOG, reuse_port=True)
    store = app.store_for(settings)
    try:
        samples = Published(shared / SAMPLES)
        routes = [mount(store, settings, samples, shared)]
        run_server(routes, listening, samples, settings.console.refresh_seconds, ready.set)
    finally:
        store.close()
