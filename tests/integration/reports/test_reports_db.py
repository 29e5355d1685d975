"""The rollup, the five reports and billing on a hand-made history (history.py), on every
live database: numbers computed by hand, the rollup against the raw rows."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hisms.engine.billing import statement as billing
from hisms.engine.billing.accounts import Account
from hisms.engine.reports import tables
from hisms.engine.reports.rollup import local_day
from hisms.engine.store.base import Store
from tests.integration.reports import history
from tests.integration.reports.history import ZONE


@pytest.fixture
def loaded(store: Store, db_url: str) -> dict[str, int]:
    ids = history.load(store, db_url)
    assert store.roll_up_step(100, ZONE, history.owners().of) == 5  # n1 is still in flight
    assert store.roll_up_step(100, ZONE, history.owners().of) == 0  # nothing counted twice
    return ids


def report(store: Store, kind: str, period: str, by: str | None = None) -> list[list[Any]]:
    ask = tables.Ask(kind, period, date(2026, 11, 1), date(2027, 1, 1), by)  # type: ignore[arg-type]
    return tables.build(store, ask, ZONE, history.owners().of).rows


def pick(rows: list[list[Any]], *names: str) -> list[tuple[Any, ...]]:
    """The period, the dimension and the named measures of each row."""
    at = {c.name: i for i, c in enumerate(tables.MT_COLUMNS, start=2)}
    return [(r[0], r[1], *(r[at[n]] for n in names)) for r in rows]


def raw_totals(db_url: str) -> Counter[tuple[date, int, str]]:
    rows = history.execute(
        db_url,
        "SELECT created_at, status, segments, submitted_at FROM sms_outbox WHERE status >= 3",
    )
    counted: Counter[tuple[date, int, str]] = Counter()
    for created, status, segments, submitted in rows:
        day = local_day(created, ZONE)
        counted[(day, int(status), "messages")] += 1
        counted[(day, int(status), "segments")] += int(segments or 0)
        counted[(day, int(status), "submitted")] += submitted is not None
    return counted


def rollup_totals(store: Store) -> Counter[tuple[date, int, str]]:
    counted: Counter[tuple[date, int, str]] = Counter()
    for r in store.rollup_totals():
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        for name in ("messages", "segments", "submitted"):
            counted[(day, int(r["status"]), name)] += int(r[name])
    return +counted


def daily_totals(store: Store) -> Counter[tuple[date, int, str]]:
    counted: Counter[tuple[date, int, str]] = Counter()
    for r in store.report_days(date(2026, 1, 1), date(2027, 1, 1), "none", None):
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        for name in ("messages", "segments", "submitted"):
            counted[(day, int(r["status"]), name)] += int(r[name])
    return +counted


def test_the_rollup_equals_the_raw_rows_and_a_rebuild_gives_it_again(
    store: Store, db_url: str, loaded: dict[str, int]
) -> None:
    assert rollup_totals(store) == +raw_totals(db_url)
    assert daily_totals(store) == +raw_totals(db_url)
    by_account = store.report_days(date(2026, 1, 1), date(2027, 1, 1), "account", None)
    assert sum(int(r["messages"]) for r in by_account) == 5
    before = sorted(map(str, store.rollup_totals()))
    store.reset_rollup()
    assert store.rollup_totals() == []
    while store.roll_up_step(2, ZONE, history.owners().of):
        pass
    assert sorted(map(str, store.rollup_totals())) == before
    assert daily_totals(store) == +raw_totals(db_url)


def test_messages_without_an_account_get_the_one_they_are_counted_under(
    store: Store, db_url: str, loaded: dict[str, int]
) -> None:
    found = {r["id"]: r for r in store.find_messages(ids=list(loaded.values()))}
    assert found[loaded["a1"]]["dept_code"] == "D_A"  # the account's department, written back
    assert found[loaded["b1"]]["dept_code"] is None  # WARD_B has no department in owners()


def test_user_sending_per_month_by_account(store: Store, loaded: dict[str, int]) -> None:
    rows = report(store, "user", "month")
    assert pick(rows, "messages", "segments", "submitted", "delivered", "failed", "rejected",
                "in_flight") == [
        ("2026-11", "-", 1, 2, 1, 0, 0, 0, 1),
        ("2026-11", "WARD_A", 2, 2, 2, 1, 1, 0, 0),
        ("2026-11", "WARD_B", 2, 1, 1, 1, 0, 1, 0),
        ("2026-12", "WARD_A", 1, 2, 1, 1, 0, 0, 0),
    ]  # fmt: skip
    rates = [r[-1] for r in rows]
    assert rates == [Decimal(0), Decimal("0.5"), Decimal(1), Decimal(1)]


def test_summary_days_begin_at_midnight_in_the_hospitals_zone(
    store: Store, loaded: dict[str, int]
) -> None:
    days = pick(report(store, "summary", "day"), "messages")
    assert days == [
        ("2026-11-02", "-", 2),
        ("2026-11-03", "-", 1),  # b1: 16:30 UTC on the 2nd
        ("2026-11-09", "-", 2),
        ("2026-12-01", "-", 1),
    ]
    weeks = pick(report(store, "summary", "week"), "messages")
    assert weeks == [
        ("2026-W45 (2026-11-02)", "-", 3),
        ("2026-W46 (2026-11-09)", "-", 2),
        ("2026-W49 (2026-11-30)", "-", 1),
    ]


def test_business_interface_operator_and_mo_reports(store: Store, loaded: dict[str, int]) -> None:
    assert pick(report(store, "business", "month"), "messages") == [
        ("2026-11", "DEFAULT", 1),
        ("2026-11", "HIS", 2),
        ("2026-11", "LIS", 2),
        ("2026-12", "HIS", 1),
    ]
    assert pick(report(store, "interface", "month"), "messages") == [
        ("2026-11", "console", 1),
        ("2026-11", "legacy_table", 1),
        ("2026-11", "soap", 2),
        ("2026-11", "table", 1),
        ("2026-12", "http", 1),
    ]
    assert pick(report(store, "user", "month", by="operator"), "messages", "delivered") == [
        ("2026-11", "mobile", 3, 1),  # a1 delivered, b2 rejected, n1 in flight
        ("2026-11", "telecom", 1, 1),
        ("2026-11", "unicom", 1, 0),
        ("2026-12", "mobile", 1, 1),
    ]
    assert report(store, "mo", "day", by="channel") == [
        ["2026-11-02", "lb", 1],
        ["2026-11-30", "lb", 1],  # 23:59 in Shanghai
    ]
    with pytest.raises(ValueError, match="replies are counted by source or channel"):
        report(store, "mo", "day", by="operator")


def test_consumption_detail_bills_the_delivered_segments_at_each_operators_price(
    store: Store, loaded: dict[str, int]
) -> None:
    account = Account.of_row(store.policy_row("account", "WARD_A") or {})
    days = store.report_days(date(2026, 11, 1), date(2027, 1, 1), "operator", "WARD_A")
    assert billing.detail(account, days, "month") == [
        ["2026-11", "WARD_A", "D_A", 2, 1, 1, 0, 1, Decimal("0.05")],
        ["2026-12", "WARD_A", "D_A", 2, 2, 0, 0, 2, Decimal("0.10")],
    ]


def test_the_statement_bills_the_lower_count_and_lists_where_the_carrier_differs(
    store: Store, db_url: str, loaded: dict[str, int]
) -> None:
    # The carrier's report for a2 says DELIVRD where the engine wrote FAILED.
    history.execute(
        db_url, "UPDATE sms_segment SET report_stat = 'DELIVRD' WHERE carrier_msg_id = 'a2-1'"
    )
    account = Account.of_row(store.policy_row("account", "WARD_A") or {})
    since, until = history.at("2026-11-01 00:00"), history.at("2026-12-01 00:00")
    found = billing.statement(account, store.statement_rows("WARD_A", since, until))
    assert found.rows() == [
        ["mobile", 1, 1, 1, 1, Decimal("0.05"), Decimal("0.05")],
        ["unicom", 0, 1, 1, 0, Decimal("0.04"), Decimal("0")],
    ]
    assert found.totals()[:5] == ["Total 合计", 1, 2, 2, 1]
    assert found.differences == [[loaded["a2"], "130****0002", "lb", "FAILED", 1, 0, 1, 1]]


def test_the_carrier_counting_fewer_bills_the_carriers_count(
    store: Store, db_url: str, loaded: dict[str, int]
) -> None:
    # a1's report never came back from the carrier, though the engine wrote it DELIVERED
    # (by hand, as a status fixed in SQL would be): the carrier's count is the lower.
    history.execute(
        db_url, "UPDATE sms_segment SET report_stat = NULL WHERE carrier_msg_id = 'a1-1'"
    )
    account = Account.of_row(store.policy_row("account", "WARD_A") or {})
    since, until = history.at("2026-11-01 00:00"), history.at("2026-12-01 00:00")
    found = billing.statement(account, store.statement_rows("WARD_A", since, until))
    assert found.rows() == [
        ["mobile", 1, 1, 0, 0, Decimal("0.05"), Decimal("0")],
        ["unicom", 0, 1, 0, 0, Decimal("0.04"), Decimal("0")],
    ]
    assert found.totals() == ["Total 合计", 1, 2, 0, 0, None, Decimal("0")]
    assert found.differences == [[loaded["a1"], "138****0001", "lb", "DELIVERED", 1, 1, 1, 0]]


def test_each_by_dimension_against_the_hand_count(store: Store, loaded: dict[str, int]) -> None:
    # Departments: WARD_A's messages count under D_A; owners() gives WARD_B none.
    assert pick(report(store, "user", "month", by="dept"), "messages", "delivered") == [
        ("2026-11", "-", 3, 1),  # b1 delivered, b2 rejected, n1 in flight
        ("2026-11", "D_A", 2, 1),  # a1 delivered, a2 failed
        ("2026-12", "D_A", 1, 1),
    ]
    assert pick(report(store, "user", "month", by="template"), "messages", "delivered") == [
        ("2026-11", "-", 3, 0),  # a2, b2, n1
        ("2026-11", "T_LAB", 2, 2),  # a1, b1
        ("2026-12", "T_VISIT", 1, 1),
    ]
    assert pick(report(store, "business", "month", by="channel"), "messages", "rejected") == [
        ("2026-11", "-", 1, 1),  # b2, rejected before any channel
        ("2026-11", "lb", 4, 0),
        ("2026-12", "lb", 1, 0),
    ]
    assert pick(report(store, "interface", "month", by="account"), "messages", "segments") == [
        ("2026-11", "-", 1, 2),  # n1, two parts
        ("2026-11", "WARD_A", 2, 2),
        ("2026-11", "WARD_B", 2, 1),  # b2 rejected: no segments counted
        ("2026-12", "WARD_A", 1, 2),
    ]
    assert pick(report(store, "summary", "month", by="source"), "messages") == [
        ("2026-11", "DEFAULT", 1),
        ("2026-11", "HIS", 2),
        ("2026-11", "LIS", 2),
        ("2026-12", "HIS", 1),
    ]
    assert report(store, "mo", "month") == [["2026-11", "-", 2]]  # by source: a reply has none
