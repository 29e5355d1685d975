"""Helpers for carrier tests on real sockets: a simulator plus a started carrier."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from hisms.carrier.base import CarrierEvent, ChannelState, Submission, SubmitKey
from hisms.carrier.cmpp.client import from_config
from hisms.carrier.cmpp.simulator import CmppSimulator
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.simulator import SimConfig
from hisms.carrier.wire import udh
from tests.support import storing

ACCOUNT, SECRET = "901234", "s3cret-Pa55"
FAST = {
    "response_timeout_seconds": 5.0,
    "link_wait_seconds": 2.0,
    "reconnect_min_seconds": 0.05,
    "reconnect_max_seconds": 0.5,
    "drain_seconds": 1.0,
    "connect_timeout_seconds": 2.0,
}


def options(port: int, version: str = "3.0", **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "version": version,
        "source_addr": ACCOUNT,
        "secret": SECRET,
        "src_number": "10690123",
        "service_id": "HIS",
        **FAST,
        **overrides,
    }


def parts(
    count: int, text: str = "您的检验报告已出", *, start: int = 0, **kw: Any
) -> list[Submission]:
    """``count`` single-part messages to distinct numbers."""
    return [
        Submission(
            SubmitKey(start + i, 1, 1), f"138{start + i:08d}", text, text.encode("utf-16-be"), **kw
        )
        for i in range(count)
    ]


def long_message(outbox_id: int, phone: str, chunks: list[str], ref: int = 7) -> list[Submission]:
    total = len(chunks)
    return [
        Submission(
            SubmitKey(outbox_id, seq, 1),
            phone,
            chunk,
            chunk.encode("utf-16-be"),
            udh=udh.build(ref, total, seq),
            ref=ref,
            total=total,
        )
        for seq, chunk in enumerate(chunks, start=1)
    ]


class Events(list[CarrierEvent]):
    def of(self, kind: type) -> list[Any]:
        return [e for e in self if isinstance(e, kind)]

    def states(self) -> list[ChannelState]:
        return self.of(ChannelState)


@contextlib.asynccontextmanager
async def gateway(
    sim_config: SimConfig | None = None, version: str = "3.0", **sim_kw: Any
) -> AsyncIterator[CmppSimulator]:
    config = sim_config or SimConfig(ACCOUNT, SECRET, report_delay=0.01, mo_delay=0.01)
    async with CmppSimulator(config, 0x20 if version == "2.0" else 0x30, **sim_kw) as sim:
        yield sim


@contextlib.asynccontextmanager
async def carrier(
    port: int, version: str = "3.0", **overrides: Any
) -> AsyncIterator[tuple[SessionCarrier, Events]]:
    events = Events()
    channel = from_config("cmcc", options(port, version, **overrides))
    await channel.start(storing(events))
    try:
        yield channel, events
    finally:
        await channel.stop()


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
