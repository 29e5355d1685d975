"""``hisms bench console``: many logged-in users on the web console at once, on 127.0.0.1.

The console runs alone (``hisms console``) in a child process on the configured database;
a bench user logs in (a few timed logins), then SESSIONS clients, each with that session's
cookie, load the dashboard's live part every THINK seconds and search the messages every
second turn, for SECONDS. Latency percentiles per request kind and the errors are reported.
Point it at a scratch database: it adds a user and, with --messages, rows to search.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from hisms.engine.store.policystore import Who

STARTUP_SECONDS = 60.0


def console(url: str, sessions: int, seconds: float, think: float, messages: int) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    user, password = f"bench-{secrets.token_hex(4)}", f"Bench-{secrets.token_hex(8)}"
    _prepare(url, user, password, messages)
    port = _free_port()
    env = {**os.environ, "HISMS_DATABASE__URL": url, "HISMS_CONSOLE__SAMPLE_SECONDS": "5"}
    server = subprocess.Popen(
        [sys.executable, "-m", "hisms", "--log-level", "WARNING", "console", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/console"
        _wait(port, server)
        return (
            {"benchmark": "console"}
            | asyncio.run(_load(base, user, password, sessions, seconds, think))
            | {
                "database": url.split(":", 1)[0],
                "messages_added": messages,
            }
        )
    finally:
        server.terminate()
        server.communicate(timeout=30)


def _prepare(url: str, user: str, password: str, messages: int) -> None:
    store = open_store(url)
    try:
        Users(store, ConsoleConfig()).add(user, password, Role.OPERATOR, None, Who("bench"))
        for start in range(0, messages, 1000):
            count = min(1000, messages - start)
            rows = [NewMessage(f"139{(start + i):08d}", "bench console", dept_code="BENCH",
                               send_at=None) for i in range(count)]  # fmt: skip
            store.enqueue(rows, "bench")
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"hisms console stopped: {server.communicate()[1]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("hisms console did not listen in time")


async def _login(client: httpx.AsyncClient, user: str, password: str) -> float:
    started = time.perf_counter()
    page = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not found:
        raise RuntimeError("no CSRF token on the login page")
    form = {"username": user, "password": password, "csrf_token": found[1]}
    answer = await client.post("/login", data=form)
    if answer.status_code != 303:
        raise RuntimeError(f"bench login refused: {answer.status_code}")
    return time.perf_counter() - started


async def _load(
    base: str, user: str, password: str, sessions: int, seconds: float, think: float
) -> dict[str, Any]:
    logins = []
    for _ in range(5):
        async with httpx.AsyncClient(base_url=base) as c:
            logins.append(await _login(c, user, password))
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await _login(client, user, password)
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(_user(client, think, deadline, timings, errors) for _ in range(sessions))
        )
        elapsed = time.monotonic() - started
    requests = sum(len(t) for t in timings.values()) + sum(errors.values())
    return {
        "sessions": sessions,
        "seconds": round(elapsed, 1),
        "think_seconds": think,
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "errors": dict(errors),
        "login_ms": _percentiles(logins),
        **{f"{kind}_ms": _percentiles(t) for kind, t in sorted(timings.items())},
    }


async def _user(
    client: httpx.AsyncClient,
    think: float,
    deadline: float,
    timings: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    """One person at a browser: the dashboard's refresh, a search every second turn."""
    await asyncio.sleep(random.uniform(0, think))  # users do not all start at once
    turn = 0
    while time.monotonic() < deadline:
        kinds = ["dashboard"] + (["search"] if turn % 2 else [])
        for kind in kinds:
            path = "/dashboard/live" if kind == "dashboard" else (
                f"/messages?phone=139{random.randint(0, 99_999_999):08d}")  # fmt: skip
            started = time.perf_counter()
            try:
                answer = await client.get(path, headers={"HX-Request": "true"})
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
                continue
            if answer.status_code != 200:
                errors[f"HTTP {answer.status_code}"] += 1
            else:
                timings[kind].append(time.perf_counter() - started)
        turn += 1
        await asyncio.sleep(think)


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    if len(samples) == 1:
        return {"p50": round(samples[0] * 1000, 1), "count": 1}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 1),
        "p95": round(cuts[94] * 1000, 1),
        "p99": round(cuts[98] * 1000, 1),
        "count": len(samples),
    }
