"""The console for many users: the shared live part keeps each department scope to
itself (in process, every live database), and ``hisms console --workers 2`` serves
logins, pages and an upload's progress from either worker (real processes, 127.0.0.1)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from hisms.adapters.console import upload
from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Reading, Sampler
from hisms.adapters.console.users import Role, Users
from hisms.engine.config import Settings
from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import Who

PASSWORD = "Load-test-12"
STARTUP_SECONDS = 180.0  # spawning workers on a loaded machine is slow


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found[1]


def test_each_scope_gets_its_own_live_part_however_many_sessions_share_it(store: Store) -> None:
    settings = Settings()
    people = Users(store, settings.console)
    people.add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    people.add("icu", PASSWORD, Role.DEPT, "ICU", Who("test"))
    people.add("lab", PASSWORD, Role.DEPT, "LAB", Who("test"))
    app = Starlette(routes=[mount(store, settings, Sampler(lambda: Reading(0.0), 60))])

    async def live(user: str) -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            form = {"username": user, "password": PASSWORD,
                    "csrf_token": _token((await c.get("/console/login")).text)}  # fmt: skip
            assert (await c.post("/console/login", data=form)).status_code == 303
            got = [await c.get("/console/dashboard/live", headers={"HX-Request": "1"})
                   for _ in range(3)]  # fmt: skip
        assert {a.status_code for a in got} == {200}
        assert got[0].headers["cache-control"] == "no-store"
        return [re.findall(r'id="scope">([^<]*)<', a.text)[0] for a in got]

    async def scenario() -> None:
        # everyone's part is made first and cached; the departments must not get it
        assert set(await live("admin")) == {"范围：全部科室"}
        assert {s.split("（")[0] for s in await live("icu")} == {"范围：科室 ICU"}
        assert {s.split("（")[0] for s in await live("lab")} == {"范围：科室 LAB"}
        assert set(await live("admin")) == {"范围：全部科室"}

    asyncio.run(scenario())


def test_an_uploads_progress_is_known_to_every_worker_before_its_redirect(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's first snapshot is written before the redirect, not by the reading thread:
    another worker asked for the progress before that thread's first save answered 403."""
    held = threading.Event()
    monkeypatch.setattr(upload, "run", lambda *args: held.wait(10))
    settings = Settings()
    Users(store, settings.console).add("clerk", PASSWORD, Role.OPERATOR, None, Who("test"))
    app = Starlette(routes=[mount(store, settings, Sampler(lambda: Reading(0.0), 60), tmp_path)])

    async def scenario() -> upload.Job | None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            form = {"username": "clerk", "password": PASSWORD,
                    "csrf_token": _token((await c.get("/console/login")).text)}  # fmt: skip
            assert (await c.post("/console/login", data=form)).status_code == 303
            token = _token((await c.get("/console/send/upload")).text)
            started = await c.post(
                "/console/send/upload",
                data={"csrf_token": token, "content": "体检通知", "priority": "5"},
                files={"file": ("numbers.csv", b"13900000001\n", "text/csv")},
            )
            assert started.status_code == 303, started.text[:300]
            job = started.headers["location"].rsplit("/", 1)[1]
        snapshot = upload.load(tmp_path / "uploads" / f"{job}.json")  # another worker's view
        held.set()  # the reading thread may go now
        return snapshot

    try:
        assert asyncio.run(scenario()) is not None
    finally:
        held.set()


@pytest.fixture
def workers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """``hisms console --workers 2`` on a scratch PostgreSQL: (its URL, the parent's pid)."""
    store = open_store(pg_url)
    try:
        Users(store, Settings().console).add("clerk", PASSWORD, Role.OPERATOR, None, Who("t"))
    finally:
        store.close()
    log = tmp_path / "console.log"
    env = {**os.environ, "HISMS_DATABASE__URL": pg_url}
    env.pop("HISMS_CONSOLE__SECRET_KEY", None)  # the parent makes one the workers share
    with log.open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "hisms", "console", "--port", "0", "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        url = _wait(server, log)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=60)


def _wait(server: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        found = re.search(r"console on (http://\S+/console)/", log.read_text())
        if found:
            try:
                if httpx.get(f"{found[1]}/login", timeout=5).status_code == 200:
                    return found[1]
            except httpx.HTTPError:
                pass  # the workers are still starting
        time.sleep(0.2)
    raise AssertionError(f"no console: {log.read_text()}")


def test_two_workers_serve_the_same_sessions_and_uploads(workers: tuple[str, int]) -> None:
    url, pid = workers
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) >= 2  # the workers (and multiprocessing's resource tracker)
    with httpx.Client(base_url=url) as browser:
        form = {"username": "clerk", "password": PASSWORD,
                "csrf_token": _token(browser.get("/login").text)}  # fmt: skip
        assert browser.post("/login", data=form).status_code == 303
        token = _token(browser.get("/send/upload").text)
        cookie = browser.cookies["hisms_console"]  # the session with its CSRF token
    # Each request on a new connection: the kernel hands them to either worker, and both
    # know the session (one secret) and the user.
    for path in ["/", "/dashboard/live", "/dashboard/series", "/messages"] * 5:
        with httpx.Client(base_url=url, cookies={"hisms_console": cookie}) as fresh:
            assert fresh.get(path).status_code == 200, path
    numbers = "手机号码\n" + "".join(f"1390000{i:04d}\n" for i in range(300)) + "不是号码\n"
    with httpx.Client(base_url=url, cookies={"hisms_console": cookie}) as browser:
        started = browser.post(
            "/send/upload",
            data={"csrf_token": token, "content": "体检通知", "priority": "5"},
            files={"file": ("numbers.csv", numbers.encode(), "text/csv")},
        )
    assert started.status_code == 303, started.text[:500]
    job = started.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:  # the progress, asked on new connections: whichever worker answers knows it
        with httpx.Client(base_url=url, cookies={"hisms_console": cookie}) as fresh:
            shown = fresh.get(f"/send/upload/{job}", headers={"HX-Request": "true"})
        assert shown.status_code in (200, 286), shown.text[:300]
        if shown.status_code == 286:
            break
        assert time.monotonic() < deadline, shown.text
        time.sleep(0.2)
    assert ">300<" in shown.text and "未发送 1 行" in shown.text
    for _ in range(4):
        with httpx.Client(base_url=url, cookies={"hisms_console": cookie}) as fresh:
            refused = fresh.get(f"/send/upload/{job}/errors.csv")
        assert refused.status_code == 200 and "不是号码" in refused.text
