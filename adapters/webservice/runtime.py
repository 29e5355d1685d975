"""Starting the WebService and the platform pusher next to the engine (``hisms run``)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from hisms.engine.config import Settings
from hisms.engine.store.base import Store
from hisms.monitoring.metrics import Metrics

log = logging.getLogger(__name__)


@contextlib.contextmanager
def running(
    settings: Settings, open_store: Callable[[], Store], metrics: Metrics | None = None
) -> Iterator[None]:
    """Run what ``[webservice]`` and ``[platform]`` enable, each with its own store, both
    counting into ``metrics``."""
    with contextlib.ExitStack() as stack:
        if settings.webservice.enabled:
            store = stack.enter_context(contextlib.closing(open_store()))
            _start_webservice(settings, store, stack, metrics)
        if settings.platform.enabled:
            store = stack.enter_context(contextlib.closing(open_store()))
            _start_pusher(settings, store, stack, metrics)
        yield


def _start_webservice(
    settings: Settings, store: Store, stack: contextlib.ExitStack, metrics: Metrics | None
) -> None:
    from hisms.adapters.webservice.server import serve

    cfg = settings.webservice
    if cfg.workers == 1:
        stack.callback(serve(cfg, store, metrics).stop)
        return
    from hisms.adapters.webservice.workers import Workers, batch_semaphore

    slots = batch_semaphore(cfg.max_concurrent_batches)
    server = serve(cfg, store, metrics, slots)
    stack.callback(server.stop)
    workers = Workers(settings, server.port, cfg.workers - 1, slots, metrics)
    stack.callback(workers.stop)
    workers.start()


def _start_pusher(
    settings: Settings, store: Store, stack: contextlib.ExitStack, metrics: Metrics | None
) -> None:
    from hisms.adapters.webservice.push import Pusher

    cfg = settings.platform
    worker = settings.engine.resolved_worker_id()
    added = store.register_sources(cfg.sources, "platform", worker)
    if added:
        log.info("source systems %s registered in platform mode", ", ".join(added))
    stop = threading.Event()
    pusher = Pusher(cfg, store, worker, metrics=metrics)
    thread = threading.Thread(target=pusher.run, args=(stop,), name="hisms-push", daemon=True)
    thread.start()
    log.info("pushing results to the platform at %s", cfg.wsdl)
    stack.callback(thread.join, cfg.timeout_seconds * cfg.retry_attempts + 5)
    stack.callback(stop.set)
