"""``hisms bench cloud``: messages/s from enqueue to DELIVERED through a cloud SMS carrier.

The provider's simulator (``hisms simulate aliyun|tencent``) runs in a child process so it
shares no GIL with the engine; the engine, its carrier over the official SDK and the
callback server the reports are pushed to run here. Every row is enqueued up front, and
the figure is rows over the time from the engine's start until every row is final.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hisms.adapters.http.server import HttpServer
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.registry import create
from hisms.engine.config import ChannelConfig, Settings, ValidationConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.worker import Engine

CONTENT = "【hisms】您的检验报告已出，请登录查看。"
KEY, SECRET = "bench-key", "bench-secret"
TEXT_TEMPLATE = {"aliyun": "SMS_TEXT", "tencent": "100000"}
APP_ID = "1400000000"
UNFINISHED = ("PENDING", "SENDING", "SUBMITTED")


class BenchError(Exception):
    pass


def run(
    settings: Settings,
    provider: str,
    count: int,
    connections: int,
    report_delay: float,
    numbers_per_request: int = 1,
) -> dict[str, Any]:
    """``numbers_per_request`` above 1: Aliyun's SendBatchSms (Tencent always shares its
    requests, up to 200 numbers)."""
    if provider == "tencent":
        numbers_per_request = 200
    url = settings.database.url.get_secret_value()
    store = open_store(url)
    try:
        counts = store.status_counts()
        if any(counts.get(s, 0) for s in UNFINISHED):
            raise BenchError("sms_outbox has unfinished messages: use a scratch database")
        tag = f"bench-{uuid.uuid4().hex[:8]}"
        ids = _enqueue(store, count, tag)
        with _simulator(provider, report_delay) as (port, hooks_port):
            took = asyncio.run(
                _drive(
                    settings,
                    store,
                    provider,
                    port,
                    hooks_port,
                    connections,
                    ids,
                    numbers_per_request,
                )
            )
        delivered = store.status_counts().get("DELIVERED", 0) - counts.get("DELIVERED", 0)
    finally:
        store.close()
    return {
        "bench": "cloud",
        "provider": provider,
        "rows": count,
        "connections": connections,
        "numbers_per_request": numbers_per_request,
        "report_delay": report_delay,
        "seconds": round(took, 2),
        "messages_per_second": round(count / took),
        "delivered": delivered,
        "database": url.split(":", 1)[0],
    }


def _enqueue(store: Store, count: int, tag: str) -> list[int]:
    ids: list[int] = []
    for first in range(0, count, 1000):
        batch = [
            NewMessage(f"138{i:08d}", CONTENT, source_ref=f"{tag}-{i}")
            for i in range(first, min(first + 1000, count))
        ]
        ids.extend(store.enqueue(batch, tag))
    return ids


@contextmanager
def _simulator(provider: str, report_delay: float) -> Iterator[tuple[int, int]]:
    """The simulator in a child process, pushing to a port reserved for our callbacks."""
    port, hooks_port = _free_port(), _free_port()
    hooks = f"http://127.0.0.1:{hooks_port}/callbacks/bench"
    account = "--access-key-id" if provider == "aliyun" else "--secret-id"
    command = [
        sys.executable, "-m", "hisms", "simulate", provider, "--port", str(port),
        account, KEY, "--secret", SECRET, "--report-delay", str(report_delay),
        "--report-url", f"{hooks}/report", "--mo-url", f"{hooks}/mo",
    ]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, child)
        yield port, hooks_port
    finally:
        child.terminate()
        child.wait(timeout=10)


async def _drive(
    settings: Settings,
    store: Store,
    provider: str,
    port: int,
    hooks_port: int,
    connections: int,
    ids: list[int],
    numbers_per_request: int,
) -> float:
    options = {
        "key": KEY,
        "secret": SECRET,
        "scheme": "http",
        "endpoint": f"127.0.0.1:{port}",
        "text_template": TEXT_TEMPLATE[provider],
        "connections": connections,
        **({"app_id": APP_ID} if provider == "tencent" else {}),
        **({"numbers_per_request": numbers_per_request} if provider == "aliyun" else {}),
    }
    carrier = create(provider, "bench", options)
    assert isinstance(carrier, HttpCarrier)
    config = settings.model_copy(
        update={
            "channels": [ChannelConfig(name="bench", protocol=provider)],
            "validation": ValidationConfig(default_signature="hisms"),
        }
    )
    server = HttpServer("127.0.0.1", hooks_port, carrier.routes())
    await server.start()
    engine = Engine(config, store, {"bench": carrier})
    started = time.monotonic()
    task = asyncio.create_task(engine.run())
    try:
        while not await asyncio.to_thread(_all_final, store, ids):
            if task.done():
                task.result()
                raise BenchError("the engine stopped before every row was final")
            await asyncio.sleep(0.2)
        return time.monotonic() - started
    finally:
        engine.stop()
        await task
        await server.stop()


def _all_final(store: Store, ids: list[int]) -> bool:
    counts = store.status_counts()
    return not any(counts.get(s, 0) for s in UNFINISHED)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise BenchError(f"the simulator exited with {child.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise BenchError("the simulator did not listen within 30 s")
