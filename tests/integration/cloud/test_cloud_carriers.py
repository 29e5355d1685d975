"""Alibaba Cloud and Tencent Cloud SMS end to end: rows -> engine -> the official SDK ->
the provider's simulator on 127.0.0.1 -> reports and replies pushed back to the engine's
callback server (or polled when the push is lost), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hisms.carrier.simulator.config import Faults
from hisms.engine.billing import statement as billing
from hisms.engine.billing.accounts import Account
from hisms.engine.reports import sheets
from hisms.engine.reports.rollup import local_day
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import Who
from tests.waiting import until

from .conftest import FZ, SECRET, SIGN, YY, running

PROVIDERS = ["aliyun", "tencent"]
SENDERS = ["aliyun", "aliyun-batch", "tencent"]  # aliyun-batch: SendBatchSms
OPS = Who("cli:ops", "hisms-cli")
ZONE = ZoneInfo("Asia/Shanghai")
CLOUD = Account(account="CLOUD", price=Decimal("0.05"))
LONG = (
    "尊敬的患者：您的心内科门诊改到周五上午九点，请携带身份证和医保卡提前三十分钟到二楼取号。" * 2
)
ASK = "明天上午9点预约复诊，确认请回复1"  # the simulator's reply rule answers "1"
REFUSED_PARAMS = {
    "aliyun": "isv.TEMPLATE_MISSING_PARAMETERS",
    "aliyun-batch": "isv.TEMPLATE_MISSING_PARAMETERS",
    "tencent": "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
}


@pytest.fixture(params=["sqlite_url", "pg_url"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def db(url: str) -> Iterator[Store]:
    store = open_store(url)
    for template in (FZ, YY):
        store.put_policy("template", {**template, "state": "APPROVED", "note": None}, OPS)
    yield store
    store.close()


def _final(store: Store, ids: list[int]) -> bool:
    return all((store.get_message(i) or {}).get("status") in (3, 4, 6, 8) for i in ids)


def _row(store: Store, outbox_id: int) -> dict[str, Any]:
    row = store.get_message(outbox_id)
    assert row is not None
    return row


@pytest.mark.parametrize("provider", SENDERS)
def test_short_long_and_template_delivered_by_push_and_a_reply_correlated(
    provider: str, db: Store, url: str
) -> None:
    params = json.dumps({"patient": "张三", "time": "周五上午"})
    db.put_policy("account", CLOUD.row(), OPS)
    ids = db.enqueue(
        [
            replace(m, account=CLOUD.account)
            for m in (
                NewMessage("13800138001", "您的检验报告已出，请登录查看"),
                NewMessage("13800138002", LONG),
                NewMessage("13800138003", None, template_code="FZ", params=params),
                NewMessage("13800138004", ASK),
                NewMessage("13800138005", None, template_code="YY", params='{"patient": "李四"}'),
            )
        ],
        "t",
    )
    short, long_, templated, ask, refused = ids
    billed: dict[str, int] = {}

    async def scenario() -> list[dict[str, Any]]:
        # Reports after 0.5 s: the parts are written back by then, so the long message's
        # report is applied to its part (a report parked before its part keeps no count).
        async with running(provider, db, url, report_delay=0.5) as cloud:
            await until(lambda: _final(db, ids), 20, "every row final")
            replies: list[dict[str, Any]] = []
            await until(
                lambda: replies.extend(db.take_replies("DEFAULT", 0, 10, "test")) or replies,
                10,
                "the reply pushed and stored",
                lambda: (cloud.sim.counters, cloud.sim.pushes_failed, cloud.carrier.stats),
            )
            texts = {s.phone: s.text for s in cloud.sim.book.sent.values()}
            assert texts["13800138003"] == f"【{SIGN}】张三您好，请于周五上午复诊"
            assert texts["13800138001"] == f"【{SIGN}】您的检验报告已出，请登录查看"
            assert cloud.carrier.stats.pushes >= 4 and cloud.carrier.stats.polled == 0
            billed.update({s.phone: s.parts for s in cloud.sim.book.sent.values()})
            return replies

    replies = asyncio.run(scenario())
    for outbox_id in (short, long_, templated, ask):
        row = _row(db, outbox_id)
        assert (row["status"], row["report_stat"]) == (3, "DELIVRD"), row
        assert row["carrier_msg_id"]
        assert [s["total"] for s in db.get_segments(outbox_id)] == [billed[row["phone"]]]
    segments = db.get_segments(long_)
    assert len(segments) == 1 and segments[0]["report_stat"] == "DELIVRD"
    # The provider bills the parts: over 70 characters with the sign. Tencent's send answer
    # says so (Fee), Aliyun's report (sms_size).
    assert billed["13800138002"] == 2 and segments[0]["total"] == 2
    _billed_as_the_provider_billed(db, [short, long_, templated, ask], billed)
    failed = _row(db, refused)
    code = REFUSED_PARAMS[provider]
    assert (failed["status"], failed["error_code"]) == (4, code[:32])  # the column's width
    assert failed["error_text"].startswith(f"{code}: ")
    assert [(r["phone"], r["content"], r["outbox_id"]) for r in replies] == [
        ("13800138004", "1", ask)
    ]


def _billed_as_the_provider_billed(db: Store, ids: list[int], billed: dict[str, int]) -> None:
    """The delivered messages ``ids`` (account CLOUD) billed at the parts the provider
    billed (``billed`` by phone) in the rollup's consumption detail and the statement."""
    while db.roll_up_step(100, ZONE, lambda source, account, dept: (account, dept)):
        pass  # what the engine's own step has not rolled up yet
    rows = [_row(db, i) for i in ids]
    parts = sum(billed[r["phone"]] for r in rows)
    assert [r["segments"] for r in rows] == [billed[r["phone"]] for r in rows]
    day = local_day(rows[0]["created_at"], ZONE)
    after = day + timedelta(days=1)
    detail = billing.detail(CLOUD, db.report_days(day, after, "operator", "CLOUD"), "day")
    # The refused template message was never submitted: it counts 0 segments.
    assert [r[3:9] for r in detail] == [[parts, parts, 0, 0, parts, parts * CLOUD.price]]
    found = billing.statement(CLOUD, sheets.statement_rows(db, "CLOUD", day, after, ZONE))
    assert found.totals()[1:5] == [parts, parts, parts, parts]
    assert found.differences == []


