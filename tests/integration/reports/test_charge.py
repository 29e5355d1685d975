"""Quota counters on every live database: a charge fits or is refused whole, the day and the
month together, and a message is charged once whatever its attempts."""

from __future__ import annotations

from datetime import date

from hisms.engine.store.accountstore import Charge, Limit
from hisms.engine.store.base import NewMessage, Store

DAY = date(2026, 11, 30)


def charge(id: int, segments: int, daily: int, monthly: int) -> Charge:
    limits = (Limit("D", DAY, daily), Limit("M", DAY.replace(day=1), monthly))
    return Charge(id, "WARD", segments, limits)


def usage(store: Store) -> dict[str, int]:
    return {r["period"]: int(r["segments"]) for r in store.usage(date(2026, 11, 1))}


def test_charges_fit_whole_or_not_at_all_and_only_once(store: Store) -> None:
    ids = store.enqueue([NewMessage(f"1380000000{n}", "x", account="WARD") for n in range(5)], "t")
    assert store.charge([charge(ids[0], 2, daily=3, monthly=4)]) == {ids[0]}
    # 2 more would pass the day's 3: refused, and the month keeps its 2
    assert store.charge([charge(ids[1], 2, daily=3, monthly=4)]) == set()
    assert usage(store) == {"D": 2, "M": 2}
    assert store.charge([charge(ids[1], 1, daily=3, monthly=4)]) == {ids[1]}
    # the day would take 1 more (raised to 10), the month not: neither is charged
    assert store.charge([charge(ids[2], 2, daily=10, monthly=4)]) == set()
    assert usage(store) == {"D": 3, "M": 3}
    # a message charged before passes again (a later attempt) without a second charge,
    # even with the quota full
    assert store.charge([charge(ids[0], 2, daily=3, monthly=3)]) == {ids[0]}
    assert usage(store) == {"D": 3, "M": 3}
