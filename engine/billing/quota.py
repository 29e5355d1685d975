"""Which messages of a batch their accounts let through. Pure: the store charges the quotas
(:meth:`AccountStore.charge`), this decides what to ask and what its answer means.

A message of a disabled account is REJECTED (``ACCOUNT_DISABLED``). One of an account with
a quota is charged its segments once, before it is submitted; when they do not fit, it is
held PENDING (``QUOTA_HELD``, looked at again after ``quota_recheck_seconds``: a new day, a
new month or a raised quota lets it go) or REJECTED ``QUOTA_EXCEEDED`` (``over_quota``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hisms.engine.billing.accounts import Account
from hisms.engine.errors import ErrorCode
from hisms.engine.process import Outgoing, final
from hisms.engine.status import Status
from hisms.engine.store.accountstore import Charge, Limit
from hisms.engine.store.base import WriteBack

# (source_system, account, dept_code) -> (account, dept_code) the message counts under
OwnerOf = Callable[[str, str | None, str | None], tuple[str | None, str | None]]


def limits(account: Account, today: date) -> tuple[Limit, ...]:
    """The quotas a charge on ``today`` (the hospital's day) must fit, day before month."""
    found = []
    if account.daily_quota is not None:
        found.append(Limit("D", today, account.daily_quota))
    if account.monthly_quota is not None:
        found.append(Limit("M", today.replace(day=1), account.monthly_quota))
    return tuple(found)


@dataclass(slots=True)
class Sorted:
    free: list[Outgoing] = field(default_factory=list)  # no quota to charge
    charges: list[Charge] = field(default_factory=list)
    limited: dict[int, tuple[Outgoing, Account]] = field(default_factory=dict)


def sort_out(
    outgoing: Sequence[Outgoing],
    owner_of: OwnerOf,
    accounts: Mapping[str, Account],
    today: date,
    into: WriteBack,
) -> Sorted:
    """Split a batch: free to send, to charge first; disabled accounts' go to ``into``."""
    out = Sorted()
    for m in outgoing:
        name, _ = owner_of(m.row.source_system, m.row.account, m.row.dept_code)
        account = accounts.get(name or "")
        if account is None:
            out.free.append(m)
        elif not account.enabled:
            text = f"account {name} is disabled"
            into.finals.append(final(m.row, Status.REJECTED, ErrorCode.ACCOUNT_DISABLED, text))
        elif account.limited:
            parts = len(m.whole)
            out.charges.append(Charge(m.row.id, account.account, parts, limits(account, today)))
            out.limited[m.row.id] = (m, account)
        else:
            out.free.append(m)
    return out


def settle(
    sorted_: Sorted, fits: set[int], recheck_at: datetime, into: WriteBack
) -> list[Outgoing]:
    """The messages to send: the free ones and those that fit; the others held or refused."""
    kept = list(sorted_.free)
    for outbox_id, (m, account) in sorted(sorted_.limited.items()):
        if outbox_id in fits:
            kept.append(m)
            continue
        text = f"account {account.account}: {len(m.whole)} segments over its quota"
        if account.over_quota == "REJECT":
            into.finals.append(final(m.row, Status.REJECTED, ErrorCode.QUOTA_EXCEEDED, text))
        else:
            into.waits.append(held(m, text, recheck_at))
    return kept


def held(m: Outgoing, why: str, at: datetime) -> dict[str, Any]:
    return {
        "id": m.row.id,
        "attempt": m.row.attempt,
        "next_attempt_at": at,
        "error_code": ErrorCode.QUOTA_HELD,
        "error_text": why,
    }
