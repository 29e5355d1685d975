"""``hisms report KIND``, ``hisms report rebuild``, ``hisms bill detail|statement`` and
``hisms account ...``: the tenders' reports, billing and the accounts they bill
(docs/reports.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pydantic

from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.policycli import opened, operator
from hisms.engine.reports import export, sheets, tables
from hisms.engine.store.base import Store

DAY = click.DateTime(["%Y-%m-%d"])


def owners(obj: Any, store: Store) -> Owners:
    """Who messages count under (the profiles, the accounts, the default account)."""
    return sheets.owners(obj.settings, store)


def _output(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path))(func)
    return click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path))(
        func
    )


def _write(sheets: Sequence[export.Sheet], xlsx_path: Path | None, csv_path: Path | None) -> None:
    if xlsx_path and csv_path:
        raise click.UsageError("give --xlsx or --csv, not both")
    if xlsx_path:
        export.to_xlsx(xlsx_path, sheets)
        click.echo(f"wrote {xlsx_path}")
    elif csv_path:
        export.to_csv(csv_path, sheets)
        click.echo(f"wrote {csv_path}")
    else:
        export.echo(sheets)


def _days(start: Any, end: Any) -> tuple[date, date]:
    """--from and --to (inclusive) as local days [since, until)."""
    since, last = start.date(), end.date()
    if last < since:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    return since, last + timedelta(days=1)


@click.group()
def report() -> None:
    """The tenders' five reports from the rollup (user, business, mo, interface, summary),
    and its rebuild."""


def _kind(kind: str) -> None:
    title = tables.KINDS[kind][0]

    @report.command(kind, help=f"{title}, per period.")
    @click.option("--period", type=click.Choice(["day", "week", "month"]), default="day")
    @click.option("--from", "start", type=DAY, required=True, help="First local day.")
    @click.option("--to", "end", type=DAY, required=True, help="Last local day (inclusive).")
    @click.option("--by", type=click.Choice(tables.BY), help="Group by (default: the kind's).")
    @click.option("--account", help="Only this account's messages.")
    @click.option("--dept", help="Only this department's (its code or one of its accounts).")
    @_output
    @click.pass_obj
    def command(obj: Any, /, **given: Any) -> None:
        since, until = _days(given["start"], given["end"])
        ask = tables.Ask(kind, given["period"], since, until, given["by"], given["account"],
                         given["dept"])  # fmt: skip
        zone = ZoneInfo(obj.settings.timezone)
        with opened(obj) as store:
            try:
                sheet = sheets.report(store, ask, zone, owners(obj, store).of)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--by") from None
            _audit(store, given, "report", kind)
        _write([sheet], given["xlsx_path"], given["csv_path"])


for _name in tables.KINDS:
    _kind(_name)


@report.command("rebuild")
@click.option("--batch", default=20000, show_default=True, type=click.IntRange(1, 50000))
@click.pass_obj
def rebuild(obj: Any, batch: int) -> None:
    """Recompute sms_rollup from sms_outbox (running engines may stay up)."""
    zone = ZoneInfo(obj.settings.timezone)
    with opened(obj) as store:
        store.reset_rollup()
        owner, total = owners(obj, store).of, 0
        while done := store.roll_up_step(batch, zone, owner):
            total += done
        store.audit(operator(), "rebuild", "rollup", "sms_rollup", None, {"messages": total})
    click.echo(f"rolled up {total} final messages")


def _audit(store: Store, given: dict[str, Any], obj: str, name: str) -> None:
    if given["xlsx_path"] or given["csv_path"]:
        after = {k: str(v) for k, v in given.items() if v is not None}
        store.audit(operator(), "export", obj, name, None, after)


# -- billing --------------------------------------------------------------------


@click.group()
def bill() -> None:
    """Consumption detail (消费明细) and reconciliation statements (对账单)."""


@bill.command("detail")
@click.option("--period", type=click.Choice(["day", "week", "month"]), default="month")
@click.option("--from", "start", type=DAY, required=True, help="First local day.")
@click.option("--to", "end", type=DAY, required=True, help="Last local day (inclusive).")
@click.option("--account", help="One account (default: every account).")
@_output
@click.pass_obj
def detail(obj: Any, /, **given: Any) -> None:
    """Segments submitted, delivered, failed, unknown, billed and the amount per account."""
    since, until = _days(given["start"], given["end"])
    only = [given["account"]] if given["account"] else None
    with opened(obj) as store:
        sheet = sheets.detail(store, since, until, given["period"], only)
        _audit(store, given, "bill", "detail")
    _write([sheet], *_paths(given))


def _paths(given: dict[str, Any]) -> tuple[Path | None, Path | None]:
    return given["xlsx_path"], given["csv_path"]


@bill.command("statement")
@click.option("--account", required=True)
@click.option("--month", required=True, help="YYYY-MM, in the hospital's time zone.")
@_output
@click.pass_obj
def statement(obj: Any, /, **given: Any) -> None:
    """The engine's successes beside the carrier's, the billed count (the lower) and every
    message on which they differ."""
    zone = ZoneInfo(obj.settings.timezone)
    with opened(obj) as store:
        try:
            found = sheets.statement(store, given["account"], given["month"], zone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
        _audit(store, given, "bill", "statement")
    _write(found, *_paths(given))


# -- accounts -------------------------------------------------------------------


@click.group("account")
def account_group() -> None:
    """Billing accounts (子账户): department, prices, quotas, enabled."""


@account_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def account_list(obj: Any, as_json: bool) -> None:
    """Every account."""
    with opened(obj) as store:
        rows = store.accounts()
    for row in rows:
        a = Account.of_row(row)
        if as_json:
            click.echo(json.dumps(a.model_dump(mode="json"), ensure_ascii=False))
        else:
            quota = f"day {a.daily_quota or '-'} month {a.monthly_quota or '-'} {a.over_quota}"
            state = "enabled" if a.enabled else "DISABLED"
            click.echo(f"{a.account:<16} {a.dept_code or '-':<10} {a.price} {quota} {state}")


@account_group.command("set")
@click.argument("name")
@click.option("--title", "title", help="A readable name.")
@click.option("--dept", "dept_code", help="The department it belongs to.")
@click.option("--price", help="Per billed segment (yuan).")
@click.option("--operator-price", "operator_prices", multiple=True, help="mobile=0.045, ...")
@click.option("--daily-quota", type=click.IntRange(0), help="Segments per day.")
@click.option("--monthly-quota", type=click.IntRange(0), help="Segments per month.")
@click.option("--no-quota", is_flag=True, help="Remove both quotas.")
@click.option("--over-quota", type=click.Choice(["HOLD", "REJECT"]))
@click.option("--enable/--disable", "enabled", default=None)
@click.pass_obj
def account_set(obj: Any, /, name: str, **given: Any) -> None:
    """Create or change an account; options not given keep their value."""
    with opened(obj) as store:
        row = store.policy_row("account", name)
        values = Account.of_row(row).model_dump() if row else {"account": name}
        values.update(_changes(given))
        try:
            account = Account(**values)
        except pydantic.ValidationError as exc:
            raise click.BadParameter(_first_error(exc)) from None
        same = row is not None and Account.of_row(row) == account
        changed = not same and store.put_policy("account", account.row(), operator())
    click.echo(f"account {name} {'saved' if changed else 'unchanged'}")


def _changes(given: dict[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in given.items() if v is not None and k not in _OWN}
    if given["title"] is not None:
        changes["name"] = given["title"]
    if given["price"] is not None:
        changes["price"] = _price(given["price"], "--price")
    if given["operator_prices"]:
        pairs = [p.partition("=") for p in given["operator_prices"]]
        changes["prices"] = {k: _price(v, "--operator-price") for k, _, v in pairs}
    if given["no_quota"]:
        changes.update(daily_quota=None, monthly_quota=None)
    return changes


_OWN = {"title", "price", "operator_prices", "no_quota"}


def _price(text: str, hint: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise click.BadParameter(f"{text!r} is not a price", param_hint=hint) from None


def _first_error(exc: pydantic.ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


@account_group.command("delete")
@click.argument("name")
@click.pass_obj
def account_delete(obj: Any, name: str) -> None:
    """Remove an account (its messages keep their account name, billed at no price)."""
    with opened(obj) as store:
        if not store.delete_policy("account", name, operator()):
            raise click.ClickException(f"no account {name}")
    click.echo(f"account {name} deleted")


@account_group.command("usage")
@click.option("--since", type=DAY, help="First local day (default: this month's first).")
@click.pass_obj
def account_usage(obj: Any, since: Any) -> None:
    """Segments charged against the quotas, per account and day (D) or month (M)."""
    today = datetime.now(ZoneInfo(obj.settings.timezone)).date()
    first = since.date() if since else today.replace(day=1)
    with opened(obj) as store:
        for r in store.usage(first):
            click.echo(f"{r['account']:<16} {r['period']} {str(r['starts'])[:10]} {r['segments']}")