@pytest.mark.parametrize("provider", SENDERS)
def test_lost_pushes_are_made_up_by_polling(provider: str, db: Store, url: str) -> None:
    ids = db.enqueue([NewMessage(f"1390000000{i}", "请按时服药") for i in range(4)], "t")
    (long_,) = db.enqueue([NewMessage("13900000009", LONG)], "t")

    async def scenario() -> None:
        async with running(provider, db, url, drop_ratio=1.0, report_wait_seconds=0.5) as cloud:
            await until(lambda: _final(db, [*ids, long_]), 20, "every row final")
            assert cloud.sim.pushes_dropped >= 5 and cloud.carrier.stats.pushes == 0
            assert cloud.carrier.stats.polled >= 5
            if provider != "aliyun":  # one text: the numbers share requests
                assert cloud.carrier.stats.requests < len(ids), cloud.carrier.stats

    asyncio.run(scenario())
    assert {(_row(db, i)["status"], _row(db, i)["report_stat"]) for i in ids} == {(3, "DELIVRD")}
    # The long message's parts billed: Aliyun's QuerySendDetails gives the text it sent
    # (counted 70/67 a part), Tencent's send answer the count.
    assert _row(db, long_)["status"] == 3
    assert [s["total"] for s in db.get_segments(long_)] == [2]
    assert {s["total"] for i in ids for s in db.get_segments(i)} == {1}
    assert _row(db, long_)["segments"] == 2  # the provider's count, once final
    if provider == "aliyun-batch":  # <BizId>:<number>, polled by BizId and number
        assert all(_row(db, i)["carrier_msg_id"].endswith(f":{_row(db, i)['phone']}") for i in ids)


@pytest.mark.parametrize("provider", SENDERS)
def test_a_throttled_answer_is_sent_again(provider: str, db: Store, url: str) -> None:
    ids = db.enqueue([NewMessage(f"1370000000{i}", "请按时服药") for i in range(3)], "t")

    async def scenario() -> None:
        # Throttled from the start until a request was (one batch may be the only
        # request), then now and then.
        faults = Faults(throttle_ratio=0.5, throttle_until=time.monotonic() + 3600)
        async with running(provider, db, url, faults=faults) as cloud:
            await until(lambda: cloud.sim.counters.throttled >= 1, 20, "a throttled answer")
            cloud.sim.throttle_for(0)
            await until(lambda: _final(db, ids), 20, "every row final")
            assert cloud.sim.counters.throttled >= 1 and cloud.carrier.stats.throttled >= 1

    asyncio.run(scenario())
    assert {_row(db, i)["status"] for i in ids} == {3}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_secret_takes_the_channel_down_without_a_hot_loop(
    provider: str, db: Store, url: str
) -> None:
    ids = db.enqueue([NewMessage(f"1360000000{i}", "请按时服药") for i in range(3)], "t")

    async def scenario() -> tuple[int, int]:
        async with running(provider, db, url, secret="wrong", down_min_seconds=30) as cloud:
            await until(lambda: cloud.sim.counters.login_failures >= 1, 10, "a refusal")
            await until(lambda: cloud.carrier.stats.retried >= len(ids), 10, "all handed back")
            first = cloud.sim.counters.login_failures
            await asyncio.sleep(1.5)  # the engine retries rows every 0.2-0.5 s meanwhile
            return first, cloud.sim.counters.login_failures

    first, later = asyncio.run(scenario())
    assert 1 <= first <= len(ids) and later == first  # one round of requests, then DOWN
    rows = [_row(db, i) for i in ids]
    assert {r["status"] for r in rows} == {0}  # PENDING: waiting for the channel, not failed


