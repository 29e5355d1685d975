"""``hisms demo``: a hospital's day in miniature, on embedded SQLite.

Creates a fresh SQLite database, enqueues a realistic mix (critical values,
verification codes, appointment reminders, a bulk notice, a long lab report,
a few invalid rows, scheduled rows), runs the engine with the loopback carrier
until every row is final, and prints what a DBA would see, with the SQL.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hisms.adapters.his import SourceProfile
from hisms.carrier.base import utcnow
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.sqlite import SqliteStore
from hisms.engine.worker import Engine

PREFIXES = ["138", "139", "150", "186", "131", "133", "189", "177", "198", "155"]
TIMEOUT_SECONDS = 120

DBA_SQL = """\
-- Was the critical-value SMS delivered, and when?
SELECT id, source_ref, phone, status_name, submitted_at, report_stat, report_at,
       delivery_latency_ms, error_code, error_text
FROM v_sms_result WHERE source_system = 'CV' ORDER BY id;

-- Everything that did not reach the patient, with the reason:
SELECT id, source_system, phone, status_name, error_code, error_text
FROM v_sms_result WHERE status IN (4, 5, 6, 7) ORDER BY id;

-- Replies, with the message they answer:
SELECT i.received_at, i.phone, i.content, i.source_system, o.content AS answered
FROM sms_inbox i LEFT JOIN sms_outbox o ON o.id = i.outbox_id ORDER BY i.id;

