"""What a report or reply the database refused becomes: a storable ``sms_parked`` row, and
the one log line that says so (numbers masked)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime

from hisms.carrier.base import DeliveryReport, MoMessage, MoPart
from hisms.carrier.wire.numbers import mask
from hisms.engine.store.base import Parked, StoreDataError

CHANNEL_COLUMN, ERROR_COLUMN = 32, 500  # sms_parked.channel, sms_parked.error_text
_NOUN = {"REPORT": "delivery report", "MO": "reply (MO)"}
# What no supported database stores in text: NUL, and UTF-16 halves without their pair.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_NUMBER = re.compile(r"\d{7,}")


def storable(text: str) -> str:
    """``text`` with NUL and lone surrogates written as ``\\uXXXX``, as JSON writes them."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def parked(event: DeliveryReport | MoMessage | MoPart, error: StoreDataError) -> Parked:
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name != "ack"}
    text = json.dumps(fields, ensure_ascii=False, default=_iso)  # NUL becomes \u0000 here
    return Parked(
        kind="REPORT" if isinstance(event, DeliveryReport) else "MO",
        channel=storable(event.channel)[:CHANNEL_COLUMN],
        event_json=storable(text),
        error_text=storable(str(error))[:ERROR_COLUMN],
        received_at=event.received_at,
    )


def log_line(event: DeliveryReport | MoMessage | MoPart, row: Parked) -> str:
    """One line: the error text may span several (PostgreSQL's CONTEXT) and quote values."""
    error = _NUMBER.sub(lambda m: mask(m[0]), " ".join(row.error_text.split()))
    return (
        f"parked a {_NOUN[row.kind]} from {mask(event.phone)} on channel {row.channel} in "
        f"sms_parked: the database refused it ({error}); the gateway is answered, the others "
        "are stored"
    )


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
