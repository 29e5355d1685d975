"""A message pinned to a channel (sms_outbox.pinned_channel, schema 18; the console's
resend through another channel), end to end with two loopback channels on every live
database: routing says ``main``, the pinned message goes through ``spare``; while ``spare``
is disabled it waits PENDING (WAITING_CHANNEL) and is sent there once it is enabled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.errors import ErrorCode
from hisms.engine.health import HealthConfig
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.worker import Engine
from tests.waiting import until


def _settings(url: str) -> Settings:
    # No [routing]: every operator's rule sends to main, spare is its backup (weight 0).
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id="t",
            poll_min_seconds=0.01,
            poll_max_seconds=0.1,
            writeback_every_seconds=0.05,
            channel_wait_seconds=0.2,
        ),
        health=HealthConfig(poll_seconds=0.1),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[
            ChannelConfig(name="main", protocol="loopback"),
            ChannelConfig(name="spare", protocol="loopback"),
        ],
    )


def _carriers() -> dict[str, LoopbackCarrier]:
    return {name: LoopbackCarrier(name, report_delay=0.01) for name in ("main", "spare")}


def _delivered(store: Store, *ids: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = [store.get_message(i) for i in ids]
        return all(r is not None and r["status"] == Status.DELIVERED for r in rows)

    return check


def test_a_pinned_message_goes_through_its_channel_whatever_the_rules_say(db_url: str) -> None:
    store = open_store(db_url)
    (routed,) = store.enqueue([NewMessage("13800138000", "复诊提醒", "HIS")], "t")
    message = NewMessage("13800138001", "复诊提醒", "HIS")
    pinned = store.enqueue_pinned(message, "console:alice", "spare", "main")
    avoided = store.enqueue_pinned(message, "console:alice", None, "main")

    async def scenario() -> None:
        engine = Engine(_settings(db_url), store, dict(_carriers()))
        task = asyncio.create_task(engine.run())
        try:
            await until(lambda: asyncio.to_thread(_delivered(store, routed, pinned, avoided)),
                        30, "every message delivered")  # fmt: skip
        finally:
            engine.stop()
            await task

    asyncio.run(scenario())
    channels = {i: store.get_message(i)["channel"] for i in (routed, pinned, avoided)}  # type: ignore[index]
    # Routing decides main; the pin wins; unpinned, resend_from makes routing prefer spare.
    assert channels == {routed: "main", pinned: "spare", avoided: "spare"}
    store.close()


def test_a_message_pinned_to_a_disabled_channel_waits_until_it_is_enabled(db_url: str) -> None:
    store = open_store(db_url)
    store.set_channel_mode("spare", "DISABLED", "maintenance", "t")
    message = NewMessage("13800138001", "复诊提醒", "HIS")
    pinned = store.enqueue_pinned(message, "console:alice", "spare", "main")
    carriers = _carriers()

    def waiting() -> bool:
        row = store.get_message(pinned)
        return row is not None and row["error_code"] == ErrorCode.WAITING_CHANNEL

    async def scenario() -> None:
        engine = Engine(_settings(db_url), store, dict(carriers))
        task = asyncio.create_task(engine.run())
        try:
            await until(lambda: asyncio.to_thread(waiting), 30, "the pinned message waiting")
            row = store.get_message(pinned)
            assert row is not None and row["status"] == Status.PENDING
            assert "pinned channel spare DISABLED" in row["error_text"]
            assert not carriers["main"].submitted and not carriers["spare"].submitted
            store.set_channel_mode("spare", "ENABLED", "", "t")
            await until(lambda: asyncio.to_thread(_delivered(store, pinned)), 30, "delivered")
        finally:
            engine.stop()
            await task

    asyncio.run(scenario())
    row = store.get_message(pinned)
    assert row is not None and row["channel"] == "spare"
    store.close()
