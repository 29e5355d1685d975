"""Billing accounts, quota counters, the report rollup and the rows billing reads, for every
SQL store, over named statements (``sql/<dialect>/queries.sql``, issue 17)."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hisms.engine.reports.rollup import Owner, count

Row = dict[str, Any]


class _Tx(Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]: ...

    def changed(self, name: str, /, **params: Any) -> int: ...


@dataclass(frozen=True, slots=True)
class Limit:
    """One quota a charge must fit: ``period`` D (a day) or M (a month) starting ``starts``."""

    period: str
    starts: date
    quota: int


@dataclass(frozen=True, slots=True)
class Charge:
    """A message's segments to charge against its account's quotas, once."""

    id: int
    account: str
    segments: int
    limits: tuple[Limit, ...]


class AccountStore(ABC):
    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[_Tx]: ...

    # -- accounts and quotas ------------------------------------------------------

    def accounts(self) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("account_rows")

    def account_version(self) -> str:
        """Changes whenever an account does (cheap to ask)."""
        with self.transaction() as tx:
            (row,) = tx.run("account_version")
        return "|".join(str(row[k]) for k in sorted(row))

    def charge(self, charges: Sequence[Charge]) -> set[int]:
        """Charge each message's segments to its quotas if they all fit; the ids that fit
        (a message charged before fits again, without a second charge). Each counter moves by
        a guarded UPDATE, which the row lock makes exact with any number of engines."""
        fits: set[int] = set()
        with self.transaction() as tx:
            for c in sorted(charges, key=lambda c: c.id):
                if not tx.changed("mark_charged", id=c.id, segments=c.segments):
                    fits.add(c.id)  # charged at an earlier attempt
                elif _take(tx, c):
                    fits.add(c.id)
                else:
                    tx.changed("unmark_charged", id=c.id)
        return fits

    def usage(self, since: date) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("usage_rows", since=since.isoformat())

    # -- the rollup -----------------------------------------------------------------

    def roll_up_step(self, limit: int, zone: ZoneInfo, owner: Owner) -> int:
        """Add up to ``limit`` final messages not rolled up yet to ``sms_rollup``, in one
        transaction with marking them; how many. Rows are locked (SKIP LOCKED) as they
        are taken: two engines' steps never count a message twice."""
        with self.transaction() as tx:
            taken = tx.run("rollup_take", limit=limit)
            if not taken:
                return 0
            counted = count(taken, zone, owner)
            tx.batch("rollup_add", counted.rows)
            tx.batch("rollup_day_add", counted.days)
            tx.batch("rollup_mark", counted.owners)
        return len(taken)

    def reset_rollup(self) -> None:
        """Forget the rollup: every message is rolled up again by the next steps."""
        with self.transaction() as tx:
            # Marks first: the UPDATE waits for an engine's step holding some of those rows,
            # so the DELETEs after it see that step's rollup rows and remove them too.
            tx.changed("rollup_reset")
            tx.changed("rollup_clear")
            tx.changed("rollup_day_clear")

    def rollup_totals(self) -> list[Row]:
        """Messages, segments and submitted per local day and status, from the rollup."""
        with self.transaction() as tx:
            return tx.run("rollup_check")

    def rollup_hours(self, since: date) -> list[Row]:
        """Final messages per UTC hour and status, of local days from ``since`` on."""
        with self.transaction() as tx:
            return tx.run("rollup_hours", since=since.isoformat())

    def report_days(
        self, since: date, until: date, by: str, account: str | None, dept: str | None = None
    ) -> list[Row]:
        """The rollup per local day in [since, until), ``by`` dimension and status: from the
        daily rollup, or for one account (by its account index) or one department (its
        dept_code or one of its accounts) from the hourly one."""
        params = {"since": since.isoformat(), "until": until.isoformat(), "by": by}
        with self.transaction() as tx:
            if account is None and dept is None:
                return tx.run("rollup_day_read", **params)
            return tx.run("rollup_days", account=account, dept=dept, **params)

    def inflight(self, since: datetime, until: datetime) -> list[Row]:
        """Messages created in [since, until) not final yet (not in the rollup)."""
        with self.transaction() as tx:
            return tx.run("inflight", since=since, until=until)

    def mo_hours(
        self, since: datetime, until: datetime, account: str | None = None, dept: str | None = None
    ) -> list[Row]:
        """Replies per hour, source system and channel; of one account's or department's
        messages, the replies that answer one (each joined to its message by its key)."""
        with self.transaction() as tx:
            if account is None and dept is None:
                return tx.run("mo_hours", since=since, until=until)
            return tx.run("mo_hours_of", since=since, until=until, account=account, dept=dept)

    def statement_rows(self, account: str, since: datetime, until: datetime) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("statement_rows", account=account, since=since, until=until)


def _take(tx: _Tx, c: Charge) -> bool:
    taken: list[Limit] = []
    for limit in c.limits:
        key = {"account": c.account, "period": limit.period, "starts": limit.starts.isoformat()}
        tx.changed("open_usage", **key)
        if not tx.changed("take_usage", segments=c.segments, quota=limit.quota, **key):
            _give(tx, c, taken)
            return False
        taken.append(limit)
    return True


def _give(tx: _Tx, c: Charge, limits: Sequence[Limit]) -> None:
    for limit in limits:
        key = {"account": c.account, "period": limit.period, "starts": limit.starts.isoformat()}
        tx.changed("give_usage", segments=c.segments, **key)
