"""An ASGI app served by uvicorn inside the engine's event loop.

Inside the loop, a route reads the engine's state (channels, counters) without locks;
its handlers must therefore never block: database work goes to a thread. uvicorn's
own signal handling and logging setup are left out: ``hisms run`` owns both.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

STARTUP_SECONDS = 10.0


class _Embedded(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the engine's SIGTERM handler stops us (stop()), not uvicorn's


@dataclass(frozen=True, slots=True)
class Tls:
    """HTTPS: the server's certificate and key; with ``client_ca``, mutual TLS (every
    client shows a certificate that CA issued)."""

    certfile: str
    keyfile: str
    client_ca: str = ""


class HttpServer:
    """``routes`` on ``host:port`` (port 0 picks a free one, see :attr:`port`)."""

    def __init__(
        self,
        host: str,
        port: int,
        routes: Sequence[BaseRoute],
        tls: Tls | None = None,
        keep_alive: float = 5.0,
    ) -> None:
        self._socket = socket.create_server((host, port), reuse_port=False)
        self._setup(routes, tls, keep_alive)
        self.host = host  # as given (a name), not as bound

    @classmethod
    def on(
        cls, listening: socket.socket, routes: Sequence[BaseRoute], keep_alive: float = 5.0
    ) -> HttpServer:
        """On a socket already listening (``hisms console --workers``: shared by them)."""
        server = cls.__new__(cls)
        server._socket = listening
        server._setup(routes, None, keep_alive)
        return server

    def _setup(self, routes: Sequence[BaseRoute], tls: Tls | None, keep_alive: float) -> None:
        self.app = Starlette(routes=list(routes))
        self.host, port = self._socket.getsockname()[:2]
        self.port = int(port)
        self.scheme = "https" if tls else "http"
        config = uvicorn.Config(
            self.app, log_config=None, log_level="warning", access_log=False, lifespan="off",
            timeout_keep_alive=int(keep_alive),
            ssl_certfile=tls.certfile if tls else None, ssl_keyfile=tls.keyfile if tls else None,
            ssl_ca_certs=tls.client_ca if tls and tls.client_ca else None,
            ssl_cert_reqs=ssl.CERT_REQUIRED if tls and tls.client_ca else ssl.CERT_NONE,
        )  # fmt: skip
        self._server = _Embedded(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        async with asyncio.timeout(STARTUP_SECONDS):
            while not self._server.started:
                if self._task.done():
                    self._task.result()  # raises what stopped it
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._socket.close()
