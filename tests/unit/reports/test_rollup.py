"""What the rollup counts for a message (pure: engine/reports/rollup.py), report periods,
and billing accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pydantic
import pytest

from hisms.adapters.his import SourceProfile
from hisms.adapters.his.profiles import Profiles
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.reports import periods
from hisms.engine.reports.rollup import count, intake_of

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("created_by", "intake"),
    [
        ("ws:HIS", "soap"),
        ("dbtable:LIS", "legacy_table"),
        ("http:APP", "http"),
        ("hisms-cli", "console"),
        ("cli:alice", "console"),
        ("his_writer", "table"),
        (None, "table"),
    ],
)
def test_the_intake_path_comes_from_who_inserted_the_row(
    created_by: str | None, intake: str
) -> None:
    assert intake_of(created_by) == intake


def row(id: int, created: str, status: int = 3, **more: object) -> dict[str, object]:
    base = {
        "id": id,
        "status": status,
        "created_at": created,
        "account": "A",
        "dept_code": None,
        "source_system": "HIS",
        "channel": "cm",
        "phone": "13800138000",
        "segments": 2,
        "submitted_at": created,
        "created_by": "ws:HIS",
        "template_code": None,
    }
    return {**base, **more}


def test_messages_are_summed_per_hour_local_day_and_dimensions() -> None:
    rows = [
        row(1, "2026-11-02 16:10:00.000"),  # 00:10 on the 3rd in Shanghai
        row(2, "2026-11-02 16:50:00.000"),
        row(3, "2026-11-02 15:59:59.999", segments=None, submitted_at=None, status=6, phone="1"),
    ]
    owners = Owners(Profiles({}), {"A": Account(account="A", dept_code="D")})
    counted = count(rows, ZONE, owners.of)
    assert counted.rows == [
        {
            "hour": datetime(2026, 11, 2, 15, tzinfo=UTC),
            "day": "2026-11-02",
            "account": "A",
            "dept_code": "D",
            "source_system": "HIS",
            "channel": "cm",
            "operator": "unknown",
            "status": 6,
            "intake": "soap",
            "template_code": "-",
            "messages": 1,
            "segments": 0,
            "submitted": 0,
            "submitted_segments": 0,
        },
        {
            "hour": datetime(2026, 11, 2, 16, tzinfo=UTC),
            "day": "2026-11-03",
            "account": "A",
            "dept_code": "D",
            "source_system": "HIS",
            "channel": "cm",
            "operator": "mobile",
            "status": 3,
            "intake": "soap",
            "template_code": "-",
            "messages": 2,
            "segments": 4,
            "submitted": 2,
            "submitted_segments": 4,
        },
    ]
    assert counted.owners[0] == {"id": 1, "account": "A", "dept_code": "D"}
    days = {
        (d["day"], d["dim_name"], d["dim_value"], d["status"]): d["messages"] for d in counted.days
    }
    assert days[("2026-11-03", "none", "-", 3)] == 2
    assert days[("2026-11-03", "operator", "mobile", 3)] == 2
    assert days[("2026-11-02", "intake", "soap", 6)] == 1
    assert len(days) == 2 * 8  # two (day, status) pairs, each under the eight dimensions


def test_an_account_comes_from_the_row_then_the_profile_then_the_default() -> None:
    profiles = Profiles({"LIS": SourceProfile(account="LAB", dept_code="D_LAB")})
    owners = Owners(profiles, {"ER": Account(account="ER", dept_code="D_ER")}, "HOSPITAL")
    assert owners.of("LIS", "ER", None) == ("ER", "D_LAB")  # the profile's department first
    assert owners.of("HIS", "ER", None) == ("ER", "D_ER")
    assert owners.of("LIS", None, "X") == ("LAB", "X")
    assert owners.of("HIS", None, None) == ("HOSPITAL", None)


def test_accounts_refuse_unknown_operators_and_negative_prices() -> None:
    with pytest.raises(pydantic.ValidationError, match="unknown operators"):
        Account(account="A", prices={"cmcc": Decimal("0.04")})
    with pytest.raises(pydantic.ValidationError):
        Account(account="A", price=Decimal("-1"))
    with pytest.raises(pydantic.ValidationError):
        Account(account="has space")
    account = Account(account="A", price=Decimal("0.05"), prices={"unicom": Decimal("0.04")})
    assert Account.of_row(account.row()) == account
    assert (account.price_of("unicom"), account.price_of("mobile")) == (
        Decimal("0.04"),
        Decimal("0.05"),
    )


def test_periods_start_on_mondays_and_first_days_and_end_at_local_midnight() -> None:
    day = date(2026, 11, 4)  # a Wednesday
    assert periods.start_of(day, "week") == date(2026, 11, 2)
    assert periods.start_of(day, "month") == date(2026, 11, 1)
    assert periods.label(date(2026, 11, 2), "week") == "2026-W45 (2026-11-02)"
    assert periods.next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    since, until = periods.utc_bounds(date(2026, 11, 1), date(2026, 12, 1), ZONE)
    assert (since, until) == (
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
