"""The console's pure logic for issue 19's send preview, resend and day chart: the cost of a
send and its quotas, the channels a failed message may be resent through, the day's series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hisms.adapters.console.cost import estimate, yuan
from hisms.adapters.console.daychart import series
from hisms.adapters.console.resending import channel_choices
from hisms.engine.billing.accounts import Account
from hisms.engine.status import Status

MOBILE, UNICOM, TELECOM = "13800138000", "13012345678", "18912345678"
TODAY = date(2026, 11, 30)


def test_the_cost_is_each_number_s_segments_at_its_operator_s_price() -> None:
    account = Account(account="ward", price=Decimal("0.05"),
                      prices={"unicom": Decimal("0.04")})  # fmt: skip
    cost = estimate([MOBILE, UNICOM, TELECOM, "13900139000"], 2, "ward", account, [], TODAY)
    assert (cost.messages, cost.parts, cost.segments) == (4, 2, 8)
    lines = {line.operator: (line.numbers, line.segments, line.amount) for line in cost.lines}
    assert lines == {"mobile": (2, 4, Decimal("0.20")), "unicom": (1, 2, Decimal("0.08")),
                     "telecom": (1, 2, Decimal("0.10"))}  # fmt: skip
    assert [line.operator for line in cost.lines] == ["mobile", "unicom", "telecom"]
    assert cost.amount == Decimal("0.38") and cost.per_operator
    assert ("联通", Decimal("0.04")) in cost.prices


def test_no_account_or_an_unknown_one_costs_nothing_and_has_no_quota() -> None:
    for name in (None, "ghost"):
        cost = estimate([MOBILE], 1, name, None, [], TODAY)
        assert cost.amount == 0 and cost.quotas == () and not cost.per_operator
        assert cost.account == name


def test_quotas_compare_what_is_used_today_and_this_month_with_what_the_send_charges() -> None:
    account = Account(account="ward", daily_quota=10, monthly_quota=100, over_quota="REJECT")
    usage = [
        {"account": "ward", "period": "D", "starts": "2026-11-30", "segments": 7},
        {"account": "ward", "period": "D", "starts": "2026-11-29", "segments": 50},  # yesterday
        {"account": "ward", "period": "M", "starts": date(2026, 11, 1), "segments": 90},
        {"account": "other", "period": "D", "starts": "2026-11-30", "segments": 1},
    ]
    cost = estimate([MOBILE, UNICOM], 2, "ward", account, usage, TODAY)
    day, month = cost.quotas
    assert (day.name, day.used, day.left, day.wanted, day.fits) == ("今日", 7, 3, 4, False)
    assert (month.name, month.used, month.left, month.fits) == ("本月", 90, 10, True)
    assert cost.over == (day,)
    fits = estimate([MOBILE], 2, "ward", account, usage, TODAY)
    assert fits.over == ()


def test_amounts_read_in_yuan_with_the_decimals_a_price_needs() -> None:
    assert yuan(Decimal("0.045")) == "0.045"
    assert yuan(Decimal("12345.5")) == "12,345.50"
    assert yuan(Decimal(0)) == "0.00"


def test_a_failed_message_may_go_through_any_reported_channel_not_shut_but_the_failed_one() -> None:
    states = [
        {"channel": "cmcc", "worker": "a", "state": "DOWN"},
        {"channel": "cmcc", "worker": "b", "state": "UP"},
        {"channel": "ctcc", "worker": "a", "state": "DEGRADED"},
        {"channel": "cucc", "worker": "a", "state": "UP"},
        {"channel": "old", "worker": "a", "state": "DISABLED"},
        {"channel": "slow", "worker": "a", "state": "UP"},
    ]
    modes = [{"channel": "cucc", "admin_mode": "DISABLED"},
             {"channel": "slow", "admin_mode": "DRAINING"}]  # fmt: skip
    choices = channel_choices(states, modes, "ctcc")
    assert [(c.channel, c.label) for c in choices] == [("cmcc", "cmcc（正常）")]
    assert [c.channel for c in channel_choices(states, [], None)] == [
        "cmcc",
        "ctcc",
        "cucc",
        "slow",
    ]


def test_the_day_series_has_the_last_24_hours_the_current_one_last_by_kind() -> None:
    now = datetime(2026, 11, 30, 6, 40, tzinfo=UTC)
    hour = datetime(2026, 11, 30, 6, tzinfo=UTC)
    rows = [
        {"hour": hour, "status": Status.DELIVERED, "messages": 5},
        {"hour": hour.replace(tzinfo=None), "status": Status.DELIVERED, "messages": 2},  # naive
        {"hour": "2026-11-30 05:00:00", "status": Status.FAILED, "messages": 3},  # SQLite text
        {"hour": hour - timedelta(hours=23), "status": Status.EXPIRED, "messages": 1},
        {"hour": hour - timedelta(hours=23), "status": Status.UNKNOWN, "messages": 1},
        {"hour": hour - timedelta(hours=24), "status": Status.DELIVERED, "messages": 99},  # gone
    ]
    times, delivered, failed, other = series(rows, now)
    assert len(times) == 24 and times[-1] == int(hour.timestamp())
    assert times[0] == int((hour - timedelta(hours=23)).timestamp())
    assert delivered[-1] == 7 and failed[-2] == 3 and other[0] == 2
    assert sum(delivered) == 7 and sum(failed) == 3 and sum(other) == 2
