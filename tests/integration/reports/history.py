"""A small hand-made history for the report and billing tests: six messages and two
replies in November and December 2026, written through the store's own statements (claim,
write-back, reports), then dated by hand (created_at, received_at) in every dialect."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url

from hisms.adapters.his.profiles import Profiles
from hisms.carrier.base import DeliveryReport
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.process import final
from hisms.engine.status import Status
from hisms.engine.store.base import BULK, Mo, NewMessage, Store, WriteBack
from hisms.engine.store.policystore import Who

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Msg:
    key: str
    account: str | None
    source: str
    actor: str  # created_by: the intake path
    phone: str
    outcome: str  # DELIVRD, UNDELIV, REJECT, or FLY (submitted, no report yet)
    local: datetime  # created_at in the hospital's zone
    parts: int = 1


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


MESSAGES = (
    Msg("a1", "WARD_A", "HIS", "ws:HIS", "13800000001", "DELIVRD", at("2026-11-02 09:00")),
    Msg("a2", "WARD_A", "HIS", "ws:HIS", "13000000002", "UNDELIV", at("2026-11-02 23:30")),
    # 00:30 on the 3rd in Shanghai is 16:30 on the 2nd in UTC: its day is the 3rd.
    Msg("b1", "WARD_B", "LIS", "dbtable:LIS", "13300000003", "DELIVRD", at("2026-11-03 00:30")),
    Msg("b2", "WARD_B", "LIS", "hisms-cli", "13800000004", "REJECT", at("2026-11-09 10:00")),
    Msg("n1", None, "DEFAULT", "his_app", "13800000005", "FLY", at("2026-11-09 11:00"), 2),
    Msg("a3", "WARD_A", "HIS", "http:APP", "13800000006", "DELIVRD", at("2026-12-01 08:00"), 2),
)
REPLIES = (at("2026-11-02 10:00"), at("2026-11-30 23:59"))
TEMPLATES = {"a1": "T_LAB", "b1": "T_LAB", "a3": "T_VISIT"}  # template_code: --by template


def accounts(store: Store) -> None:
    for account in (
        Account(
            account="WARD_A",
            dept_code="D_A",
            price=Decimal("0.05"),
            prices={"unicom": Decimal("0.04")},
        ),
        Account(account="WARD_B", dept_code="D_B", price=Decimal("0.05")),
    ):
        store.put_policy("account", account.row(), Who("test"))


def owners() -> Owners:
    known = {"WARD_A": Account(account="WARD_A", dept_code="D_A")}
    return Owners(Profiles({}), known)


def load(store: Store, url: str) -> dict[str, int]:
    """Write the history; the ids of the messages by key."""
    accounts(store)
    ids = {}
    for m in MESSAGES:
        row = NewMessage(m.phone, m.key, m.source, account=m.account)
        ids[m.key] = store.enqueue([replace(row, template_code=TEMPLATES.get(m.key))], m.actor)[0]
    claimed = {c.id: c for c in store.claim("t", BULK, 100, 60)}
    batch, reports, now = WriteBack(), [], datetime.now(UTC)
    for m in MESSAGES:
        row = claimed[ids[m.key]]
        if m.outcome == "REJECT":
            batch.finals.append(final(row, Status.REJECTED, "PHONE_FORMAT", "test"))
            continue
        batch.submitted.append(
            {
                "id": row.id,
                "attempt": row.attempt,
                "phone": m.phone,
                "channel": "lb",
                "segments": m.parts,
                "carrier_msg_id": f"{m.key}-1",
                "submitted_at": now,
            }
        )
        for seq in range(1, m.parts + 1):
            batch.segments.append(
                {
                    "outbox_id": row.id,
                    "seq": seq,
                    "total": m.parts,
                    "channel": "lb",
                    "carrier_msg_id": f"{m.key}-{seq}",
                    "submit_result": "0",
                    "submitted_at": now,
                }
            )
            if m.outcome != "FLY":
                reports.append(DeliveryReport("lb", f"{m.key}-{seq}", m.outcome))
    store.write_back("t", batch)
    store.save_reports("t", reports)
    for key, when in ((m.key, m.local) for m in MESSAGES):
        execute(url, f"UPDATE sms_outbox SET created_at = {stamp(url, when)} WHERE id = {ids[key]}")
    for n, when in enumerate(REPLIES):
        mo = Mo("lb", f"1390000000{n}", "10690001", "收到", when.astimezone(UTC), None)
        store.save_mo("t", [mo], 60)
        execute(
            url,
            f"UPDATE sms_inbox SET received_at = {stamp(url, when)} WHERE content = '收到' "
            f"AND phone = '1390000000{n}'",
        )
    return ids


def stamp(url: str, when: datetime) -> str:
    """A UTC timestamp literal as ``url``'s dialect stores it."""
    text = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if url.startswith("sqlite"):
        return f"'{text}.000'"
    if url.startswith("postgresql"):
        return f"'{text}+00'"
    return f"'{text}'"


def execute(url: str, statement: str) -> list[Sequence[Any]]:
    """Run one statement with the dialect's own driver, committed; its rows."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(statement).fetchall()
    if url.startswith("postgresql"):
        with psycopg.connect(url) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []
    import pymysql

    u = make_url(url)
    conn = pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password or "",
        database=u.database,
        autocommit=True,
    )
    with conn.cursor() as cur:
        cur.execute(statement)
        rows = list(cur.fetchall())
    conn.close()
    return rows
