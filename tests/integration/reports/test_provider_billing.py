"""Billing of long messages the provider split itself (HTTP carriers: Aliyun, Tencent, the
generic gateway), beside CMPP's, on every live database: one part row whose total is what
the provider billed (at submit: Tencent's Fee, the gateway's count; in the report:
Aliyun's sms_size) becomes the message's segments when it is final, so the rollup, the
consumption detail and the statement bill it, and the rollup still equals the raw rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.billing import statement as billing
from hisms.engine.billing.accounts import Account
from hisms.engine.reports import sheets
from hisms.engine.reports.rollup import local_day
from hisms.engine.status import Status
from hisms.engine.store.base import BULK, NewMessage, Store, WriteBack
from hisms.engine.store.policystore import Who
from tests.integration.reports.history import ZONE
from tests.integration.reports.test_reports_db import raw_totals, rollup_totals

W = "t"
WARD = Account(account="WARD", price=Decimal("0.05"))


def owner(source: str, account: str | None, dept: str | None) -> tuple[str | None, str | None]:
    return account, dept


def sent(store: Store, parts: dict[str, Sequence[int]]) -> dict[str, int]:
    """Enqueue one message per key and write each back as submitted with its part rows'
    totals (one row for a provider's split, one per part for CMPP); the ids by key."""
    ids = {
        key: store.enqueue([NewMessage(f"1380013{n:04d}", key, account="WARD")], "t")[0]
        for n, key in enumerate(parts)
    }
    now = utcnow()
    batch = WriteBack()
    for claimed in store.claim(W, BULK, 100, 60):
        key = next(k for k, i in ids.items() if i == claimed.id)
        totals = parts[key]
        batch.submitted.append(
            {
                "id": claimed.id,
                "attempt": claimed.attempt,
                "phone": claimed.phone,
                "channel": "ch",
                "segments": len(totals),  # the parts submitted (process._submitted)
                "carrier_msg_id": f"{key}-1",
                "submitted_at": now,
            }
        )
        batch.segments.extend(
            {
                "outbox_id": claimed.id,
                "seq": seq,
                "total": total,  # process._billed
                "channel": "ch",
                "carrier_msg_id": f"{key}-{seq}",
                "submit_result": "0",
                "submitted_at": now,
            }
            for seq, total in enumerate(totals, start=1)
        )
    store.write_back(W, batch)
    return ids


def segments_of(store: Store, ids: dict[str, int]) -> dict[str, tuple[int, int]]:
    rows = {k: store.get_message(i) or {} for k, i in ids.items()}
    return {k: (int(r["status"]), int(r["segments"])) for k, r in rows.items()}


def test_a_long_message_is_billed_at_the_provider_s_count_and_cmpp_as_before(
    store: Store, db_url: str
) -> None:
    store.put_policy("account", WARD.row(), Who("test"))
    ids = sent(
        store,
        {
            "aliyun": [1],  # SendSms says no count: its report's sms_size does
            "tencent": [2],  # Fee = 2 at submit
            "gateway_failed": [3],  # the gateway's count, then UNDELIV
            "tencent_unknown": [2],  # no report: UNKNOWN after the timeout
            "cmpp": [2, 2],  # two parts, two rows
            "cmpp_short": [1],
        },
    )
    reports = [
        DeliveryReport("ch", "aliyun-1", "DELIVRD", billed=3),
        DeliveryReport("ch", "tencent-1", "DELIVRD"),
        DeliveryReport("ch", "gateway_failed-1", "UNDELIV", error_code="MK:0001"),
        DeliveryReport("ch", "cmpp-1", "DELIVRD"),
        DeliveryReport("ch", "cmpp-2", "DELIVRD"),
        DeliveryReport("ch", "cmpp_short-1", "DELIVRD"),
    ]
    assert store.save_reports(W, reports).applied == 6
    # Still SUBMITTED: segments are the parts submitted, as roll_up compares with the rows.
    assert segments_of(store, {"x": ids["tencent_unknown"]}) == {"x": (Status.SUBMITTED, 1)}
    assert store.expire_reports(W, 0) == 1
    assert segments_of(store, ids) == {
        "aliyun": (Status.DELIVERED, 3),
        "tencent": (Status.DELIVERED, 2),
        "gateway_failed": (Status.FAILED, 3),
        "tencent_unknown": (Status.UNKNOWN, 2),
        "cmpp": (Status.DELIVERED, 2),  # unchanged
        "cmpp_short": (Status.DELIVERED, 1),
    }

    assert store.roll_up_step(100, ZONE, owner) == 6
    assert rollup_totals(store) == +raw_totals(db_url)

    created = store.get_message(ids["aliyun"])["created_at"]  # type: ignore[index]
    day = local_day(created, ZONE)
    after = day + timedelta(days=1)
    days = store.report_days(day, after, "operator", "WARD")
    # submitted 3+2+3+2+2+1, delivered 3+2+2+1, failed 3, unknown 2, billed 8 at 0.05
    assert billing.detail(WARD, days, "day") == [
        [day.isoformat(), "WARD", "", 13, 8, 3, 2, 8, Decimal("0.40")]
    ]

    found = billing.statement(WARD, sheets.statement_rows(store, "WARD", day, after, ZONE))
    # engine 8 (delivered), accepted 13 (every part the providers took), carrier 8 (DELIVRD)
    assert found.rows() == [["mobile", 8, 13, 8, 8, Decimal("0.05"), Decimal("0.40")]]
    assert found.differences == []

    # A report after the message was final (UNKNOWN): its part keeps the provider's word,
    # the message its count when it was rolled up, so the rollup still equals the raw rows;
    # the statement lists it (the carrier delivered what the engine did not write back).
    late = DeliveryReport("ch", "tencent_unknown-1", "DELIVRD", billed=4)
    assert store.save_reports(W, [late]).applied == 1
    assert segments_of(store, {"x": ids["tencent_unknown"]}) == {"x": (Status.UNKNOWN, 2)}
    assert [s["total"] for s in store.get_segments(ids["tencent_unknown"])] == [4]
    assert store.roll_up_step(100, ZONE, owner) == 0
    assert rollup_totals(store) == +raw_totals(db_url)
    found = billing.statement(WARD, sheets.statement_rows(store, "WARD", day, after, ZONE))
    assert found.rows() == [["mobile", 8, 15, 12, 8, Decimal("0.05"), Decimal("0.40")]]
    assert found.differences == [
        [ids["tencent_unknown"], "138****0003", "ch", "UNKNOWN", 2, 0, 4, 4]
    ]

    # A rebuild counts the same from the raw rows.
    before = sorted(map(str, store.rollup_totals()))
    store.reset_rollup()
    while store.roll_up_step(2, ZONE, owner):
        pass
    assert sorted(map(str, store.rollup_totals())) == before
