"""Intake through the JSON API: NDJSON batches over real HTTP on 127.0.0.1.

The API runs in this process on the engine's HTTP server (uvicorn, in its own event-loop
thread, as ``hisms run`` serves it) with a throw-away HMAC-SM3 caller; each writer thread
streams signed NDJSON batches (chunked, as they are generated), as a hospital system would.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.routing import Mount

from hisms.adapters.api import signing
from hisms.adapters.api.app import PREFIX, create
from hisms.adapters.api.settings import ApiCaller, ApiConfig
from hisms.adapters.http.server import HttpServer
from hisms.engine.store import open_store

KEY = "bench-caller-key"
TEXT = "体检通知：请于周五上午空腹到体检中心。"


def batches(url: str, rows: int, writers: int, batch_size: int) -> dict[str, Any]:
    """Rows/s accepted by POST /batches: ``writers`` clients, ``batch_size`` numbers each."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    secret = secrets.token_urlsafe(16)
    caller = ApiCaller(
        key=KEY, secret=SecretStr(secret), sources=["BENCH"], rate_per_second=1e6, burst=10**6
    )
    cfg = ApiConfig(enabled=True, callers={"BENCH": caller}, max_concurrent_batches=writers)
    store = open_store(url, pool_size=writers + 2)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bench-http", daemon=True)
    thread.start()
    server = HttpServer("127.0.0.1", 0, [Mount(PREFIX, app=create(cfg, store))])
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    requests = [(start, min(batch_size, rows - start)) for start in range(0, rows, batch_size)]
    try:
        started = time.perf_counter()
        with (
            httpx.Client(base_url=server.url, timeout=600) as http,
            concurrent.futures.ThreadPoolExecutor(writers) as pool,
        ):
            accepted = sum(pool.map(lambda r: _post(http, secret, *r), requests))
        elapsed = time.perf_counter() - started
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        store.close()
    return {
        "benchmark": "intake",
        "via": "http",
        "database": store.dialect,
        "algorithm": str(caller.algorithm),
        "rows": accepted,
        "writers": writers,
        "batch_size": batch_size,
        "requests": len(requests),
        "seconds": round(elapsed, 3),
        "rows_per_second": round(accepted / elapsed, 1),
    }


def _post(http: httpx.Client, secret: str, start: int, count: int) -> int:
    body = b"".join(_lines(start, count))  # the signature needs the body's hash first
    target = f"{PREFIX}/batches"
    headers = signing.sign(signing.Algorithm.HMAC_SM3, KEY, secret, "POST", target, body)
    headers["content-type"] = "application/x-ndjson"
    answer = http.post(target, content=_pieces(body), headers=headers)
    answer.raise_for_status()
    return int(answer.json()["accepted"])


def _lines(start: int, count: int) -> Iterator[bytes]:
    header = {"source_system": "BENCH", "batch_ref": f"BENCH-{start}", "content": TEXT,
              "priority": 8}  # fmt: skip
    yield json.dumps(header, ensure_ascii=False).encode() + b"\n"
    for n in range(start, start + count):
        yield b'{"phone": "139%08d"}\n' % n


def _pieces(body: bytes) -> Iterator[bytes]:
    """Sent chunked, 64 KB at a time: the server parses as it receives."""
    for i in range(0, len(body), 65536):
        yield body[i : i + 65536]
