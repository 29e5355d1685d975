"""What a report or an MO event says on the wire, for either protocol: its stat and times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.engine.status import Status

# The final statuses as the 7-character stat of a CMPP report / SMPP receipt.
_STATS = {
    Status.DELIVERED: "DELIVRD",
    Status.EXPIRED: "EXPIRED",
    Status.REJECTED: "REJECTD",
    Status.CANCELLED: "DELETED",
    Status.UNKNOWN: "UNKNOWN",
}


def stat(event: dict[str, Any]) -> str:
    """DELIVRD, EXPIRED, REJECTD, DELETED (cancelled), UNKNOWN, or for a FAILED message
    the failed report's stat (UNDELIV, MK:0005...), else UNDELIV."""
    status = Status(event["status"])
    if status is Status.FAILED:
        return str(event.get("report_stat") or "UNDELIV")[:7]
    return _STATS[status]


def when(event: dict[str, Any]) -> datetime:
    """When it happened, on the gateway clock (Beijing time) as CMPP and SMPP clients expect."""
    value = event["event_at"]
    if not isinstance(value, datetime):  # SQLite: UTC text
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(GATEWAY_TZ)
