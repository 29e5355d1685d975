"""The JSON API over a throw-away database: in-process (Starlette's TestClient, ASGI) or
served by uvicorn on 127.0.0.1, and a client that signs as a configured caller."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.applications import Starlette
from starlette.routing import Mount

from hisms.adapters.api import gm, signing
from hisms.adapters.api.app import PREFIX, create
from hisms.adapters.api.settings import ApiConfig
from hisms.adapters.http.server import HttpServer, Tls
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

SM4_KEY = "0123456789abcdeffedcba9876543210"
CALLERS: dict[str, dict[str, Any]] = {
    "HIS": {"key": "his-key-0001", "secret": "his-secret", "algorithm": "HMAC-SM3"},
    "ESB": {"key": "esb-key-0001", "secret": "esb-secret", "algorithm": "HMAC-SHA256",
            "sources": ["LIS", "PACS"]},
    "SEC": {"key": "sec-key-0001", "secret": "sec-secret", "sm4_key": SM4_KEY},
}  # fmt: skip


def config(**kw: Any) -> ApiConfig:
    callers = {name: {**c, **kw.pop(name, {})} for name, c in CALLERS.items()}
    return ApiConfig(enabled=True, callers=callers, **kw)


@dataclass
class Client:
    """Signs every request as ``caller``; SM4 callers' bodies are sealed and opened."""

    http: Any  # httpx.Client, or AsgiHttp
    caller: str

    @property
    def cfg(self) -> dict[str, Any]:
        return CALLERS[self.caller]

    def headers(self, method: str, target: str, body: bytes) -> dict[str, str]:
        algorithm = signing.Algorithm(self.cfg.get("algorithm", "HMAC-SM3"))
        return signing.sign(algorithm, self.cfg["key"], self.cfg["secret"], method, target, body)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        extra = {"content-type": "application/json"} if raw else {}
        sm4 = bytes.fromhex(self.cfg["sm4_key"]) if "sm4_key" in self.cfg else None
        if sm4 and raw:
            raw = gm.sm4_encrypt(sm4, raw)
        if sm4:
            extra[signing.ENCRYPTION] = signing.SM4_CBC
        target = PREFIX + path
        signed = self.headers(method, target, raw) | extra | (headers or {})
        response = self.http.request(method, target, content=raw, headers=signed)
        if sm4 and response.headers.get(signing.ENCRYPTION) == signing.SM4_CBC:
            response._content = gm.sm4_decrypt(sm4, response.content)
        return response

    def batch(self, lines: Iterable[dict[str, Any]], chunked: bool = False) -> httpx.Response:
        raw = b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n" for x in lines)
        target = PREFIX + "/batches"
        headers = self.headers("POST", target, raw) | {"content-type": "application/x-ndjson"}
        # chunked: no Content-Length, the body arrives in 64 KB pieces as the server reads
        content = _pieces(raw) if chunked else raw
        return self.http.post(target, content=content, headers=headers)


def _pieces(raw: bytes) -> Iterator[bytes]:
    for i in range(0, len(raw), 65536):
        yield raw[i : i + 65536]


@pytest.fixture
def api_store(sqlite_url: str) -> Iterator[Store]:
    store = open_store(sqlite_url, pool_size=4)
    yield store
    store.close()


class AsgiHttp:
    """httpx's ASGI transport behind a blocking interface (the tests are synchronous)."""

    def __init__(self, app: Any, portal: BlockingPortal) -> None:
        self._portal = portal
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self._client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def request(self, method: str, url: str, content: Any = None, **kw: Any) -> httpx.Response:
        if content is not None and not isinstance(content, bytes):
            content = _async(content)
        return self._portal.call(partial(self._client.request, method, url, content=content, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def close(self) -> None:
        self._portal.call(self._client.aclose)


async def _async(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    """``make_client(store, caller, **config)``: the API in-process (ASGI)."""
    opened: list[AsgiHttp] = []
    with start_blocking_portal() as portal:

        def make(store: Store, caller: str = "HIS", **kw: Any) -> Client:
            app = Starlette(routes=[Mount(PREFIX, app=create(config(**kw), store))])
            opened.append(AsgiHttp(app, portal))
            return Client(opened[-1], caller)

        yield make
        for http in opened:
            http.close()


class Served:
    """The API mounted on the engine's HTTP server (uvicorn) in a thread's event loop."""

    def __init__(self, store: Store, tls: Tls | None = None, **kw: Any) -> None:
        self._clients: list[httpx.Client] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        routes = [Mount(PREFIX, app=create(config(**kw), store))]
        self.server = HttpServer("127.0.0.1", 0, routes, tls)
        self._run(self.server.start())

    def _run(self, job: Any) -> Any:
        done: Future[Any] = asyncio.run_coroutine_threadsafe(job, self._loop)
        return done.result(timeout=10)

    def client(self, caller: str = "HIS", **kw: Any) -> Client:
        self._clients.append(httpx.Client(base_url=self.server.url, timeout=30, **kw))
        return Client(self._clients[-1], caller)

    def stop(self) -> None:
        for http in self._clients:
            http.close()
        self._run(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def make(store: Store, **kw: Any) -> Served:
        started.append(Served(store, **kw))
        return started[-1]

    yield make
    for served in started:
        served.stop()
