"""``hisms bench console``: many logged-in users on the web console at once, on 127.0.0.1.

The model (also printed in the result's ``model``): each session is one person with the
dashboard open in a browser tab. It starts within the first RAMP seconds, loads the page
(``/``, then the hour's chart ``/dashboard/series``), then its live part
(``/dashboard/live``) every REFRESH seconds from that moment, as htmx's ``every`` does: the
timer keeps its pace, a tick that finds the previous refresh still waiting is sent when it
answers, and the ticks missed meanwhile count as ``late_refreshes``. In a second tab the
same person searches the messages by a number now and then: think times are exponential
with mean SEARCH_EVERY seconds. 2,500 sessions with the 5 s refresh ask for 500 refreshes a
second, plus the searches.

Sessions belong to a few logged-in users (one operator, DEPARTMENTS department users):
each session starts from its user's login cookie and keeps its own cookie from then on, as
a browser does. The server's work per request is the one of distinct logins (a signed
cookie, no session row); the logins themselves (argon2, tens of milliseconds each) are
timed apart, not repeated 2,500 times. Static assets are not fetched: the browser keeps
them (Cache-Control). The console runs as ``hisms console --workers N`` in a child process
on the configured (scratch) database; its CPU time per request is reported beside the
latencies, and the load average, since wall-clock figures depend on what else runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.bench.webclient import Answer, HttpError, Tab
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from hisms.engine.store.policystore import Who

STARTUP_SECONDS = 180.0  # spawning workers on a loaded machine is slow
TIMEOUT_SECONDS = 30.0  # a request slower than this is an error ("timeout")
HOST, ROOT = "127.0.0.1", "/console"
LOG_LINES = 20  # of the console's warnings and errors, in the result
MODEL = (
    "each session: a dashboard tab refreshing its live part every refresh_seconds (htmx "
    "'every': fixed pace, one refresh queued behind a slow one) after loading the page and "
    "the chart, and a search tab searching a number after exponential think times of mean "
    "search_every_seconds; sessions start within ramp_seconds; static assets cached"
)


@dataclass(frozen=True, slots=True)
class Plan:
    sessions: int = 2500
    seconds: float = 60.0  # the whole run, ramp included
    ramp: float = 20.0
    refresh: float = 5.0
    search_every: float = 60.0
    departments: int = 4  # department users besides the operator
    workers: int = 1
    messages: int = 0  # rows added to the outbox first, for the searches


@dataclass
class Record:
    """What the sessions saw, by request kind."""

    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    late: int = 0
    reconnects: int = 0  # idle keep-alive connections the server had closed

    def count(self) -> int:
        """Requests answered so far, errors included."""
        return sum(len(t) for t in self.timings.values()) + sum(self.errors.values())

    async def timed(self, kind: str, request: Awaitable[Answer]) -> Answer | None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                answer = await request
        except (HttpError, OSError, TimeoutError) as exc:
            name = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            self.errors[f"{kind}: {name}"] += 1
            return None
        if answer.status != 200:
            self.errors[f"{kind}: HTTP {answer.status}"] += 1
            return None
        self.timings[kind].append(time.perf_counter() - started)
        return answer


def console(url: str, plan: Plan) -> dict[str, Any]:
    users = _prepare(url, plan)
    port = _free_port()
    env = {**os.environ, "HISMS_DATABASE__URL": url,
           "HISMS_CONSOLE__SECRET_KEY": secrets.token_hex(32),
           "HISMS_CONSOLE__REFRESH_SECONDS": str(plan.refresh),
           "HISMS_CONSOLE__SAMPLE_SECONDS": "5"}  # fmt: skip
    command = [sys.executable, "-m", "hisms", "--log-level", "WARNING", "console",
               "--port", str(port), "--workers", str(plan.workers)]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait(port, server, log)
            result = asyncio.run(_load(port, plan, users, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
        log.seek(0)
        tail = log.read().splitlines()[-LOG_LINES:]
    return {"benchmark": "console", "model": MODEL, **asdict(plan), **result,
            "server_log": tail, "database": url.split(":", 1)[0]}  # fmt: skip


def _prepare(url: str, plan: Plan) -> list[tuple[str, str]]:
    """The bench's users (name, password) and the rows to search, spread over departments."""
    tag, password = secrets.token_hex(3), f"Bench-{secrets.token_hex(8)}"
    users: list[tuple[str, Role, str | None]] = [(f"bench-{tag}-op", Role.OPERATOR, None)]
    users += [(f"bench-{tag}-d{d}", Role.DEPT, f"BENCH{d}") for d in range(plan.departments)]
    store = open_store(url)
    try:
        people = Users(store, ConsoleConfig())
        for name, role, dept in users:
            people.add(name, password, role, dept, Who("bench"))
        for start in range(0, plan.messages, 1000):
            rows = [NewMessage(f"139{i:08d}", "bench console", send_at=None,
                               dept_code=f"BENCH{i % max(plan.departments, 1)}")
                    for i in range(start, min(start + 1000, plan.messages))]  # fmt: skip
            store.enqueue(rows, "bench")
        if plan.messages:  # as autovacuum would in time: the searches use the phone index
            with store.transaction() as tx:
                tx.run("analyze_outbox")
    finally:
        store.close()
    return [(name, password) for name, _, _ in users]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait(port: int, server: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"hisms console stopped: {log.read()[-2000:]}")
        log.seek(0)
        if "console on" in log.read():  # said once every worker listens
            login = f"http://{HOST}:{port}{ROOT}/login"
            with contextlib.suppress(OSError), urllib.request.urlopen(login, timeout=5):
                return
        time.sleep(0.2)
    raise RuntimeError("hisms console did not answer in time")


