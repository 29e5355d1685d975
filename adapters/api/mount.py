"""The API as a route of the engine's HTTP server (beside /metrics), with its own store."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from starlette.routing import BaseRoute, Mount

from hisms.engine.config import Settings
from hisms.engine.store import open_store

log = logging.getLogger(__name__)


@contextlib.contextmanager
def api_routes(settings: Settings) -> Iterator[list[BaseRoute]]:
    """``[api]``'s mount, or none when it is disabled."""
    cfg = settings.api
    if not cfg.enabled:
        yield []
        return
    from hisms.adapters.api.app import PREFIX, create

    store = open_store(settings.database.url.get_secret_value(), cfg.pool_size)
    try:
        callers = ", ".join(sorted(cfg.callers)) or "none: every request is refused"
        log.info("JSON API under %s for callers %s", PREFIX, callers)
        yield [Mount(PREFIX, app=create(cfg, store))]
    finally:
        store.close()
