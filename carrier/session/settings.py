"""The session's tunables, shared by every protocol's options model, and its counters.

:class:`SessionSettings` is the pydantic base of ``CmppOptions``, ``SgipOptions``,
``SmgpOptions`` and ``SmppOptions``: a channel's options are these plus its
protocol's own, validated in one model (:func:`hisms.carrier.session.options.read`).
Defaults follow the specifications where they have one (CMPP's window of 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from hisms.carrier.session.options import Integer, Rate, Seconds, Text, Zone
from hisms.carrier.wire.times import GATEWAY_TZ

Timer = Annotated[float, Seconds()]


class SessionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: Annotated[str, Text(255, required=True)] = Field(description="the gateway's address")
    port: Annotated[int, Integer(1, 65535)] = Field(description="the gateway's port")
    window: Annotated[int, Integer(1, 1024)] = Field(
        16, description="unacknowledged submits per connection (CMPP spec: 16)"
    )
    rate: Annotated[float | None, Rate()] = Field(
        None, description="submits per second for the whole channel"
    )
    connection_rate: Annotated[float | None, Rate()] = Field(
        None, description="submits per second per connection"
    )
    connections: Annotated[int, Integer(1, 64)] = Field(1, description="TCP links to the gateway")
    heartbeat_seconds: Timer = Field(
        60.0, description="keep-alive after this long without traffic (SGIP: idle_seconds)"
    )
    dead_link_seconds: Timer = Field(
        30.0, description="no answer to a keep-alive within this: the link is dropped"
    )
    response_timeout_seconds: Timer = Field(
        60.0, description="a submit whose answer has not come by then is submitted again"
    )
    max_resend: Annotated[int, Integer(0, 100)] = Field(
        3, description="resends of one part (lost answer, dropped link) before RETRY"
    )
    max_throttles: Annotated[int, Integer(0, 100_000)] = Field(
        100, description="flow-control answers to one part before RETRY"
    )
    connect_timeout_seconds: Timer = Field(10.0, description="for the TCP connect and the login")
    link_wait_seconds: Timer = Field(
        15.0, description="queued parts get RETRY after this long with no link up"
    )
    reconnect_min_seconds: Timer = Field(
        1.0, description="the first wait after a failed login or a dropped link"
    )
    reconnect_max_seconds: Timer = Field(
        60.0,
        description="the longest wait between logins (each failed login or link that drops"
        " sooner than this doubles the wait)",
    )
    drain_seconds: Timer = Field(5.0, description="on stop: how long to wait for in-flight answers")


class ReportClock(BaseModel):
    """The option of a protocol whose delivery reports carry times of the gateway's clock."""

    gateway_timezone: Annotated[ZoneInfo, Zone()] = Field(
        GATEWAY_TZ,
        description="the zone of the gateway's clock: the submit and done times of its"
        " delivery reports are read in it",
    )


@dataclass(slots=True)
class SessionStats:
    sent: int = 0  # submit PDUs written, resends included
    accepted: int = 0
    failed: int = 0
    retried: int = 0  # parts handed back to the engine as RETRY
    resent: int = 0  # parts submitted again after a lost answer or a dropped link
    throttled: int = 0  # flow-control answers
    late_answers: int = 0  # answers to sequences no longer in flight
    logins: int = 0  # login attempts
    login_failures: int = 0
    drops: int = 0  # bound links lost