-- Daily statistics per source system and channel:
SELECT * FROM v_sms_stats_daily ORDER BY day, source_system;"""


def settings_for(db_path: str) -> Settings:
    return Settings(
        database=DatabaseConfig(url=SecretStr(f"sqlite:///{db_path}")),
        engine=EngineConfig(
            worker_id="demo",
            poll_min_seconds=0.02,
            poll_max_seconds=0.2,
            writeback_every_seconds=0.1,
            retry_base_seconds=0.5,
        ),
        validation=ValidationConfig(default_signature="市第一人民医院"),
        channels=[
            ChannelConfig(
                name="loopback",
                protocol="loopback",
                report_delay=0.2,
                fail_suffixes=["44"],
                reply_rules={"预约": "1", "义诊": "TD"},
                src_number="1069012345",
            )
        ],
        sources={
            "HIS": SourceProfile(ext="01"),
            "LIS": SourceProfile(ext="02"),
            "CV": SourceProfile(ext="03"),
            "APP": SourceProfile(ext="04"),
            "NOTICE": SourceProfile(ext="09"),
        },
    )


def workload(scale: int, rng: random.Random) -> list[NewMessage]:
    def number() -> str:
        return rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"

    now = utcnow()
    batch: list[NewMessage] = []
    for i in range(10 * scale):
        batch.append(
            NewMessage(
                number(),
                f"【危急值】住院{i % 12 + 1}病区患者血钾 6.9 mmol/L，请立即处理。",
                "CV",
                f"CV-{i}",
                priority=0,
                dept_code="LAB",
            )
        )
    for i in range(20 * scale):
        batch.append(
            NewMessage(
                number(),
                f"您的验证码为 {rng.randrange(10**6):06d}，5 分钟内有效。",
                "APP",
                f"APP-{i}",
                priority=1,
            )
        )
    for i in range(60 * scale):
        batch.append(
            NewMessage(
                number(),
                "您已预约 11 月 27 日上午心内科门诊，请提前 15 分钟到院。回复1确认，回复2取消。",
                "HIS",
                f"HIS-{i}",
                priority=3,
                dept_code="CARD",
            )
        )
    for i in range(200 * scale):
        phone = number()[:-2] + "44" if i % 50 == 0 else number()
        batch.append(
            NewMessage(
                phone,
                "本院将于本周六上午在门诊大厅开展免费义诊，欢迎参加。回复TD退订。",
                "NOTICE",
                f"NOTICE-{i}",
                priority=9,
            )
        )
    report = "您的检验报告已出：" + "，".join(f"项目{k} 结果正常" for k in range(40)) + "。"
    batch.append(NewMessage(number(), report, "LIS", "LIS-LONG-1", priority=4))
    batch += [
        NewMessage("12345", "号码太短", "HIS", "BAD-1"),
        NewMessage("010-62345678", "座机号码", "HIS", "BAD-2"),
        NewMessage(number(), "   ", "HIS", "BAD-3"),
        NewMessage(None, "没有号码", "HIS", "BAD-4"),
        NewMessage(number(), "超长" * 800, "HIS", "BAD-5"),
        NewMessage(
            number(), "已过期的提醒", "HIS", "EXPIRED-1", expire_at=now - timedelta(minutes=5)
        ),
    ]
    batch += [
        NewMessage(
            number(), "明日门诊停诊通知。", "HIS", f"LATER-{i}", send_at=now + timedelta(seconds=3)
        )
        for i in range(3)
    ]
    return batch


def main(db_path: str, scale: int) -> None:
    console = Console(stderr=False)
    logging.getLogger("hisms").setLevel(logging.WARNING)  # the progress bar tells the story
    for suffix in ("", "-wal", "-shm"):
        Path(db_path + suffix).unlink(missing_ok=True)
    settings = settings_for(db_path)
    store = SqliteStore(db_path)
    store.upgrade()
    messages = workload(scale, random.Random(20261125))
    ids = store.enqueue(messages, actor="demo")
    again = store.enqueue(messages[:5], actor="demo")  # a HIS retrying: no duplicates
    assert again == ids[:5]
    console.print(
        f"[bold]hisms demo[/]: {len(ids)} messages queued in {db_path} "
        "(re-sending 5 of them was idempotent)"
    )
    started = time.monotonic()
    ok = asyncio.run(_run(settings, store, len(ids), console))
    elapsed = time.monotonic() - started
    store.close()
    _summary(console, db_path, elapsed)
    if not ok:
        console.print(f"[red]not every message reached a final status within {TIMEOUT_SECONDS}s[/]")
        sys.exit(1)


async def _run(settings: Settings, store: Store, total: int, console: Console) -> bool:
    from hisms.engine.app import carriers_for

    engine = Engine(settings, store, carriers_for(settings))
    runner = asyncio.create_task(engine.run())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    deadline = time.monotonic() + TIMEOUT_SECONDS
    done = False
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("final status", total=total, detail="")
        while time.monotonic() < deadline and not done:
            await asyncio.sleep(0.25)
            counts = await asyncio.to_thread(store.status_counts)
            open_rows = counts["PENDING"] + counts["SENDING"] + counts["SUBMITTED"]
            detail = "  ".join(f"{k.lower()} {v}" for k, v in counts.items() if v)
            progress.update(bar, completed=total - open_rows, detail=detail)
            done = open_rows == 0
    await asyncio.sleep(0.5)  # let the replies to the last reminders land
    engine.stop()
    await runner
    return done


def _summary(console: Console, db_path: str, elapsed: float) -> None:
    conn = sqlite3.connect(db_path)
    table = Table(title=f"Final statuses after {elapsed:.1f}s")
    for column in ("status", "messages", "error codes"):
        table.add_column(column)
    rows = conn.execute(
        "SELECT status_name, count(*), group_concat(DISTINCT error_code) FROM v_sms_result "
        "GROUP BY status ORDER BY status"
    ).fetchall()
    for name, count, codes in rows:
        table.add_row(name, str(count), codes or "")
    console.print(table)
    latency = Table(title="Latency from insert (ms)")
    for column in (
        "traffic",
        "messages",
        "submit p50",
        "submit p95",
        "delivered p50",
        "delivered p95",
    ):
        latency.add_column(column)
    for label, where in (("urgent (priority 0-1)", "priority <= 1"), ("other", "priority > 1")):
        data = conn.execute(
            f"SELECT submit_latency_ms, delivery_latency_ms FROM v_sms_result "
            f"WHERE status = 3 AND send_at IS NULL AND {where}"
        ).fetchall()
        submit, delivered = [d[0] for d in data], [d[1] for d in data]
        latency.add_row(
            label,
            str(len(data)),
            _percentile(submit, 50),
            _percentile(submit, 95),
            _percentile(delivered, 50),
            _percentile(delivered, 95),
        )
    console.print(latency)
    replies = conn.execute("SELECT count(*), count(outbox_id) FROM sms_inbox").fetchone()
    console.print(
        f"Replies (MO): {replies[0]} stored, {replies[1]} correlated with the message they answer"
    )
    conn.close()
    console.print("\nWhat a DBA would run (sqlite3 " + db_path + "):\n")
    console.print(DBA_SQL, markup=False, highlight=False)


def _percentile(values: list[int], q: int) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return str(values[0])
    return str(round(statistics.quantiles(values, n=100, method="inclusive")[q - 1]))
