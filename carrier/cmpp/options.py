"""Validating a CMPP channel's options into CmppOptions and SessionSettings.

Every problem is a :class:`CarrierError` naming the channel and the option, so
a typo in ``hisms.toml`` fails at start-up with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hisms.carrier.base import CarrierError
from hisms.carrier.cmpp.pdus import V20, V30
from hisms.carrier.session_settings import SessionSettings

VERSIONS = {"2.0": V20, "2": V20, "3.0": V30, "3": V30}

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
_KNOWN = {
    *_SESSION_FLOATS,
    *("host", "port", "version", "source_addr", "secret", "service_id", "src_number"),
    *("fee_user_type", "fee_terminal_id", "fee_type", "fee_code", "verify_server_auth"),
    *("window", "rate", "connection_rate", "connections", "max_resend", "max_throttles"),
}


@dataclass(frozen=True, slots=True)
class CmppOptions:
    version: int
    source_addr: str  # SP_Id (企业代码)
    secret: str
    src_number: str  # service number (服务代码), e.g. 10690123
    service_id: str = ""
    fee_user_type: int = 2  # the SP pays
    fee_terminal_id: str = ""
    fee_type: str = "01"  # free for the handset
    fee_code: str = "000000"
    verify_server_auth: bool = False

    def __repr__(self) -> str:  # never print the secret
        return f"CmppOptions(version=0x{self.version:02x}, source_addr={self.source_addr!r})"


def parse(name: str, options: dict[str, Any]) -> tuple[CmppOptions, SessionSettings]:
    check = _Checker(name, options)
    unknown = sorted(set(options) - _KNOWN)
    if unknown:
        raise check.error(unknown[0], "unknown option")
    version = VERSIONS.get(str(check.required("version", "3.0")))
    if version is None:
        raise check.error("version", 'must be "2.0" or "3.0"')
    cmpp = CmppOptions(
        version=version,
        source_addr=check.text("source_addr", 6, required=True),
        secret=check.text("secret", 64, required=True, ascii_only=False),
        src_number=check.text("src_number", 21, required=True, digits=True),
        service_id=check.text("service_id", 10),
        fee_user_type=check.integer("fee_user_type", 2, 0, 3),
        fee_terminal_id=check.text("fee_terminal_id", 21),
        fee_type=check.text("fee_type", 2, default="01"),
        fee_code=check.text("fee_code", 6, default="000000"),
        verify_server_auth=check.boolean("verify_server_auth", False),
    )
    settings = SessionSettings(
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
    return cmpp, settings


class _Checker:
    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name
        self.options = options

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
