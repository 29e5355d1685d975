"""The console's parts for many users and several processes: values shared per key, the
hour one process samples and the others read, upload snapshots, the bench's figures."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from hisms.adapters.console.cli import keep_alive
from hisms.adapters.console.sampler import Point, Published, Reading, Sampler, load, read, write
from hisms.adapters.console.shared import Shared
from hisms.adapters.console.upload import Job, errors_csv, save
from hisms.adapters.console.upload import load as load_job
from hisms.engine.bench.console import _percentiles
from hisms.monitoring.metrics import Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_shared_value_is_made_once_for_every_request_waiting_for_it() -> None:
    made: list[str] = []

    async def make() -> str:
        made.append("x")
        await asyncio.sleep(0.01)
        return "figures"

    async def scenario() -> list[str]:
        shared: Shared[str] = Shared(5.0)
        return await asyncio.gather(*(shared.get("all", make) for _ in range(50)))

    assert asyncio.run(scenario()) == ["figures"] * 50
    assert made == ["x"]


def test_an_old_value_is_answered_while_one_task_makes_the_next() -> None:
    clock = Clock()
    shared: Shared[int] = Shared(5.0, clock)
    calls = []

    async def make() -> int:
        calls.append(clock.now)
        return len(calls)

    async def scenario() -> list[int]:
        first = await shared.get("all", make)
        clock.now += 6  # old now: answered as it is, made again behind
        stale = [await shared.get("all", make) for _ in range(3)]
        await asyncio.sleep(0)  # the refresh runs
        return [first, *stale, await shared.get("all", make)]

    assert asyncio.run(scenario()) == [1, 1, 1, 1, 2]
    assert len(calls) == 2  # one refresh, however many requests found the value old


def test_keys_never_see_each_others_value() -> None:
    shared: Shared[str] = Shared(5.0)

    async def scenario() -> list[str]:
        icu = await shared.get("ICU", lambda: _value("ICU"))
        lab = await shared.get("LAB", lambda: _value("LAB"))
        everyone = await shared.get(None, lambda: _value("all"))
        return [icu, lab, everyone, await shared.get("ICU", lambda: _value("other"))]

    assert asyncio.run(scenario()) == ["ICU", "LAB", "all", "ICU"]


def test_a_failed_refresh_keeps_the_old_value(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    shared: Shared[str] = Shared(1.0, clock)

    async def broken() -> str:
        raise RuntimeError("database away")

    async def scenario() -> list[str]:
        first = await shared.get("all", lambda: _value("old"))
        clock.now += 2
        during = await shared.get("all", broken)
        await asyncio.sleep(0)
        return [first, during, await shared.get("all", lambda: _value("new"))]

    got = asyncio.run(scenario())
    assert got[:2] == ["old", "old"] and "could not refresh" in caplog.text


async def _value(text: str) -> str:
    return text


def test_the_published_hour_is_what_the_sampler_has(tmp_path: Path) -> None:
    path = tmp_path / "samples.json"
    sampler = Sampler(lambda: Reading(0), 10, path)
    reader = Published(path)
    assert (reader.points, reader.unanswered) == ([], 0)  # nothing published yet
    sampler.add(Reading(0, accepted=0), 1000.0)
    sampler.add(Reading(10, accepted=500, delivered=9, undelivered=1, errors=1), 1010.0)
    write(path, sampler.points, sampler.unanswered)
    assert reader.points == [Point(1010.0, 50.0, 90.0, 0.0, 0.0)]
    assert reader.unanswered == 1
    assert load(path) == (list(sampler.points), 1)


def test_an_upload_snapshot_carries_its_progress_not_its_refused_rows(tmp_path: Path) -> None:
    job = Job("a" * 32, "alice", "numbers.csv", read=3, total=1, inserted=1, done=True)
    job.refuse(2, "x", "不是手机号码")
    save(job, tmp_path)
    again = load_job(tmp_path / f"{job.id}.json")
    assert again is not None
    assert (again.owner, again.read, again.inserted, again.refused, again.done) == (
        "alice", 3, 1, 1, True)  # fmt: skip
    assert again.errors == []  # those are in the CSV file, written once
    assert load_job(tmp_path / "missing.json") is None
    assert errors_csv(job.errors).startswith("\ufeff行号,内容,原因\r\n2,x,不是手机号码")


def test_an_idle_dashboard_keeps_its_connection() -> None:
    assert keep_alive(5) == 60 and keep_alive(30) == 90


def test_percentiles_of_the_bench() -> None:
    assert _percentiles([]) == {}
    assert _percentiles([0.5]) == {"p50": 500.0, "count": 1}
    got = _percentiles([i / 1000 for i in range(1, 101)])
    assert (got["p50"], got["count"]) == (50.5, 100) and got["p95"] <= got["p99"] <= 100


def test_the_backlog_every_engine_counts_is_not_added_up() -> None:
    pages = []
    for worker in ("w1", "w2"):
        metrics = Metrics(worker)
        metrics.pending("bulk", 30.0, 40)
        metrics.pending("urgent", 2.0, 2)
        pages.append(generate_latest(metrics.registry).decode())
    got = read(pages, 1.0)
    assert (got.backlog, got.oldest) == (42, 30.0)  # one queue, seen by both engines
