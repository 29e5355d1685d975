"""Serving a WSGI application: waitress (multi-threaded, also on Windows) for HTTP,
cheroot when TLS is configured (waitress has no TLS of its own)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from spyne.server.wsgi import WsgiApplication

from hisms.adapters.nonces import NonceBook
from hisms.adapters.webservice import fastbatch, fastsms, service
from hisms.adapters.webservice.grouped import Grouped
from hisms.adapters.webservice.guard import Fast, Guard, Semaphore, Wsgi
from hisms.adapters.webservice.logs import silence_spyne
from hisms.adapters.webservice.security import Authenticator
from hisms.adapters.webservice.settings import WebServiceConfig
from hisms.engine.store.base import Store
from hisms.monitoring.webservice import Counting

log = logging.getLogger(__name__)

WRITERS = 1  # SendSms transactions at once per process: the fewer, the more rows each commits


def wsgi_app(cfg: WebServiceConfig, store: Store, batch_semaphore: Semaphore | None = None) -> Wsgi:
    """The SOAP service behind its guard, bound to ``store`` (``batch_semaphore``: the
    SendBatch slots, when worker processes share them)."""
    spyne_app = WsgiApplication(service.application(), max_content_length=cfg.max_request_bytes)
    spyne_app.event_manager.add_listener("wsgi_exception", service.log_fault)
    grouped = Grouped(store, WRITERS)

    def bound(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ[service.STORE] = store
        environ[service.SETTINGS] = cfg
        environ[service.GROUPED] = grouped
        return spyne_app(environ, start_response)

    # Nonces outlive the window either side of the server clock a Created may fall in.
    nonces = NonceBook(store, "ws", 2 * cfg.max_clock_skew_seconds)
    auth = Authenticator(cfg.clients, cfg.max_clock_skew_seconds, nonces)
    batches = (cfg.max_concurrent_batches, cfg.batch_wait_seconds)
    readers = (fastsms.reader(store, grouped), fastbatch.reader(store, cfg))

    def fast(body: bytes, content_type: str) -> Fast | None:
        return next((f for r in readers if (f := r(body, content_type)) is not None), None)

    return Guard(
        bound, auth, cfg.allow_ips, cfg.max_request_bytes, *batches, fast=fast,
        batch_semaphore=batch_semaphore,
    )  # fmt: skip


class Server:
    """One WSGI app on a port, in a background thread; port 0 picks a free port."""

    def __init__(
        self,
        app: Wsgi,
        host: str,
        port: int,
        threads: int = 8,
        tls: tuple[str, str] | None = None,
        max_body: int = 1 << 30,
        reuse_port: bool = False,
    ) -> None:
        """``reuse_port``: other processes may listen on the same port (SO_REUSEPORT),
        the kernel spreading the connections among them."""
        self.scheme = "https" if tls else "http"
        self._impl = (
            _Cheroot(app, host, port, threads, tls, reuse_port)
            if tls
            else _Waitress(app, host, port, threads, max_body, reuse_port)
        )
        self.host = host
        self.port = self._impl.port
        self._thread = threading.Thread(target=self._impl.run, name="hisms-soap", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/"

    def start(self) -> Server:
        silence_spyne()  # here, not on import: spyne's log quotes whole requests
        self._thread.start()
        log.info("SOAP service on %s (WSDL at %s?wsdl)", self.url, self.url)
        return self

    def stop(self) -> None:
        self._impl.stop()
        self._thread.join(timeout=10)


class _Waitress:
    def __init__(
        self, app: Wsgi, host: str, port: int, threads: int, max_body: int, reuse_port: bool
    ) -> None:
        from waitress.server import create_server

        where: dict[str, Any] = (
            {"sockets": [shared_socket(host, port)]} if reuse_port else {"host": host, "port": port}
        )
        # Our guard answers an oversize body with a SOAP Fault; waitress only stops absurd ones.
        self._server: Any = create_server(
            app, threads=threads, max_request_body_size=max_body,
            clear_untrusted_proxy_headers=True, **where,
        )  # fmt: skip
        self.port: int = self._server.effective_port

    def run(self) -> None:
        self._server.run()  # returns once its socket map is empty
        self._server.task_dispatcher.shutdown()

    def stop(self) -> None:
        # waitress's loop is not thread-safe: close its sockets from inside the loop. A loop
        # that already ended has closed its trigger too: then there is nothing to stop.
        with contextlib.suppress(OSError):
            self._server.trigger.pull_trigger(self._close_all)

    def _close_all(self) -> None:
        for channel in list(self._server._map.values()):
            channel.close()


class _Cheroot:
    def __init__(
        self,
        app: Wsgi,
        host: str,
        port: int,
        threads: int,
        tls: tuple[str, str],
        reuse_port: bool,
    ) -> None:
        from cheroot import wsgi
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        self._server = wsgi.Server((host, port), app, numthreads=threads, reuse_port=reuse_port)
        self._server.ssl_adapter = BuiltinSSLAdapter(*tls)
        self._server.prepare()
        self.port = int(self._server.bind_addr[1])

    def run(self) -> None:
        self._server.serve()

    def stop(self) -> None:
        self._server.stop()


def shared_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT: every worker process binds its
    own and the kernel spreads incoming connections among them (Linux, BSD)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def serve(
    cfg: WebServiceConfig,
    store: Store,
    metrics: Counting | None = None,
    batch_semaphore: Semaphore | None = None,
    port: int | None = None,
) -> Server:
    """Start the configured WebService (its requests counted in ``metrics``); stop() it
    when done. With ``[webservice] workers`` above 1 it listens with SO_REUSEPORT on
    ``port`` (default: the configured one), beside the other workers (``workers``)."""
    tls = (cfg.tls_certfile, cfg.tls_keyfile) if cfg.tls_certfile else None
    app = wsgi_app(cfg, store, batch_semaphore)
    if metrics is not None:
        from hisms.monitoring.webservice import Counted

        app = Counted(app, metrics)
    where = (cfg.host, cfg.port if port is None else port, cfg.threads, tls)
    return Server(app, *where, 4 * cfg.max_request_bytes, reuse_port=cfg.workers > 1).start()
