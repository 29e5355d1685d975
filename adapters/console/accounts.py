"""账户与配额: every billing account (子账户) with its prices, quotas and today's and this
month's usage, as ``hisms account list`` and ``hisms account usage`` show them; created,
changed and deleted as ``hisms account set|delete`` do (the store's audited operations).
Administrators edit, the others read; a department user sees its department's accounts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.scope import Scope
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, page, who
from hisms.engine.billing.accounts import Account
from hisms.engine.numbering import OPERATORS

FIELDS = {
    "account": "账户编号", "name": "名称", "dept_code": "科室", "signature": "签名",
    "price": "单价", "prices": "运营商单价", "daily_quota": "日配额", "monthly_quota": "月配额",
    "over_quota": "超额处理", "enabled": "状态",
}  # fmt: skip
OPERATOR_NAMES = {"mobile": "移动", "unicom": "联通", "telecom": "电信", "broadnet": "广电",
                  "unknown": "未知"}  # fmt: skip
OVER_QUOTA = {"HOLD": "暂缓发送", "REJECT": "拒发"}
SIGNATURE_MAX = 16  # characters between 【】: what operators register


class Invalid(ValueError):
    """A field of the form is wrong; the message names it, in Chinese."""


@page("read")
async def listing(console: Console, request: Request, user: User) -> Response:
    edit = request.query_params.get("edit")
    data = await console.db(_data, console, user)
    chosen = next((a for a in data["accounts"] if a.account == edit), None)
    values = _values(chosen) if chosen else {"over_quota": "HOLD", "enabled": "1"}
    if chosen:
        values["signature"] = data["signatures"].get(chosen.account, "")
    return console.render(request, "accounts.html", user=user, values=values, **data)


@page("accounts")
async def save(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    try:
        account = read(form)
        signature = read_signature(form)
    except Invalid as exc:
        data = await console.db(_data, console, user)
        return console.render(request, "accounts.html", 400, user=user, error=str(exc),
                              values=dict(form), **data)  # fmt: skip
    await console.db(_put, console, account, signature, request, user)
    return console.redirect("/accounts")


@page("accounts")
async def delete(console: Console, request: Request, user: User) -> Response:
    name = str(request.path_params["key"])
    await console.db(console.store.delete_policy, "account", name, who(request, user))
    await console.db(console.store.delete_policy, "account_signature", name, who(request, user))
    return console.redirect("/accounts")


def _put(console: Console, account: Account, signature: str, request: Request, user: User) -> None:
    """As ``hisms account set``: saved (and audited) unless it holds these values already;
    the account's signature (sms_account_signature) beside it, removed when left empty."""
    row = console.store.policy_row("account", account.account)
    if row is None or Account.of_row(row) != account:
        console.store.put_policy("account", account.row(), who(request, user))
    if signature:
        signed = {"account": account.account, "signature": signature}
        console.store.put_policy("account_signature", signed, who(request, user))
    else:
        console.store.delete_policy("account_signature", account.account, who(request, user))


def read_signature(form: FormData) -> str:
    """The account's own signature, without 【】 (added to its texts that carry none)."""
    signature = str(form.get("signature") or "").strip().strip("【】").strip()
    if len(signature) > SIGNATURE_MAX:
        raise Invalid(f"{FIELDS['signature']}：最多 {SIGNATURE_MAX} 个字符（不含【】）")
    if any(c in signature for c in "【】"):
        raise Invalid(f"{FIELDS['signature']}：不能含【或】")
    return signature


def read(form: FormData) -> Account:
    """The form as an account, or Invalid naming the wrong field."""

    def text(key: str) -> str:
        return str(form.get(key) or "").strip()

    prices = {op: _price(text(f"price_{op}"), f"{OPERATOR_NAMES[op]}单价")
              for op in OPERATORS if text(f"price_{op}")}  # fmt: skip
    values: dict[str, Any] = {
        "account": text("account"),
        "name": text("name") or None,
        "dept_code": text("dept_code") or None,
        "price": _price(text("price") or "0", FIELDS["price"]),
        "prices": prices,
        "daily_quota": _quota(text("daily_quota"), FIELDS["daily_quota"]),
        "monthly_quota": _quota(text("monthly_quota"), FIELDS["monthly_quota"]),
        "over_quota": text("over_quota") or "HOLD",
        "enabled": form.get("enabled") == "1",
    }
    try:
        return Account(**values)
    except pydantic.ValidationError as exc:
        raise Invalid(_problem(exc)) from None


def _price(value: str, field: str) -> Decimal:
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"{field}“{value[:20]}”不是数字（单位：元，如 0.05）") from None
    if not price.is_finite() or price < 0:
        raise Invalid(f"{field}不能为负数")
    return price


def _quota(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise Invalid(f"{field}应为不小于 0 的整数（条），留空为不限")
    return int(value)


def _problem(exc: pydantic.ValidationError) -> str:
    """The first error, in Chinese, naming its field."""
    error = exc.errors()[0]
    field = FIELDS.get(str(error["loc"][0]) if error["loc"] else "", "账户")
    kind, ctx = error["type"], error.get("ctx") or {}
    why = {
        "string_too_short": "必填",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字符",
        "string_pattern_mismatch": "不能含空格",
        "decimal_max_places": f"最多 {ctx.get('decimal_places')} 位小数",
        "decimal_max_digits": "数值过大",
        "literal_error": "只能选暂缓或拒发",
    }.get(kind, error["msg"])
    return f"{field}：{why}"


def _data(console: Console, user: User) -> dict[str, Any]:
    scope = Scope.of(console.store, user)
    today = datetime.now(ZoneInfo(console.zone)).date()
    first = today.replace(day=1)
    used: dict[tuple[str, str], int] = {}
    for r in console.store.usage(first):  # today's (D) and this month's (M) counters
        if (r["period"], _day(r["starts"])) in (("D", today), ("M", first)):
            used[(r["account"], r["period"])] = int(r["segments"])
    signatures = {r["account"]: r["signature"] for r in console.store.load_policy().signatures}
    return {
        "accounts": list(scope.accounts),
        "signatures": signatures,
        "used": used,
        "operators": OPERATOR_NAMES,
        "over_quota_names": OVER_QUOTA,
        "today": today,
    }


def _day(value: Any) -> date:
    """A DATE column as a date (SQLite answers text, Oracle a datetime)."""
    return date.fromisoformat(str(value)[:10])


def _values(a: Account) -> dict[str, Any]:
    """An account as the form's values (to change it)."""
    values: dict[str, Any] = {
        "account": a.account, "name": a.name or "", "dept_code": a.dept_code or "",
        "price": str(a.price), "daily_quota": a.daily_quota, "monthly_quota": a.monthly_quota,
        "over_quota": a.over_quota, "enabled": "1" if a.enabled else "0",
    }  # fmt: skip
    values.update({f"price_{op}": str(p) for op, p in a.prices.items()})
    return values


ROUTES = [
    ("/accounts", listing, ["GET"]),
    ("/accounts", save, ["POST"]),
    ("/accounts/{key}/delete", delete, ["POST"]),
]
