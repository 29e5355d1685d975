"""Tunables of the shared asyncio session (spec defaults where they exist) and its counters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SessionSettings:
    host: str
    port: int
    window: int = 16  # unacknowledged submits per connection (CMPP spec: 16)
    rate: float | None = None  # submits per second for the whole channel; None = unlimited
    connection_rate: float | None = None  # per connection; None = unlimited
    connections: int = 1
    heartbeat_seconds: float = 60.0  # keep-alive after this long without traffic
    dead_link_seconds: float = 30.0  # no answer to a keep-alive within this -> drop
    response_timeout_seconds: float = 60.0  # resend a submit whose answer has not come
    max_resend: int = 3
    max_throttles: int = 100  # flow-control answers to one part before giving up (RETRY)
    connect_timeout_seconds: float = 10.0
    link_wait_seconds: float = 15.0  # queued parts get RETRY after this long with no link up
    reconnect_min_seconds: float = 1.0
    reconnect_max_seconds: float = 60.0
    drain_seconds: float = 5.0  # on stop: wait this long for in-flight answers


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
