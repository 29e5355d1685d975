"""Readiness: the database probe's last answer, and for each operator with traffic a channel
the routing gives it that takes traffic (the engine's channel health)."""

from __future__ import annotations

import asyncio
from typing import Any

from hisms.carrier import registry
from hisms.carrier.base import ChannelState
from hisms.engine.channels import Channels
from hisms.engine.config import ChannelConfig, Settings
from hisms.monitoring.health import Health
from hisms.monitoring.metrics import Metrics
from hisms.monitoring.settings import MonitoringConfig

CHANNELS = [
    ChannelConfig(name="cmcc", protocol="loopback", operators=["mobile"]),
    ChannelConfig(name="backup", protocol="loopback", operators=["mobile", "unicom"]),
    ChannelConfig(name="ct", protocol="loopback", operators=["telecom"]),
]


def _health(down: list[str], traffic: list[str]) -> Health:
    settings = Settings(channels=CHANNELS)
    carriers = {c.name: registry.create("loopback", c.name, {}) for c in CHANNELS}
    channels = Channels(settings, carriers)
    for name in carriers:
        channels.link(ChannelState(name, name not in down, "link down: refused"))
    metrics = Metrics("w1")
    metrics.sending(traffic)
    store: Any = None  # problems() never touches the database
    health = Health(MonitoringConfig(), metrics, store, channels)
    health.database_up = True
    return health


def test_ready_when_each_operator_with_traffic_has_a_channel_taking_traffic() -> None:
    assert _health(["cmcc"], ["mobile", "unicom"]).problems() == []


def test_an_operator_with_traffic_and_every_channel_down_is_not_ready() -> None:
    assert _health(["ct"], ["mobile", "telecom"]).problems() == [
        "every channel for telecom is down: ct DOWN"
    ]
    assert _health(["ct"], ["mobile"]).problems() == []  # no telecom traffic: no matter


def test_no_channel_up_or_no_database_is_not_ready() -> None:
    health = _health(["cmcc", "backup", "ct"], [])
    assert health.problems() == ["no channel takes traffic"]
    health.database_up, health.database_error = False, "connection refused"
    assert health.problems()[0] == "database unreachable: connection refused"


def test_a_standby_engine_is_ready() -> None:
    """Other engines hold every connection (engine.share_limits): this one opens no link and
    takes over when they go; it still serves the WebService."""
    health = _health([], ["mobile", "unicom", "telecom"])
    for name in ("cmcc", "backup", "ct"):
        health.channels.share(name, 0)
    assert health.problems() == []
    assert not health.channels.standing("cmcc").takes_new  # routing sends nothing here


def test_a_database_that_answers_but_refuses_the_engines_writes_is_down() -> None:
    class Answers:
        def schema_version(self) -> int:
            return 17

    refused: list[str | None] = ["claim: cannot execute UPDATE in a read-only transaction"]
    health = _health([], [])
    health.store = Answers()  # type: ignore[assignment]
    health._writes_refused = lambda: refused[0]
    asyncio.run(health.probe())
    assert health.database_up is False
    assert health.database_error == f"writes refused: {refused[0]}"
    refused[0] = None  # the engine's next claim went through
    asyncio.run(health.probe())
    assert health.database_up is True
