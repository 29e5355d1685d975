"""Tunables of the shared asyncio session (spec defaults where they exist), their
validation from a channel's options (shared by every protocol), and its counters."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from hisms.carrier.base import CarrierError


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


_SESSION_FLOATS = {
    "heartbeat_seconds": 60.0,
    "dead_link_seconds": 30.0,
    "response_timeout_seconds": 60.0,
    "connect_timeout_seconds": 10.0,
    "link_wait_seconds": 15.0,
    "reconnect_min_seconds": 1.0,
    "reconnect_max_seconds": 60.0,
    "drain_seconds": 5.0,
}
SESSION_OPTIONS = frozenset(
    {
        *_SESSION_FLOATS,
        *("host", "port", "window", "rate", "connection_rate", "connections"),
        *("max_resend", "max_throttles"),
    }
)


def session_settings(check: OptionChecker) -> SessionSettings:
    """The session part of a channel's options (``SESSION_OPTIONS``), validated."""
    return SessionSettings(
        host=check.text("host", 255, required=True),
        port=check.integer("port", None, 1, 65535),
        window=check.integer("window", 16, 1, 1024),
        rate=check.rate("rate"),
        connection_rate=check.rate("connection_rate"),
        connections=check.integer("connections", 1, 1, 64),
        max_resend=check.integer("max_resend", 3, 0, 100),
        max_throttles=check.integer("max_throttles", 100, 0, 100_000),
        **{key: check.positive(key, default) for key, default in _SESSION_FLOATS.items()},
    )


class OptionChecker:
    """Reads one channel's options; every problem is a CarrierError naming the option."""

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name
        self.options = options

    def only(self, known: AbstractSet[str]) -> None:
        unknown = sorted(set(self.options) - known)
        if unknown:
            raise self.error(unknown[0], "unknown option")

    def error(self, key: str, problem: str) -> CarrierError:
        return CarrierError(f"channel {self.name!r}: option {key!r}: {problem}")

    def required(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key, default)
        if value is None or value == "":
            raise self.error(key, "is required")
        return value

    def text(
        self,
        key: str,
        width: int,
        *,
        default: str = "",
        required: bool = False,
        digits: bool = False,
        ascii_only: bool = True,
    ) -> str:
        value = self.required(key) if required else self.options.get(key, default)
        value = str(value)
        if ascii_only and (not value.isascii() or len(value) > width):
            raise self.error(key, f"must be at most {width} ASCII characters")
        if digits and not value.isdigit():
            raise self.error(key, "must be digits only")
        return value

    def integer(self, key: str, default: int | None, low: int, high: int) -> int:
        value = self.options.get(key, default) if default is not None else self.required(key)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error(key, f"must be an integer from {low} to {high}")
        try:
            number = int(value)
        except ValueError:
            raise self.error(key, f"must be an integer from {low} to {high}") from None
        if not low <= number <= high:
            raise self.error(key, f"must be from {low} to {high}, not {number}")
        return number

    def positive(self, key: str, default: float) -> float:
        value = self.options.get(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self.error(key, "must be a number of seconds") from None
        if number <= 0:
            raise self.error(key, "must be greater than 0")
        return number

    def rate(self, key: str) -> float | None:
        value = self.options.get(key)
        if value in (None, 0, "0", ""):
            return None  # unlimited
        return self.positive(key, 0.0)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.options.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value
