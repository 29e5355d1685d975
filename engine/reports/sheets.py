"""The report and billing sheets as ``hisms report`` and ``hisms bill`` write them and the
console shows them: one code path, so the page, the CLI and their workbooks agree."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hisms.engine.billing import statement as billing
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.config import Settings
from hisms.engine.policy.sync import PolicySync
from hisms.engine.reports import export, periods, tables
from hisms.engine.reports.periods import Period
from hisms.engine.reports.rollup import Owner
from hisms.engine.store.base import Store

Row = dict[str, Any]


def owners(settings: Settings, store: Store) -> Owners:
    """Who messages count under: the profiles (database over configuration), the accounts."""
    profiles = PolicySync(settings.profiles(), settings.policy).policy_of(store.load_policy())
    accounts = billing.accounts_by_name(store.accounts())
    return Owners(profiles.profiles, accounts, settings.billing.default_account)


def report(store: Store, ask: tables.Ask, zone: ZoneInfo, owner: Owner) -> export.Sheet:
    """One of the five reports with its total row (ValueError: a grouping it has not)."""
    table = tables.build(store, ask, zone, owner)
    return export.Sheet(table.title, table.columns, table.rows, tables.totals(table), table.chart)


def detail(
    store: Store, since: date, until: date, period: Period, accounts: Collection[str] | None
) -> export.Sheet:
    """Consumption detail (消费明细) of ``accounts`` (None: every account, known or seen in
    the rollup) over local days [since, until)."""
    known = billing.accounts_by_name(store.accounts())
    if accounts is None:
        seen = {str(r["dim"]) for r in store.report_days(since, until, "account", None)}
        accounts = seen | set(known)
    rows = []
    for name in sorted(accounts):
        account = known.get(name) or Account(account=name)
        days = store.report_days(since, until, "operator", name)
        rows.extend(billing.detail(account, days, period))
    return export.Sheet("Consumption 消费明细", billing.DETAIL_COLUMNS, rows)


def statement(store: Store, name: str, month: str, zone: ZoneInfo) -> list[export.Sheet]:
    """The statement (对账单) of account ``name`` for ``month`` (YYYY-MM; ValueError if it is
    not one) and the messages on which the engine and the carrier differ."""
    first, after = billing.month_bounds(month)
    known = billing.accounts_by_name(store.accounts())
    account = known.get(name) or Account(account=name)
    found = billing.statement(account, statement_rows(store, account.account, first, after, zone))
    title = f"Statement 对账单 {account.account} {month}"
    return [
        export.Sheet(title, billing.STATEMENT_COLUMNS, found.rows(), found.totals()),
        export.Sheet("Differences 差异明细", billing.DIFFERENCE_COLUMNS, found.differences),
    ]


def statement_rows(
    store: Store, account: str, first: date, after: date, zone: ZoneInfo
) -> Iterator[Row]:
    """An account's submitted messages of local days [first, after), read one local day at
    a time (by the account and time index): a month of millions of messages is never held
    whole, only a day of it and the messages that differ."""
    day = first
    while day < after:
        since, until = periods.utc_bounds(day, day + timedelta(days=1), zone)
        yield from store.statement_rows(account, since, until)
        day += timedelta(days=1)
