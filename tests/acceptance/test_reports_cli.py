"""A billing clerk's month with the real command line on SQLite: an account with a quota
that refuses, the hospital's rows sent by the engine, then a report, the consumption detail
and the statement exported and opened back."""

from __future__ import annotations

import signal
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from hisms.engine.errors import ErrorCode
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from tests.waiting import wait_until


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        return store.status_counts()
    finally:
        store.close()


def rolled(url: str) -> int:
    store = open_store(url)
    try:
        return sum(int(r["messages"]) for r in store.rollup_totals())
    finally:
        store.close()


def test_quota_reports_and_bills_through_the_cli(cli, tmp_path: Path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    config = cli.write_config(tmp_path / "hisms.toml", sqlite_url)
    with config.open("a", encoding="utf-8") as f:
        f.write("[billing]\nrollup_every_seconds = 0.2\n")
    run = lambda *a, **k: cli.run(*a, config=config, **k)  # noqa: E731
    made = run("account", "set", "WARD", "--dept", "D01", "--price", "0.05", "--daily-quota", "3",
               "--over-quota", "REJECT")  # fmt: skip
    assert "account WARD saved" in made.stdout
    store = open_store(sqlite_url)  # the HIS inserts its rows
    ids = store.enqueue(
        [NewMessage(f"1380013800{n}", f"复诊提醒 {n}", account="WARD") for n in range(4)], "his"
    )
    store.close()

    engine = cli.spawn("run", config=config)
    try:
        wait_until(lambda: counts(sqlite_url)["DELIVERED"] == 3, 60, "3 delivered")
        wait_until(lambda: counts(sqlite_url)["REJECTED"] == 1, 60, "1 over the quota")
        wait_until(lambda: rolled(sqlite_url) == 4, 60, "the rollup caught up")
    finally:
        engine.send_signal(signal.SIGINT)
        engine.wait(60)
        assert engine.stdout is not None
        engine.stdout.close()

    store = open_store(sqlite_url)
    try:
        refused = [r for r in store.find_messages(ids=ids) if r["status"] == Status.REJECTED]
    finally:
        store.close()
    assert [(r["error_code"], r["error_text"]) for r in refused] == [
        (ErrorCode.QUOTA_EXCEEDED, "account WARD: 1 segments over its quota")
    ]

    xlsx = tmp_path / "summary.xlsx"
    run("report", "summary", "--period", "month", "--from", today(), "--to", today(),
        "--xlsx", str(xlsx))  # fmt: skip
    ws = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in ws[1]]
    total = dict(zip(header, [c.value for c in ws[ws.max_row]], strict=True))
    assert total["Messages 条数"] == 4 and total["Delivered 成功"] == 3
    assert total["Rejected 拒绝"] == 1 and ws.freeze_panes == "A2"

    detail = run("bill", "detail", "--from", today(), "--to", today(), "--account", "WARD").stdout
    assert "\tWARD\tD01\t3\t3\t0\t0\t3\t0.15" in detail
    statement = tmp_path / "statement.csv"
    run("bill", "statement", "--account", "WARD", "--month", today()[:7], "--csv", str(statement))
    lines = statement.read_text("utf-8-sig").splitlines()
    assert lines[1] == "mobile,3,3,3,3,0.05,0.15"
