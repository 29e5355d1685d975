"""Monitoring in ``hisms run``: the HTTP server and its routes, the probe and sampling,
the alarms. The same server takes the pushes of the HTTP carriers (``/callbacks/...``),
so it runs whenever a channel needs it, monitoring or not."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from starlette.routing import BaseRoute, Route

from hisms.adapters.api.mount import api_routes
from hisms.adapters.http.server import HttpServer, Tls
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.engine.config import ConfigError, Settings
from hisms.engine.store import open_store
from hisms.engine.worker import Engine
from hisms.monitoring.channels import ChannelCollector
from hisms.monitoring.health import Health
from hisms.monitoring.routes import routes

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def monitored(settings: Settings, engine: Engine) -> AsyncIterator[Health | None]:
    """Serve ``[monitoring]`` and ``[console]`` and run ``[alarms]`` while the engine runs
    (nothing when all are disabled)."""
    cfg = settings.monitoring
    pushes = callback_routes(engine)
    if not (cfg.enabled or settings.alarms.enabled or settings.console.enabled):
        async with _served(settings, [], pushes):
            yield None
        return
    metrics = engine.metrics
    metrics.registry.register(ChannelCollector(metrics, engine.carriers, engine.channels))
    # Its own connections: a probe must not wait for one of the engine's busy pool.
    store = open_store(settings.database.url.get_secret_value(), 2)
    health = Health(cfg, metrics, store, engine.channels, engine.writes_refused)
    jobs: list[Coroutine[Any, Any, None]] = [health.run()]
    if settings.alarms.enabled:
        from hisms.monitoring.alarming import Alarming

        jobs.append(Alarming(settings, engine, health).run())
    try:
        watched: list[BaseRoute] = [*routes(health.metrics, health)] if cfg.enabled else []
        async with (
            _console(settings, health) as console,
            _served(settings, [*watched, *console], pushes),
        ):
            tasks = [asyncio.create_task(job) for job in jobs]
            try:
                yield health
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        store.close()


def callback_routes(engine: Engine) -> list[Route]:
    """The push routes of the engine's carriers that take pushes (the HTTP carriers)."""
    return [
        route
        for carrier in engine.carriers.values()
        if isinstance(carrier, HttpCarrier)
        for route in carrier.routes()
    ]


@contextlib.asynccontextmanager
async def _console(settings: Settings, health: Health) -> AsyncIterator[list[BaseRoute]]:
    """The web console's routes ([console] enabled) over its own store, its rates read
    from this engine's registry."""
    if not settings.console.enabled:
        yield []
        return
    from hisms.adapters.console.app import mount
    from hisms.adapters.console.sampler import Sampler, in_process

    store = open_store(settings.database.url.get_secret_value(), 4)
    sampler = Sampler(in_process(health.metrics), settings.console.sample_seconds)
    try:
        yield [mount(store, settings, sampler)]
    finally:
        await sampler.stop()
        store.close()


@contextlib.asynccontextmanager
async def _served(
    settings: Settings, watched: list[BaseRoute], pushes: list[Route]
) -> AsyncIterator[None]:
    """The monitoring routes, the carriers' push routes and the [api] (under /api/v1) on
    [monitoring]'s host and port; no server when there are none of them."""
    cfg = settings.monitoring
    with api_routes(settings) as mounted:
        if not (watched or pushes or mounted):
            yield
            return
        try:
            server = HttpServer(cfg.host, cfg.port, [*watched, *pushes, *mounted], _tls(settings))
        except OSError as exc:  # a second engine on this host needs its own port
            raise ConfigError(
                f"[monitoring] cannot listen on {cfg.host}:{cfg.port}: {exc}"
            ) from exc
        await server.start()
        if settings.monitoring.enabled:
            log.info("metrics on %s/metrics, health on /healthz and /readyz", server.url)
        if settings.console.enabled:
            log.info("console on %s/console/", server.url)
        for route in pushes:
            log.info("pushes taken on %s%s", server.url, route.path)
        try:
            yield
        finally:
            await server.stop()


def _tls(settings: Settings) -> Tls | None:
    """HTTPS (and mutual TLS) as [api] configures it, for the whole server."""
    api = settings.api
    if not (api.enabled and api.tls_certfile):
        return None
    return Tls(api.tls_certfile, api.tls_keyfile, api.tls_client_ca)
