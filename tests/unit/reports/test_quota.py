"""Which messages of a batch their accounts let through (pure: engine/billing/quota.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hisms.adapters.his import SourceProfile
from hisms.adapters.his.profiles import Profiles
from hisms.carrier.base import Submission, SubmitKey
from hisms.engine.billing import quota
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.errors import ErrorCode
from hisms.engine.process import Outgoing
from hisms.engine.status import Status
from hisms.engine.store.accountstore import Limit
from hisms.engine.store.base import Claimed, WriteBack

TODAY = date(2026, 11, 30)
ACCOUNTS = {
    "CAPPED": Account(account="CAPPED", daily_quota=10, monthly_quota=100),
    "STRICT": Account(account="STRICT", daily_quota=1, over_quota="REJECT"),
    "OFF": Account(account="OFF", enabled=False),
    "FREE": Account(account="FREE"),
}


def message(id: int, account: str | None, parts: int = 1, source: str = "HIS") -> Outgoing:
    row = Claimed(id, 1, source, account, None, "13800138000", "hi", None, 5, False)
    whole = [
        Submission(SubmitKey(id, seq, 1), "13800138000", "hi", b"hi", total=parts)
        for seq in range(1, parts + 1)
    ]
    return Outgoing(row, "lb", "13800138000", whole)


def owners() -> Owners:
    return Owners(Profiles({"LIS": SourceProfile(account="CAPPED")}), ACCOUNTS, "FREE")


def test_limits_are_the_day_and_the_month_it_falls_in() -> None:
    assert quota.limits(ACCOUNTS["CAPPED"], TODAY) == (
        Limit("D", TODAY, 10),
        Limit("M", date(2026, 11, 1), 100),
    )
    assert quota.limits(ACCOUNTS["FREE"], TODAY) == ()


def test_batches_split_into_free_charged_and_refused() -> None:
    batch = [
        message(1, "CAPPED", parts=3),
        message(2, None, source="LIS"),  # the profile's account: CAPPED
        message(3, None),  # the default account: FREE, no quota
        message(4, "OFF"),
        message(5, "NOBODY"),  # no such account: nothing to charge
    ]
    into = WriteBack()
    found = quota.sort_out(batch, owners().of, ACCOUNTS, TODAY, into)
    assert [(c.id, c.account, c.segments) for c in found.charges] == [
        (1, "CAPPED", 3),
        (2, "CAPPED", 1),
    ]
    assert [m.row.id for m in found.free] == [3, 5]
    assert [(f["id"], f["status"], f["error_code"]) for f in into.finals] == [
        (4, Status.REJECTED, ErrorCode.ACCOUNT_DISABLED)
    ]


def test_what_does_not_fit_is_held_or_refused_as_its_account_says() -> None:
    batch = [message(1, "CAPPED"), message(2, "CAPPED", parts=2), message(3, "STRICT")]
    into = WriteBack()
    found = quota.sort_out(batch, owners().of, ACCOUNTS, TODAY, into)
    later = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    kept = quota.settle(found, {1}, later, into)
    assert [m.row.id for m in kept] == [1]
    assert into.waits == [
        {
            "id": 2,
            "attempt": 1,
            "next_attempt_at": later,
            "error_code": ErrorCode.QUOTA_HELD,
            "error_text": "account CAPPED: 2 segments over its quota",
        }
    ]
    assert [(f["id"], f["status"], f["error_code"]) for f in into.finals] == [
        (3, Status.REJECTED, ErrorCode.QUOTA_EXCEEDED)
    ]
