"""More processes serving the WebService on its port (``[webservice] workers``).

One Python process parses and answers about a core's worth of SOAP; the engine's process
serves the port with SO_REUSEPORT and starts ``workers - 1`` more (spawned, each with its
own database connections), the kernel spreading the connections among them. What a
client must see as one service is shared: nonces are in the database (``sms_nonce``),
the ``max_concurrent_batches`` SendBatch slots are one semaphore, and each worker's
request counts are sent to the engine's metrics every second.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from typing import Any

from hisms.adapters.webservice.guard import Semaphore
from hisms.engine.config import Settings
from hisms.monitoring.webservice import Counting

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as hisms run logs
_Counts = list[tuple[str, str, float]]


def batch_semaphore(limit: int) -> Semaphore:
    """The SendBatch slots, to pass to every worker."""
    return multiprocessing.get_context("spawn").BoundedSemaphore(limit)


class Workers:
    """``count`` worker processes on ``port``; :meth:`stop` ends them."""

    def __init__(
        self,
        settings: Settings,
        port: int,
        count: int,
        semaphore: Semaphore,
        metrics: Counting | None,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._metrics = metrics
        self._counts: queue.Queue[_Counts | None] | None = ctx.Queue() if metrics else None  # type: ignore[assignment]
        self._pipes: list[Connection] = []
        self.processes: list[SpawnProcess] = []
        level = logging.getLogger().getEffectiveLevel()
        for n in range(count):
            mine, theirs = ctx.Pipe()
            args = (settings, port, semaphore, self._counts, level, theirs)
            self.processes.append(ctx.Process(target=_main, args=args, name=f"hisms-ws-{n + 1}"))
            self._pipes.append(mine)
        self._relay = threading.Thread(target=self._count, name="hisms-ws-counts", daemon=True)

    def start(self) -> Workers:
        for process in self.processes:
            process.start()
        for pipe, process in zip(self._pipes, self.processes, strict=True):
            if not pipe.poll(60) or pipe.recv() != "serving":
                raise RuntimeError(f"WebService worker {process.name} did not start")
        if self._counts is not None:
            self._relay.start()
        log.info("%d more WebService worker processes on the port", len(self.processes))
        return self

    def stop(self) -> None:
        started = [p for p in self.processes if p.pid is not None]
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.send("stop")
        for process in started:
            process.join(timeout=15)
            if process.is_alive():
                process.terminate()
        if self._counts is not None and self._relay.is_alive():
            self._counts.put(None)
            self._relay.join(timeout=5)

    def _count(self) -> None:
        assert self._counts is not None and self._metrics is not None
        while (counts := self._counts.get()) is not None:
            for operation, code, seconds in counts:
                self._metrics.request(operation, code, seconds)


class _Relay:
    """A worker's request counts, sent to the engine's process each second."""

    def __init__(self, out: queue.Queue[_Counts | None]) -> None:
        self._out = out
        self._counts: _Counts = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hisms-ws-relay", daemon=True)
        self._thread.start()

    def request(self, operation: str, code: str, seconds: float) -> None:
        with self._lock:
            self._counts.append((operation, code, seconds))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._flush()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, []
        if counts:
            self._out.put(counts)


def _main(
    settings: Settings,
    port: int,
    semaphore: Semaphore,
    counts: queue.Queue[_Counts | None] | None,
    level: int,
    pipe: Connection,
) -> None:
    """A worker: serve until the engine says stop, or is gone."""
    from hisms.adapters.webservice.server import serve
    from hisms.engine import app

    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the engine decides when to stop
    store = app.store_for(settings)
    relay = _Relay(counts) if counts is not None else None
    server: Any = None
    try:
        server = serve(settings.webservice, store, relay, semaphore, port)
        pipe.send("serving")
        with contextlib.suppress(EOFError):  # EOF: the engine ended without saying stop
            pipe.recv()
    finally:
        if server is not None:
            server.stop()
        if relay is not None:
            relay.close()
        store.close()