def test_tencent_replies_pulled_while_reports_are_pushed(db: Store, url: str) -> None:
    """No reply callback registered (``pull_replies``): PullSmsReplyStatus brings the reply
    though no report is overdue (every report is pushed), and it is correlated."""
    (ask,) = db.enqueue([NewMessage("13800138004", ASK)], "t")

    async def scenario() -> list[dict[str, Any]]:
        async with running("tencent", db, url, push_replies=False, pull_replies=True) as cloud:
            await until(lambda: _final(db, [ask]), 20, "the row final")
            replies: list[dict[str, Any]] = []
            await until(
                lambda: replies.extend(db.take_replies("DEFAULT", 0, 10, "test")) or replies,
                10,
                "the reply pulled and stored",
                lambda: (cloud.sim.counters, cloud.carrier.stats),
            )
            assert cloud.carrier.stats.pushes == 1  # the report; the reply came by a pull
            assert cloud.carrier.stats.polled == 1
            return replies

    replies = asyncio.run(scenario())
    assert (_row(db, ask)["status"], _row(db, ask)["report_stat"]) == (3, "DELIVRD")
    assert [(r["phone"], r["content"], r["outbox_id"]) for r in replies] == [
        ("13800138004", "1", ask)
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_no_secret_in_the_logs(
    provider: str,
    db: Store,
    url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Everything logged at DEBUG (ours, the SDKs', httpx's) and written to stdout/stderr
    while a message is delivered and while a wrong secret is refused: neither secret."""
    wrong = "Wr0ng-S3cret-Zq9"
    caplog.set_level(logging.DEBUG)
    ids = db.enqueue([NewMessage("13500000001", "请按时服药")], "t")

    async def scenario() -> None:
        async with running(provider, db, url):
            await until(lambda: _final(db, ids), 20, "the row final")
        db.enqueue([NewMessage("13500000002", "请按时服药")], "t")
        async with running(provider, db, url, secret=wrong, down_min_seconds=30) as cloud:
            await until(lambda: cloud.carrier.stats.refused_key >= 1, 10, "the refusal")

    asyncio.run(scenario())
    assert _row(db, ids[0])["status"] == 3
    assert "refused our key" in caplog.text  # the refusal was logged, without the secret
    out, err = capfd.readouterr()
    for text in (caplog.text, out, err):
        assert SECRET not in text and wrong not in text


def test_aliyun_batch_refused_for_one_number_is_sent_number_by_number() -> None:
    """SendBatchSms answers one code for the batch: a refusal that is one message's fault
    (here a number the provider calls illegal) is sent again number by number, so that
    only that message fails and the others are accepted, each named <BizId>:<number>."""
    from hisms.carrier.base import Outcome, Submission, SubmitKey
    from hisms.carrier.simulator.config import SimConfig

    from .conftest import KEY, carrier, simulator

    text = f"【{SIGN}】请按时服药"
    phones = ["13800138001", "1380013", "13800138003"]
    parts = [
        Submission(SubmitKey(n, 1, 1), phone, text, text.encode("utf-16-be"))
        for n, phone in enumerate(phones, 1)
    ]

    async def scenario() -> list[Any]:
        async with simulator("aliyun-batch", SimConfig(KEY, SECRET, report_delay=60)) as sim:
            made = carrier("aliyun-batch", sim.port, poll_reports=False)
            await made.start(lambda event: None)
            try:
                return await made.submit(parts)
            finally:
                await made.stop()

    ok, bad, also = asyncio.run(scenario())
    assert (ok.outcome, also.outcome, bad.outcome) == (
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
        Outcome.FAILED,
    )
    assert bad.error_code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert ok.carrier_msg_id.endswith(":13800138001") and also.carrier_msg_id.endswith(
        ":13800138003"
    )
