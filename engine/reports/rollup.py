"""What the rollup counts for a message: its bucket (hour, local day and dimensions) and its
measures. Pure: the store's rollup step and the reports' in-flight rows both use it.

``sms_rollup`` holds final messages only (a final status never changes in the engine), so
each message is added once; ``sms_outbox.rolled_status`` says it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hisms.engine import numbering, phone
from hisms.engine.billing.accounts import NONE

Row = dict[str, Any]
# (source_system, account, dept_code) -> the account and department the message counts under
Owner = Callable[[str, str | None, str | None], tuple[str | None, str | None]]

# How a message came in, from who inserted it (sms_outbox.created_by): the interface report.
INTAKES = ("table", "legacy_table", "soap", "http", "console")
_PREFIXES = {"ws:": "soap", "dbtable:": "legacy_table", "http:": "http", "cli:": "console"}
DIMENSIONS = (
    "account",
    "dept_code",
    "source_system",
    "channel",
    "operator",
    "status",
    "intake",
    "template_code",
)
MEASURES = ("messages", "segments", "submitted", "submitted_segments")
# sms_rollup_day's dim_name values and the sms_rollup column each counts by (none: totals)
BY_COLUMN = {
    "none": None,
    "account": "account",
    "dept": "dept_code",
    "source": "source_system",
    "channel": "channel",
    "operator": "operator",
    "template": "template_code",
    "intake": "intake",
}


def intake_of(created_by: str | None) -> str:
    """``ws:HIS`` SOAP, ``dbtable:X`` a legacy table, ``http:X`` HTTP, ``hisms-cli`` and
    ``cli:alice`` the console; anyone else inserted into sms_outbox: the table."""
    who = created_by or ""
    if who == "hisms-cli":
        return "console"
    return next((v for k, v in _PREFIXES.items() if who.startswith(k)), "table")


def operator_of(number: str | None) -> str:
    try:
        return numbering.operator_of(phone.normalise(number))
    except phone.InvalidPhone:
        return "unknown"


def utc(value: datetime | str) -> datetime:
    """A fetched timestamp as aware UTC (SQLite answers text, the others naive or aware)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Counted:
    """A batch of messages as rollup rows (summed per bucket) and the owners to write back."""

    rows: list[Row]  # sms_rollup
    days: list[Row]  # sms_rollup_day
    owners: list[Row]  # id, account, dept_code


def count(rows: Iterable[Row], zone: ZoneInfo, owner: Owner) -> Counted:
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    owners = []
    for r in rows:
        account, dept = owner(r["source_system"], r["account"], r["dept_code"])
        owners.append({"id": int(r["id"]), "account": account, "dept_code": dept})
        created = utc(r["created_at"])
        key = (
            created.replace(minute=0, second=0, microsecond=0),
            created.astimezone(zone).date().isoformat(),
            account or NONE,
            dept or NONE,
            r["source_system"] or NONE,
            r["channel"] or NONE,
            operator_of(r["phone"]),
            int(r["status"]),
            intake_of(r["created_by"]),
            r["template_code"] or NONE,
        )
        segments = int(r["segments"] or 0)
        submitted = r["submitted_at"] is not None
        total = sums[key]
        total[0] += 1
        total[1] += segments
        total[2] += submitted
        total[3] += segments if submitted else 0
    names = ("hour", "day", *DIMENSIONS)
    rows = [
        {**dict(zip(names, k, strict=True)), **dict(zip(MEASURES, v, strict=True))}
        for k, v in sorted(sums.items(), key=_order)
    ]
    return Counted(rows, by_day(rows), owners)


def by_day(rows: Iterable[Row]) -> list[Row]:
    """``sms_rollup`` rows summed per local day, status and each dimension in turn."""
    sums: dict[tuple[str, str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        for name, column in BY_COLUMN.items():
            total = sums[(r["day"], name, r[column] if column else NONE, r["status"])]
            for i, measure in enumerate(MEASURES):
                total[i] += r[measure]
    keys = ("day", "dim_name", "dim_value", "status")
    return [
        {**dict(zip(keys, k, strict=True)), **dict(zip(MEASURES, v, strict=True))}
        for k, v in sorted(sums.items())
    ]


def _order(item: tuple[tuple[Any, ...], list[int]]) -> tuple[Any, ...]:
    return item[0]  # rows in key order: two steps lock rollup rows in one order


def local_day(value: datetime | str, zone: ZoneInfo) -> date:
    return utc(value).astimezone(zone).date()
