"""The statement reads an account's month one local day at a time (pure: a stand-in store),
and counts a provider's split message as the parts it billed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hisms.engine.billing import statement as billing
from hisms.engine.billing.accounts import Account
from hisms.engine.reports import sheets
from hisms.engine.status import Status

ZONE = ZoneInfo("Asia/Shanghai")


class Store:
    """Answers each day's query with one delivered message; the carrier lost day 2's report."""

    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    def accounts(self) -> list[dict[str, Any]]:
        return []

    def statement_rows(
        self, account: str, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        assert account == "WARD"
        self.asked.append((since, until))
        n = len(self.asked)
        return [
            {
                "id": n,
                "status": int(Status.DELIVERED),
                "segments": 1,
                "channel": "lb",
                "phone": "13800138000",
                "accepted": 1,
                "delivered": 0 if n == 2 else 1,
            }
        ]


def test_a_month_is_read_one_local_day_at_a_time() -> None:
    store = Store()
    main, differences = sheets.statement(store, "WARD", "2026-11", ZONE)  # type: ignore[arg-type]
    # Thirty days, each from local midnight (16:00 UTC the day before) to the next.
    first = datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert store.asked == [
        (first + timedelta(days=n), first + timedelta(days=n + 1)) for n in range(30)
    ]
    assert list(main.rows) == [["mobile", 30, 30, 29, 29, 0, 0]]
    assert [r[0] for r in differences.rows] == [2]


def test_a_message_the_provider_split_counts_its_one_part_row_as_its_total() -> None:
    """An HTTP carrier's long message is one part row whose total is what the provider
    billed (its segments once final); a CMPP message has a row per part, total = parts."""
    row = {"status": int(Status.DELIVERED), "channel": "x", "phone": "13800138000"}
    rows = [
        {**row, "id": 1, "segments": 3, "accepted": 1, "delivered": 1, "parts": 1, "billed": 3},
        {**row, "id": 2, "segments": 2, "accepted": 2, "delivered": 2, "parts": 2, "billed": 2},
        {**row, "id": 3, "segments": 1, "accepted": 1, "delivered": 1, "parts": 1, "billed": 1},
    ]
    found = billing.statement(Account(account="WARD"), rows)
    assert found.rows() == [["mobile", 6, 6, 6, 6, Decimal(0), Decimal(0)]]
    assert found.differences == []
