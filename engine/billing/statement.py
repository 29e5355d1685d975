"""Consumption detail (消费明细) and the reconciliation statement (对账单). Pure: over rows
the store reads.

Billed segments are the lower of two counts: the engine's written-back successes (the
segments of messages it wrote DELIVERED) and the carrier's (parts its delivery reports
said DELIVRD). The detail bills the rollup's delivered segments; the statement puts both
counts side by side per operator and lists every message on which they differ.

Where the provider splits the text itself (HTTP carriers: Aliyun, Tencent, the gateway), a
message is one part row whose ``total`` is the parts the provider billed, and the engine
writes that count into ``sms_outbox.segments`` when the message is final (``roll_up``,
``expire_reports``): the rollup and both counts here bill it. On CMPP, SGIP, SMGP and SMPP
each part is a row, counted one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hisms.carrier.wire.numbers import mask
from hisms.engine.billing.accounts import Account
from hisms.engine.reports import periods
from hisms.engine.reports.periods import Period
from hisms.engine.reports.rollup import operator_of
from hisms.engine.reports.tables import Column
from hisms.engine.status import Status

Row = dict[str, Any]

DETAIL_COLUMNS = (
    Column("period", "Period 时段", "text"),
    Column("account", "Account 子账户", "text"),
    Column("dept_code", "Department 科室", "text"),
    Column("submitted", "Submitted segments 提交条数"),
    Column("delivered", "Delivered 成功条数"),
    Column("failed", "Failed 失败条数"),
    Column("unknown", "Unknown 未知条数"),
    Column("billed", "Billed segments 计费条数"),
    Column("amount", "Amount 金额", "money"),
)
STATEMENT_COLUMNS = (
    Column("operator", "Operator 运营商", "text"),
    Column("engine", "Engine successes 平台回写成功"),
    Column("accepted", "Carrier accepted 运营商提交成功"),
    Column("carrier", "Carrier successes 运营商状态报告成功"),
    Column("billed", "Billed 计费条数"),
    Column("price", "Price 单价", "money"),
    Column("amount", "Amount 金额", "money"),
)
DIFFERENCE_COLUMNS = (
    Column("id", "Message id 消息号"),
    Column("phone", "Phone 号码", "text"),
    Column("channel", "Channel 通道", "text"),
    Column("status", "Engine status 平台状态", "text"),
    Column("segments", "Segments 条数"),
    Column("engine", "Engine successes 平台成功"),
    Column("accepted", "Carrier accepted 运营商提交成功"),
    Column("carrier", "Carrier successes 运营商成功"),
)


def detail(
    account: Account, day_rows: Iterable[Row], period: Period, dept: str | None = None
) -> list[list[Any]]:
    """Rows of one account from its rollup per day, operator and status (``dim`` is the
    operator): segments submitted, delivered, failed, unknown, billed and the amount."""
    sums: dict[date, Row] = defaultdict(lambda: defaultdict(Decimal))
    for r in day_rows:
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        total = sums[periods.start_of(day, period)]
        status, segments = int(r["status"]), int(r["segments"])
        total["submitted"] += int(r["submitted_segments"])
        name = {Status.DELIVERED: "delivered", Status.FAILED: "failed", Status.UNKNOWN: "unknown"}
        if status in name:
            total[name[Status(status)]] += segments
        if status == Status.DELIVERED:
            total["amount"] += segments * account.price_of(str(r["dim"]))
    return [
        [
            periods.label(start, period),
            account.account,
            dept or account.dept_code or "",
            *(int(t[k]) for k in ("submitted", "delivered", "failed", "unknown", "delivered")),
            t["amount"],
        ]
        for start, t in sorted(sums.items())
    ]


@dataclass(slots=True)
class Statement:
    account: Account
    by_operator: dict[str, Row] = field(default_factory=dict)
    differences: list[list[Any]] = field(default_factory=list)

    def rows(self) -> list[list[Any]]:
        out = []
        for operator, t in sorted(self.by_operator.items()):
            price = self.account.price_of(operator)
            billed = min(t["engine"], t["carrier"])
            out.append(
                [operator, t["engine"], t["accepted"], t["carrier"], billed, price, billed * price]
            )
        return out

    def totals(self) -> list[Any]:
        rows = self.rows()
        sums = [sum(r[i] for r in rows) for i in range(1, 5)]
        return ["Total 合计", *sums, None, sum((r[6] for r in rows), Decimal(0))]


def statement(account: Account, rows: Iterable[Row]) -> Statement:
    """The reconciliation of one account's submitted messages (``statement_rows``)."""
    out = Statement(account)
    for r in rows:
        segments = int(r["segments"] or 0)
        engine = segments if int(r["status"]) == Status.DELIVERED else 0
        each = parts_of_a_row(r)
        accepted, carrier = int(r["accepted"] or 0) * each, int(r["delivered"] or 0) * each
        t = out.by_operator.setdefault(
            operator_of(r["phone"]), {"engine": 0, "accepted": 0, "carrier": 0}
        )
        t["engine"] += engine
        t["accepted"] += accepted
        t["carrier"] += carrier
        if engine != carrier:
            status = Status(int(r["status"])).name
            phone = mask(r["phone"] or "")
            out.differences.append(
                [int(r["id"]), phone, r["channel"], status, segments, engine, accepted, carrier]
            )
    return out


def parts_of_a_row(row: Row) -> int:
    """The parts each of a message's part rows stands for: a message submitted as one row
    (``parts``) counts its ``total``, what the provider billed where it split the text
    itself (1 for a one-part CMPP message); several rows, one part each."""
    parts, billed = int(row.get("parts") or 0), int(row.get("billed") or 0)
    return billed if parts == 1 and billed > 1 else 1


def month_bounds(month: str) -> tuple[date, date]:
    """``2026-11`` as local days [first, first of the next month)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"{month!r} is not a month (YYYY-MM)") from None
    return first, periods.next_month(first)


def accounts_by_name(rows: Iterable[Row]) -> Mapping[str, Account]:
    return {r["account"]: Account.of_row(r) for r in rows}
