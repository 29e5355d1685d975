"""The five reports of the tenders as tables: rows per period and one dimension, with the
rollup's counts (plus messages still in flight) or the replies received.

=========== ============================= ==============
kind        what                          grouped by
=========== ============================= ==============
user        user sending (用户发送统计)     account
business    business sending (业务发送统计) source system
mo          business receiving (业务接收)   source system
interface   interface (接口统计)            intake path
summary     summary (汇总)                  period only
=========== ============================= ==============

``--by`` groups by another dimension (account, dept, source, channel, operator, template).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hisms.engine.reports import periods
from hisms.engine.reports.periods import Period
from hisms.engine.reports.rollup import BY_COLUMN, Owner, count, local_day
from hisms.engine.status import Status
from hisms.engine.store.accountstore import AccountStore

Row = dict[str, Any]

KINDS = {
    "user": ("User sending 用户发送统计", "account"),
    "business": ("Business sending 业务发送统计", "source"),
    "mo": ("Business receiving (MO) 业务接收统计", "source"),
    "interface": ("Interface 接口统计", "intake"),
    "summary": ("Summary 汇总", "none"),
}
BY = ("account", "dept", "source", "channel", "operator", "template")
# sms_rollup's column of each --by value
COLUMN = {k: v for k, v in BY_COLUMN.items() if v is not None}
MO_BY = ("source", "channel")
STATUS_COLUMNS = {
    Status.DELIVERED: "delivered",
    Status.FAILED: "failed",
    Status.UNKNOWN: "unknown",
    Status.REJECTED: "rejected",
    Status.EXPIRED: "expired",
    Status.CANCELLED: "cancelled",
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    header: str
    kind: str = "int"  # int, text, percent, money


MT_COLUMNS = (
    Column("messages", "Messages 条数"),
    Column("segments", "Segments 计费条数"),
    Column("submitted", "Submitted 已提交"),
    Column("delivered", "Delivered 成功"),
    Column("failed", "Failed 失败"),
    Column("unknown", "Unknown 未知"),
    Column("rejected", "Rejected 拒绝"),
    Column("expired", "Expired 过期"),
    Column("cancelled", "Cancelled 取消"),
    Column("in_flight", "In flight 处理中"),
    Column("success_rate", "Success rate 成功率", "percent"),
)
MO_COLUMNS = (Column("messages", "Replies 上行条数"),)


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[Column, ...]  # the period and the dimension come first
    rows: list[list[Any]]
    chart: bool = False  # the summary sheet has a chart


@dataclass(frozen=True, slots=True)
class Ask:
    kind: str
    period: Period
    since: date  # local days [since, until)
    until: date
    by: str | None = None  # None: the kind's own
    account: str | None = None
    dept: str | None = None  # one department's: its dept_code or one of its accounts


def build(store: AccountStore, ask: Ask, zone: ZoneInfo, owner: Owner) -> Table:
    title, default_by = KINDS[ask.kind]
    by = ask.by or default_by
    if ask.kind == "mo":
        if by not in MO_BY:
            raise ValueError(f"replies are counted by {' or '.join(MO_BY)}, not by {by}")
        return _mo_table(store, ask, zone, title, by)
    sums: dict[tuple[date, str], Row] = defaultdict(_zero)
    for r in store.report_days(ask.since, ask.until, by, ask.account, ask.dept):
        _add(sums, ask.period, _day(r["day"]), str(r["dim"]), int(r["status"]), r)
    since, until = periods.utc_bounds(ask.since, ask.until, zone)
    flying = count(store.inflight(since, until), zone, owner).rows
    theirs = _dept_accounts(store, ask.dept)
    for r in flying:
        if ask.account not in (None, r["account"]):
            continue
        if theirs is None or r["dept_code"] == ask.dept or r["account"] in theirs:
            dim = r[COLUMN[by]] if by in COLUMN else "-"
            _add(sums, ask.period, date.fromisoformat(r["day"]), dim, int(r["status"]), r)
    header = (Column("period", "Period 时段", "text"), Column("dim", _dim_header(by), "text"))
    rows = [
        [periods.label(start, ask.period), dim, *_measures(v)]
        for (start, dim), v in sorted(sums.items())
    ]
    return Table(title, header + MT_COLUMNS, rows, chart=ask.kind == "summary")


def _dept_accounts(store: AccountStore, dept: str | None) -> set[str] | None:
    """The accounts of ``dept`` (None: no department asked)."""
    if dept is None:
        return None
    return {r["account"] for r in store.accounts() if r["dept_code"] == dept}


def _mo_table(store: AccountStore, ask: Ask, zone: ZoneInfo, title: str, by: str) -> Table:
    since, until = periods.utc_bounds(ask.since, ask.until, zone)
    sums: dict[tuple[date, str], int] = defaultdict(int)
    for r in store.mo_hours(since, until, ask.account, ask.dept):
        start = periods.start_of(local_day(r["hour"], zone), ask.period)
        sums[(start, str(r[COLUMN[by]]))] += int(r["messages"])
    header = (Column("period", "Period 时段", "text"), Column("dim", _dim_header(by), "text"))
    rows = [[periods.label(s, ask.period), d, n] for (s, d), n in sorted(sums.items())]
    return Table(title, header + MO_COLUMNS, rows)


def _zero() -> Row:
    return defaultdict(int)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _add(
    sums: dict[tuple[date, str], Row], period: Period, day: date, dim: str, status: int, r: Row
) -> None:
    total = sums[(periods.start_of(day, period), dim)]
    messages = int(r["messages"])
    total["messages"] += messages
    total["segments"] += int(r["segments"])
    total["submitted"] += int(r["submitted"])
    total[STATUS_COLUMNS.get(Status(status), "in_flight")] += messages


def _measures(total: Row) -> list[Any]:
    values = [total[c.name] for c in MT_COLUMNS[:-1]]
    rate = Decimal(total["delivered"]) / total["submitted"] if total["submitted"] else None
    return [*values, rate]


def _dim_header(by: str) -> str:
    return {
        "account": "Account 子账户",
        "dept": "Department 科室",
        "source": "Source system 业务系统",
        "channel": "Channel 通道",
        "operator": "Operator 运营商",
        "template": "Template 模板",
        "intake": "Intake 接口",
    }.get(by, "All 全部")


def totals(table: Table) -> list[Any]:
    """The table's total row (sums; the success rate over the sums)."""
    names = [c.name for c in table.columns]
    sums: list[Any] = ["Total 合计", ""]
    for i, column in enumerate(table.columns[2:], start=2):
        sums.append(sum(r[i] for r in table.rows) if column.kind == "int" else None)
    if "success_rate" in names:
        sub, ok = sums[names.index("submitted")], sums[names.index("delivered")]
        sums[names.index("success_rate")] = Decimal(ok) / sub if sub else None
    return sums
