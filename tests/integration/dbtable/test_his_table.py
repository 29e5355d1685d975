"""The legacy HIS table adapter, live on every database (SQLite, PostgreSQL, MariaDB).

The HIS table has its own Oracle-style column names (the shipped sample mapping);
rows the HIS inserts are sent through the loopback carrier and get the mapped
statuses, and a poller dying halfway loses and duplicates nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select

from hisms.adapters.dbtable.mapping import Mapping, load
from hisms.adapters.dbtable.poller import TablePoller
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.worker import Engine
from tests.waiting import until

SAMPLE = Path(__file__).parents[3] / "etc" / "his_mapping.example.toml"
FINAL = {"3", "9"}


def his_table() -> Table:
    return Table(
        "HIS_SMS_SEND",
        MetaData(),
        Column("SMS_ID", Integer, primary_key=True, autoincrement=False),
        Column("MOBILE", String(20)),
        Column("MSG_CONTENT", String(1000)),
        Column("SEND_FLAG", String(1), nullable=False),
        Column("PRIORITY", Integer),
        Column("PLAN_TIME", DateTime),
        Column("DEPT_CODE", String(20)),
        Column("ERR_MSG", String(200)),
        Column("SEND_TIME", DateTime),
        Column("REPORT_TIME", DateTime),
        Column("PATIENT_NAME", String(40)),  # a HIS column the adapter must never touch
    )


def mapping() -> Mapping:
    return load(SAMPLE).model_copy(update={"table": "HIS_SMS_SEND", "poll_seconds": 0.05})


def his_rows(n: int) -> list[dict[str, Any]]:
    rows = [
        {
            "SMS_ID": 1000 + i,
            "MOBILE": f"1380013{i:04d}",
            "MSG_CONTENT": f"您的检验报告已出 {i}",
            "SEND_FLAG": "0",
            "PRIORITY": i % 10,
            "DEPT_CODE": "LAB",
            "PATIENT_NAME": f"患者{i}",
        }
        for i in range(n)
    ]
    rows[1]["MOBILE"] = "12345"  # invalid number: REJECTED, never sent
    rows[2]["MOBILE"] = "13800138044"  # the loopback carrier reports UNDELIV for ...44
    return rows


def settings(url: str) -> Settings:
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id="t", poll_min_seconds=0.01, poll_max_seconds=0.1, writeback_every_seconds=0.05
        ),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[ChannelConfig(name="lb", protocol="loopback")],
    )


def read_his(poller: TablePoller) -> dict[int, Any]:
    with poller.db.connect() as conn:
        return {r.SMS_ID: r for r in conn.execute(select(his_table()))}


async def run_until_final(url: str, store: Store, poller: TablePoller, rows: int) -> None:
    carrier = LoopbackCarrier("lb", report_delay=0.01, fail_suffixes=["44"])
    engine = Engine(settings(url), store, {"lb": carrier})
    stop = asyncio.Event()
    tasks = [asyncio.create_task(engine.run()), asyncio.create_task(poller.run(stop))]

    def done() -> bool:
        flags = [r.SEND_FLAG for r in read_his(poller).values()]
        return len(flags) == rows and set(flags) <= FINAL

    try:
        await until(lambda: asyncio.to_thread(done), 20, f"the {rows} HIS rows' SEND_FLAG final")
    finally:
        engine.stop()
        stop.set()
        await asyncio.gather(*tasks)


def setup_his(url: str, rows: int) -> tuple[Store, TablePoller]:
    store = open_store(url)
    poller = TablePoller(mapping(), store, url)
    t = his_table()
    t.metadata.create_all(poller.db)
    with poller.db.begin() as conn:
        conn.execute(insert(t), his_rows(rows))
    return store, poller


def test_his_rows_are_sent_and_get_the_mapped_results(db_url: str) -> None:
    store, poller = setup_his(db_url, 30)
    before = datetime.now()
    asyncio.run(run_until_final(db_url, store, poller, 30))
    his = read_his(poller)
    assert his[1001].SEND_FLAG == "9" and his[1001].ERR_MSG.startswith("PHONE_")
    assert his[1002].SEND_FLAG == "9" and "UNDELIV" in his[1002].ERR_MSG
    good = [r for k, r in his.items() if k not in (1001, 1002)]
    assert all(r.SEND_FLAG == "3" and r.ERR_MSG is None for r in good)
    assert all(before.replace(microsecond=0) <= r.SEND_TIME and r.REPORT_TIME for r in good)
    assert [his[1000 + i].PATIENT_NAME for i in range(30)] == [f"患者{i}" for i in range(30)]
    message = store.find_messages(refs=[("HIS", "1005")])[0]
    assert message["status"] == 3 and message["dept_code"] == "LAB" and message["priority"] == 5
    assert message["content"] == "您的检验报告已出 5"
    poller.close()
    store.close()


def test_a_poller_dying_halfway_loses_and_duplicates_nothing(db_url: str) -> None:
    store, first = setup_his(db_url, 40)
    assert first.take() == 40  # copied and marked queued, then the process dies
    first.close()
    # Rows inserted after the crash, and a crash between the outbox insert and the HIS update:
    # the outbox has rows 2000.. while the HIS still says "to send".
    second = TablePoller(mapping(), store, db_url)
    late = [dict(r, SMS_ID=2000 + i) for i, r in enumerate(his_rows(10))]
    with second.db.begin() as conn:
        conn.execute(insert(his_table()), late)
    store.enqueue(
        [NewMessage(r["MOBILE"], r["MSG_CONTENT"], "HIS", str(r["SMS_ID"])) for r in late[:5]], "t"
    )
    asyncio.run(run_until_final(db_url, store, second, 50))
    his = read_his(second)
    assert len(his) == 50
    refs = [("HIS", str(k)) for k in his]
    assert len(store.find_messages(refs=refs)) == 50  # one outbox row per HIS row
    assert sum(store.status_counts().values()) == 50
    assert sum(r.SEND_FLAG == "3" for r in his.values()) == 46  # 2 x (bad number, UNDELIV) fail
    second.close()
    store.close()