async def _login(port: int, user: str, password: str) -> tuple[float, str]:
    """(seconds, session cookie) of one login through the form, as a browser does it."""
    tab = Tab(HOST, port)
    started = time.perf_counter()
    try:
        page = await tab.get(f"{ROOT}/login")
        found = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
        if not found:
            raise RuntimeError("no CSRF token on the login page")
        form = {"username": user, "password": password, "csrf_token": found[1].decode()}
        answer = await tab.post(f"{ROOT}/login", form)
        if answer.status != 303:
            raise RuntimeError(f"bench login refused: {answer.status}")
        return time.perf_counter() - started, tab.cookie
    finally:
        await tab.close()


async def _load(port: int, plan: Plan, users: list[tuple[str, str]], pid: int) -> dict[str, Any]:
    logins = [await _login(port, user, password) for user, password in users]
    record = Record()
    load_before, cpu_before, bench_before = os.getloadavg(), _cpu(pid), time.process_time()
    started = time.monotonic()
    deadline = started + plan.seconds
    cookies = [cookie for _, cookie in logins]
    steady = asyncio.create_task(_steady(plan, record, pid, started, deadline))
    await asyncio.gather(
        *(_session(port, plan, cookies[i % len(cookies)], record, deadline)
          for i in range(plan.sessions))
    )  # fmt: skip
    elapsed = time.monotonic() - started
    requests = record.count()
    cpu = _cpu(pid) - cpu_before
    return {
        "elapsed_seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "offered_refreshes_per_second": round(plan.sessions / plan.refresh, 1),
        "errors": dict(record.errors),
        "late_refreshes": record.late,
        "reconnects": record.reconnects,
        "login_ms": _percentiles([seconds for seconds, _ in logins]),
        **{f"{kind}_ms": _percentiles(t) for kind, t in sorted(record.timings.items())},
        "server_cpu_seconds": round(cpu, 2),
        "server_cpu_ms_per_request": round(1000 * cpu / requests, 3) if requests else None,
        **await steady,
        "bench_cpu_seconds": round(time.process_time() - bench_before, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


async def _steady(
    plan: Plan, record: Record, pid: int, started: float, deadline: float
) -> dict[str, Any]:
    """The console's CPU per request once every session has loaded its page (after the
    ramp): refreshes and searches only, what 2,500 open dashboards cost for hours."""
    await asyncio.sleep(max(0.0, started + plan.ramp - time.monotonic()))
    cpu, count, at = _cpu(pid), record.count(), time.monotonic()
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
    done, seconds = record.count() - count, time.monotonic() - at
    if done == 0:
        return {}
    return {
        "steady_requests_per_second": round(done / seconds, 1),
        "steady_server_cpu_ms_per_request": round(1000 * (_cpu(pid) - cpu) / done, 3),
    }


async def _session(port: int, plan: Plan, cookie: str, record: Record, deadline: float) -> None:
    """One person: the dashboard tab refreshing, a search tab now and then."""
    await asyncio.sleep(random.uniform(0, min(plan.ramp, plan.seconds)))
    tab = Tab(HOST, port, cookie)
    searches = asyncio.create_task(_searches(port, plan, tab, record, deadline))
    try:
        await record.timed("page", tab.get(f"{ROOT}/"))
        await record.timed("series", tab.get(f"{ROOT}/dashboard/series"))
        tick = time.monotonic()
        while (tick := tick + plan.refresh) < deadline:
            now = time.monotonic()
            while tick + plan.refresh <= now:  # htmx keeps one refresh queued, not more
                tick += plan.refresh
                record.late += 1
            await asyncio.sleep(max(0.0, tick - now))
            await record.timed("dashboard", tab.get(f"{ROOT}/dashboard/live", htmx=True))
    finally:
        await searches
        await tab.close()
        record.reconnects += tab.reconnects


async def _searches(port: int, plan: Plan, dashboard: Tab, record: Record, deadline: float) -> None:
    tab: Tab | None = None
    try:
        while (pause := random.expovariate(1 / plan.search_every)) < deadline - time.monotonic():
            await asyncio.sleep(pause)
            tab = tab or Tab(HOST, port, dashboard.cookie)  # the same browser's cookie
            number = f"139{random.randrange(2 * max(plan.messages, 500)):08d}"
            await record.timed("search", tab.get(f"{ROOT}/messages?phone={number}"))
    finally:
        if tab is not None:
            await tab.close()
            record.reconnects += tab.reconnects


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        process = int(stat.parent.name)
        parents[process] = int(fields[1])
        times[process] = (int(fields[11]) + int(fields[12])) / tick
    mine = {pid}
    for _ in range(4):  # the console, its workers, their threads' children if any
        mine |= {p for p, parent in parents.items() if parent in mine}
    return sum(times.get(p, 0.0) for p in mine)


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
