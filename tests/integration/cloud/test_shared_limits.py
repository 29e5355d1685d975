"""An HTTP channel's rate and connections are the channel's, not each engine's: two
engines serving one Aliyun channel (one number a request, so requests are messages) hold
one of its two connections each and half its rate, and the provider sees the channel's
rate, not twice it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from hisms.adapters.http.server import HttpServer
from hisms.carrier.cloudsim.sim import CloudSimulator, Hooks
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.simulator.config import SimConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from hisms.engine.worker import Engine
from tests.waiting import until

from .conftest import KEY, SECRET, carrier, settings, simulator

RATE, CONNECTIONS, ROWS = 10.0, 2, 60


@contextlib.asynccontextmanager
async def engine(
    url: str, worker: str, port: int, sim: CloudSimulator | None
) -> AsyncIterator[HttpCarrier]:
    """An engine with its own store and its own carrier of the channel ``cloud``; the one
    given ``sim`` serves the callbacks the simulator pushes to (any engine stores a report)."""
    store = open_store(url)
    cloud = carrier("aliyun", port, rate=RATE, connections=CONNECTIONS)
    server = HttpServer("127.0.0.1", 0, cloud.routes())
    await server.start()
    if sim is not None:
        base = f"{server.url}/callbacks/cloud"
        sim.hooks = Hooks(f"{base}/report", f"{base}/mo")
    given = settings(url)
    given = given.model_copy(
        # Batches of 10: both engines claim rows (one batch of 200 would take them all).
        update={"engine": given.engine.model_copy(update={"worker_id": worker, "batch_size": 10})}
    )
    running = Engine(given, store, {"cloud": cloud})
    task = asyncio.create_task(running.run())
    try:
        yield cloud
    finally:
        running.stop()
        await task
        await server.stop()
        store.close()


@pytest.mark.parametrize("db", ["sqlite_url", "pg_url"])
def test_two_engines_share_the_channel_s_rate_and_connections(
    db: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue(db))

    async def scenario() -> list[float]:
        sim = simulator("aliyun", SimConfig(KEY, SECRET, report_delay=0.05))
        async with sim, contextlib.AsyncExitStack() as stack:
            one = await stack.enter_async_context(engine(url, "e1", sim.port, sim))
            two = await stack.enter_async_context(engine(url, "e2", sim.port, None))
            await until(
                lambda: (one.gate.limit, two.gate.limit) == (1, 1),
                30,
                "a connection each",
                lambda: (one.gate.limit, two.gate.limit),
            )
            assert one.rate.configured == two.rate.configured == RATE / 2
            store = open_store(url)
            ids = store.enqueue(
                [NewMessage(f"1350000{i:04d}", "请按时服药") for i in range(ROWS)], "t"
            )
            await until(
                lambda: all((store.get_message(i) or {}).get("status") == 3 for i in ids),
                60,
                "every row DELIVERED",
                lambda: (one.stats, two.stats),
            )
            store.close()
            assert one.stats.accepted > 0 and two.stats.accepted > 0, (one.stats, two.stats)
            assert one.stats.accepted + two.stats.accepted == ROWS
            return sorted(s.sent_at.timestamp() for s in sim.book.sent.values())

    sent = asyncio.run(scenario())
    # Each engine's bucket: RATE / 2 a second, a burst of 1. In any second the provider
    # takes at most RATE requests and the two bursts; the whole takes about ROWS / RATE s.
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= RATE + 2, busiest
    assert sent[-1] - sent[0] >= (ROWS - 2) / RATE - 1.0, sent[-1] - sent[0]
