"""统计报表 and 账单: the five reports of ``hisms report`` per day, week or month, and the
consumption detail and statement of ``hisms bill``, as tables and as the same Excel
workbooks the CLI writes (engine/reports/sheets.py, export.py). They read the rollup; the
statement reads one account's month, as the CLI does. A department user's are its
department's (docs/console.md); asking for another department's account is a 403. Every
download is audited as the CLI's exports are."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.accounts import OPERATOR_NAMES
from hisms.adapters.console.messages import XLSX
from hisms.adapters.console.scope import Scope
from hisms.adapters.console.users import User
from hisms.adapters.console.web import STATUS_NAMES, Console, Forbidden, page, who
from hisms.engine.reports import export, sheets, tables
from hisms.engine.reports.periods import Period
from hisms.engine.reports.tables import Column
from hisms.engine.status import Status

KIND_NAMES = {"user": "用户发送统计", "business": "业务发送统计", "mo": "业务接收统计（上行）",
              "interface": "接口统计", "summary": "汇总报表"}  # fmt: skip
PERIOD_NAMES = {"day": "日", "week": "周", "month": "月"}
BY_NAMES = {"account": "子账户", "dept": "科室", "source": "业务系统", "channel": "通道",
            "operator": "运营商", "template": "模板"}  # fmt: skip


class Invalid(ValueError):
    """A wrong field of the report form; the message names it."""


@dataclass(frozen=True, slots=True)
class Query:
    """The report form, checked; ``ask`` is what the report engine is asked."""

    ask: tables.Ask
    first: date  # the local days asked, both included (the form's 起始日期, 截止日期)
    last: date


def _text(request: Request, key: str) -> str:
    return (request.query_params.get(key) or "").strip()


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field}“{value[:20]}”应为日期，如 2026-11-01") from None


def _scoped(scope: Scope, account: str | None, dept: str | None) -> tuple[str | None, str | None]:
    """The account and department asked, within the user's scope (another's: 403)."""
    if account and not scope.sees_account(account):
        raise Forbidden(f"account {account}")
    return account, scope.dept or dept


def read_query(request: Request, scope: Scope, today: date) -> Query:
    kind = _text(request, "kind") or "user"
    period = _text(request, "period") or "day"
    by = _text(request, "by") or None
    if kind not in KIND_NAMES:
        raise Invalid(f"报表类型“{kind[:20]}”不存在")
    if period not in PERIOD_NAMES:
        raise Invalid("统计周期只能是日、周或月")
    if by is not None and (by not in BY_NAMES or (kind == "mo" and by not in tables.MO_BY)):
        allowed = tables.MO_BY if kind == "mo" else tuple(BY_NAMES)
        raise Invalid(f"分组方式：该报表只能按{'、'.join(BY_NAMES[b] for b in allowed)}分组")
    first = _date(_text(request, "from") or today.replace(day=1).isoformat(), "起始日期")
    last = _date(_text(request, "to") or today.isoformat(), "截止日期")
    if last < first:
        raise Invalid("截止日期早于起始日期")
    if (last - first).days > 400:
        raise Invalid("起始日期到截止日期最多 400 天")
    account, dept = _scoped(
        scope, _text(request, "account") or None, _text(request, "dept") or None
    )
    ask = tables.Ask(kind, _period(period), first, last + timedelta(days=1), by, account, dept)
    return Query(ask, first, last)


def _period(value: str) -> Period:
    return "week" if value == "week" else "month" if value == "month" else "day"


@page("read")
async def report(console: Console, request: Request, user: User) -> Response:
    scope, today = await console.db(Scope.of, console.store, user), _today(console)
    try:
        query = read_query(request, scope, today)
    except Invalid as exc:
        return console.render(request, "reports.html", 400, user=user, error=str(exc),
                              q=request.query_params, **_choices(scope))  # fmt: skip
    sheet = await console.db(_report, console, query.ask)
    link = urlencode(request.query_params)
    return console.render(request, "reports.html", user=user, sheets=[sheet], query=query,
                          q=request.query_params, link=link, **_choices(scope))  # fmt: skip


@page("read")
async def report_xlsx(console: Console, request: Request, user: User) -> Response:
    scope, today = await console.db(Scope.of, console.store, user), _today(console)
    try:
        query = read_query(request, scope, today)
    except Invalid as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    sheet = await console.db(_report, console, query.ask)
    return await _download(console, request, user, [sheet], ("report", query.ask.kind),
                           f"report-{query.ask.kind}-{query.first}-{query.last}.xlsx")  # fmt: skip


def _report(console: Console, ask: tables.Ask) -> export.Sheet:
    zone = ZoneInfo(console.zone)
    sheet = sheets.report(
        console.store, ask, zone, sheets.owners(console.settings, console.store).of
    )
    sheet.rows = list(sheet.rows)  # shown and written: read more than once
    return sheet


@dataclass(frozen=True, slots=True)
class BillQuery:
    account: str | None  # None: every account in the scope
    month: str
    period: Period


def read_bill(request: Request, scope: Scope, today: date) -> BillQuery:
    month = _text(request, "month") or today.strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise Invalid(f"月份“{month[:20]}”应写作 2026-11")
    period = _text(request, "period") or "day"
    if period not in PERIOD_NAMES:
        raise Invalid("统计周期只能是日、周或月")
    account, _ = _scoped(scope, _text(request, "account") or None, None)
    return BillQuery(account, month, _period(period))


@page("read")
async def bills(console: Console, request: Request, user: User) -> Response:
    scope, today = await console.db(Scope.of, console.store, user), _today(console)
    try:
        query = read_bill(request, scope, today)
    except Invalid as exc:
        return console.render(request, "bills.html", 400, user=user, error=str(exc),
                              q=request.query_params, months=months(today),
                              **_choices(scope))  # fmt: skip
    detail = await console.db(_detail, console, scope, query)
    found = await console.db(_statement, console, query) if query.account else []
    link = urlencode({"account": query.account or "", "month": query.month,
                      "period": query.period})  # fmt: skip
    return console.render(request, "bills.html", user=user, detail=detail, statement=found,
                          query=query, q=request.query_params, link=link,
                          months=months(today), **_choices(scope))  # fmt: skip


@page("read")
async def bill_xlsx(console: Console, request: Request, user: User) -> Response:
    scope, today = await console.db(Scope.of, console.store, user), _today(console)
    which = str(request.path_params["which"])
    if which not in ("detail", "statement"):
        return Response("404", status_code=404)
    try:
        query = read_bill(request, scope, today)
        if which == "statement" and not query.account:
            raise Invalid("对账单须选择账户")
    except Invalid as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    if which == "statement":
        found = await console.db(_statement, console, query)
    else:
        found = [await console.db(_detail, console, scope, query)]
    name = f"bill-{which}-{query.account or 'all'}-{query.month}.xlsx"
    return await _download(console, request, user, found, ("bill", which), name)


def _detail(console: Console, scope: Scope, query: BillQuery) -> export.Sheet:
    first = date.fromisoformat(f"{query.month}-01")
    after = (first + timedelta(days=32)).replace(day=1)
    names = [query.account] if query.account else None
    if names is None and scope.dept is not None:
        names = sorted(scope.names)
    sheet = sheets.detail(console.store, first, after, query.period, names)
    sheet.rows = list(sheet.rows)
    return sheet


def _statement(console: Console, query: BillQuery) -> list[export.Sheet]:
    assert query.account is not None
    found = sheets.statement(console.store, query.account, query.month, ZoneInfo(console.zone))
    for sheet in found:
        sheet.rows = list(sheet.rows)
    return found


async def _download(
    console: Console,
    request: Request,
    user: User,
    found: Sequence[export.Sheet],
    audited: tuple[str, str],
    name: str,
) -> Response:
    """The workbook ``hisms report``/``hisms bill --xlsx`` writes, audited as an export."""
    body = await console.db(_xlsx, found)
    shown = {k: v for k, v in request.query_params.items() if v}
    await console.db(console.store.audit, who(request, user), "export", audited[0], audited[1],
                     None, shown)  # fmt: skip
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _xlsx(found: Sequence[export.Sheet]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        export.to_xlsx(path, found)
        return path.read_bytes()


def _today(console: Console) -> date:
    return datetime.now(ZoneInfo(console.zone)).date()


def _choices(scope: Scope) -> dict[str, Any]:
    return {"kinds": KIND_NAMES, "periods": PERIOD_NAMES, "bys": BY_NAMES,
            "accounts": scope.accounts, "scope": scope}  # fmt: skip


def zh(header: str) -> str:
    """The Chinese half of a bilingual heading ('Success rate 成功率' -> '成功率')."""
    found = re.search(r"[^\x00-\x7f].*$", header)
    return found[0] if found else header


def cell(value: Any, column: Column) -> str:
    """A report value as the page shows it (the workbook keeps the numbers and codes)."""
    if value is None or value == "":
        return ""
    if column.name == "operator":
        return OPERATOR_NAMES.get(str(value), str(value))
    if column.name == "status" and str(value) in Status.__members__:
        return STATUS_NAMES[Status[str(value)]]
    if column.kind == "percent":
        return f"{float(value):.2%}"
    if column.kind == "money":
        return f"{float(value):,.2f}"
    if column.kind == "int":
        return f"{int(value):,}"
    return str(value)


def months(today: date, count: int = 24) -> list[str]:
    """This month and the ones before it, newest first (the bills page's choice)."""
    first, out = today.replace(day=1), []
    for _ in range(count):
        out.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return out


ROUTES = [
    ("/reports", report, ["GET"]),
    ("/reports.xlsx", report_xlsx, ["GET"]),
    ("/bills", bills, ["GET"]),
    ("/bills/{which:str}.xlsx", bill_xlsx, ["GET"]),
]
