"""Starting the WebService and the platform pusher next to the engine (``hisms run``)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from hisms.engine.config import Settings
from hisms.engine.store.base import Store

log = logging.getLogger(__name__)


@contextlib.contextmanager
def running(settings: Settings, open_store: Callable[[], Store]) -> Iterator[None]:
    """Run what ``[webservice]`` and ``[platform]`` enable, each with its own store."""
    with contextlib.ExitStack() as stack:
        if settings.webservice.enabled:
            _start_webservice(
                settings, stack.enter_context(contextlib.closing(open_store())), stack
            )
        if settings.platform.enabled:
            _start_pusher(settings, stack.enter_context(contextlib.closing(open_store())), stack)
        yield


def _start_webservice(settings: Settings, store: Store, stack: contextlib.ExitStack) -> None:
    from hisms.adapters.webservice.server import serve

    server = serve(settings.webservice, store)
    stack.callback(server.stop)


def _start_pusher(settings: Settings, store: Store, stack: contextlib.ExitStack) -> None:
    from hisms.adapters.webservice.push import Pusher

    cfg = settings.platform
    worker = settings.engine.resolved_worker_id()
    added = store.register_sources(cfg.sources, "platform", worker)
    if added:
        log.info("source systems %s registered in platform mode", ", ".join(added))
    stop = threading.Event()
    thread = threading.Thread(
        target=Pusher(cfg, store, worker).run, args=(stop,), name="hisms-push", daemon=True
    )
    thread.start()
    log.info("pushing results to the platform at %s", cfg.wsdl)
    stack.callback(thread.join, cfg.timeout_seconds * cfg.retry_attempts + 5)
    stack.callback(stop.set)
