"""The content policy in a running engine (loopback carrier) on every live database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from hisms.adapters.his import SourceProfile
from hisms.carrier.base import utcnow
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.health import HealthConfig
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import Mo, NewMessage, Store
from hisms.engine.store.policystore import AuditFilter, Who
from hisms.engine.worker import Engine
from tests.waiting import until

OPS = Who("cli:ops", "hisms-cli")
PATIENT = "13800138000"


def settings(url: str, worker: str = "t", **sources: SourceProfile) -> Settings:
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id=worker,
            poll_min_seconds=0.01,
            poll_max_seconds=0.1,
            writeback_every_seconds=0.05,
        ),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[ChannelConfig(name="lb", protocol="loopback")],
        sources=sources,
        health=HealthConfig(poll_seconds=0.1),
    )


def final(store: Store, ids: list[int]) -> Callable[[], bool]:
    return lambda: all(store.get_message(i)["status"] >= Status.DELIVERED for i in ids)  # type: ignore[index]


async def running(engines: list[Engine], step: Callable[[], Any]) -> None:
    tasks = [asyncio.create_task(e.run()) for e in engines]
    try:
        await step()
    finally:
        for e in engines:
            e.stop()
        await asyncio.gather(*tasks)


def test_td_reply_blocks_notices_but_not_critical_values(db_url: str) -> None:
    store = open_store(db_url)
    cfg = settings(
        db_url,
        APPT=SourceProfile(ext="04"),
        CV=SourceProfile(ext="03", category="transactional"),
    )
    carrier = LoopbackCarrier("lb", report_delay=0.01, reply_rules={"预约": "ＴＤ"})
    engine = Engine(cfg, store, {"lb": carrier})

    async def step() -> None:
        (first,) = store.enqueue([NewMessage(PATIENT, "您已预约明天门诊", "APPT")], "t")
        await until(lambda: asyncio.to_thread(final(store, [first])), 20, "the first notice")

        def blocked() -> bool:
            hit = engine.policies.current.blacklist.hit(PATIENT, "APPT", "notice", utcnow())
            return hit is not None

        await until(blocked, 20, "the unsubscribe entry in the engine")
        ids = store.enqueue(
            [NewMessage(PATIENT, "复诊提醒", "APPT"), NewMessage(PATIENT, "危急值：血钾6.8", "CV")],
            "t",
        )
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "both messages final")
        notice, critical = (store.get_message(i) for i in ids)
        assert notice["status"] == Status.REJECTED and notice["error_code"] == "BLACKLISTED"  # type: ignore[index]
        assert critical["status"] == Status.DELIVERED  # type: ignore[index]
        (entry,) = store.load_policy().blacklist
        assert f"blacklist entry {entry['id']} " in notice["error_text"]  # type: ignore[index]
        assert (entry["source_system"], entry["categories"]) == ("APPT", "marketing,notice")
        assert entry["service_number"] is None  # scoped by source, not by the number replied to
        with store.transaction() as tx:
            (reply,) = tx.run("inbox_reply", id=entry["inbox_id"])
        assert reply["blacklist_id"] == entry["id"]  # shown on the MO row
        assert store.audit_trail(AuditFilter(action="unsubscribe", name=str(entry["id"])))

    asyncio.run(running([engine], step))
    store.close()


def test_duplicates_are_rejected_across_two_engines(db_url: str) -> None:
    stores = [open_store(db_url), open_store(db_url)]
    stores[0].put_policy("profile", SourceProfile(duplicate_seconds=300).row("APPT"), OPS)
    ids = stores[0].enqueue([NewMessage(PATIENT, "明天上午复诊", "APPT") for _ in range(6)], "t")
    carriers = [LoopbackCarrier("lb", report_delay=0.01) for _ in stores]
    engines = [
        Engine(settings(db_url, f"e{n}"), s, {"lb": c})
        for n, (s, c) in enumerate(zip(stores, carriers, strict=True))
    ]
    for e in engines:  # the duplicate window from the database before the first claim
        e.policies.sync(e.store)

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(stores[0], ids)), 20, "every copy final")

    asyncio.run(running(engines, step))
    got = [stores[0].get_message(i) for i in ids]
    sent = [m for m in got if m["status"] == Status.DELIVERED]  # type: ignore[index]
    assert len(sent) == 1 and sum(len(c.submitted) for c in carriers) == 1
    for m in got:
        if m is not sent[0]:
            assert m["error_code"] == "DUPLICATE"  # type: ignore[index]
            assert f"duplicate of message {sent[0]['id']}:" in m["error_text"]  # type: ignore[index]
    for s in stores:
        s.close()


def test_a_signature_change_is_picked_up_without_restart(db_url: str) -> None:
    store = open_store(db_url)
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    engine = Engine(settings(db_url, HIS=SourceProfile(signature="市一院")), store, {"lb": carrier})

    async def step() -> None:
        (one,) = store.enqueue([NewMessage(PATIENT, "复诊提醒", "HIS")], "t")
        await until(lambda: asyncio.to_thread(final(store, [one])), 20, "the first message")
        store.put_policy("profile", SourceProfile(signature="市第一人民医院").row("HIS"), OPS)
        await until(
            lambda: engine.policies.current.profiles.of("HIS").signature == "市第一人民医院",
            20,
            "the new signature in the engine",
        )
        (two,) = store.enqueue([NewMessage(PATIENT, "复诊提醒", "HIS")], "t")
        await until(lambda: asyncio.to_thread(final(store, [two])), 20, "the second message")

    asyncio.run(running([engine], step))
    assert [s.text for s in carrier.submitted] == [
        "【市一院】复诊提醒",
        "【市第一人民医院】复诊提醒",
    ]
    (change,) = store.audit_trail(AuditFilter(object="profile"))
    assert change["actor"] == "cli:ops" and change["action"] == "create"
    assert json.loads(change["after_json"])["signature"] == "市第一人民医院"
    store.close()


def test_sensitive_words_with_spacing_tricks_and_a_medical_trap(db_url: str) -> None:
    store = open_store(db_url)
    for word, allow in (("大麻", 0), ("法轮功", 0), ("大麻风", 1)):
        store.put_policy("word", {"word": word, "allow": allow, "note": None}, OPS)
    store.put_policy("profile", SourceProfile(words="mask").row("MASK"), OPS)
    texts = ("出售 大 麻，价格面议", "法．轮＊功", "您的大麻风复查结果已出，请到皮肤科就诊")
    ids = store.enqueue([NewMessage(PATIENT, t, "HIS") for t in texts], "t")
    ids += store.enqueue([NewMessage("13800138001", texts[0], "MASK")], "t")
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    engine = Engine(settings(db_url), store, {"lb": carrier})

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "every message final")

    asyncio.run(running([engine], step))
    spaced, wide, trap, masked = (store.get_message(i) for i in ids)
    assert (spaced["error_code"], spaced["error_text"]) == ("SENSITIVE_WORD", "sensitive word 大麻")  # type: ignore[index]
    assert (wide["error_code"], wide["error_text"]) == ("SENSITIVE_WORD", "sensitive word 法轮功")  # type: ignore[index]
    assert trap["status"] == masked["status"] == Status.DELIVERED  # type: ignore[index]
    assert sorted(s.text for s in carrier.submitted) == sorted(
        ["【测试医院】您的大麻风复查结果已出，请到皮肤科就诊", "【测试医院】出售 ***，价格面议"]
    )
    assert len(store.audit_trail(AuditFilter(object="word", action="create"))) == 3
    store.close()


FZ = {"code": "FZ", "body": "{patient}您好，请于{time}复诊", "category": "notice"}


def test_a_template_with_a_missing_variable_is_rejected_naming_it(db_url: str) -> None:
    store = open_store(db_url)
    store.put_policy("template", {**FZ, "state": "APPROVED", "note": None}, OPS)
    engine = Engine(settings(db_url), store, {"lb": LoopbackCarrier("lb", report_delay=0.01)})
    given = [{"patient": "张三"}, {"patient": "张三", "time": "明天上午"}]
    ids = store.enqueue(
        [NewMessage(PATIENT, None, template_code="FZ", params=json.dumps(p)) for p in given], "t"
    )

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "both messages final")

    asyncio.run(running([engine], step))
    missing, whole = (store.get_message(i) for i in ids)
    assert missing["status"] == Status.REJECTED and missing["error_code"] == "TEMPLATE_PARAMS"  # type: ignore[index]
    assert "missing variable time" in missing["error_text"]  # type: ignore[index]
    assert whole["status"] == Status.DELIVERED  # type: ignore[index]
    store.close()


def test_a_template_not_in_its_source_profile_is_rejected(db_url: str) -> None:
    store = open_store(db_url)
    for code in ("FZ", "JC"):
        store.put_policy("template", {**FZ, "code": code, "state": "APPROVED", "note": None}, OPS)
    store.put_policy("profile", SourceProfile(templates=("FZ",)).row("LAB"), OPS)
    params = json.dumps({"patient": "张三", "time": "明天上午"})
    ids = store.enqueue(
        [
            NewMessage(PATIENT, None, "LAB", template_code="FZ", params=params),
            NewMessage(PATIENT, None, "LAB", template_code="JC", params=params),
            NewMessage(PATIENT, None, "HIS", template_code="JC", params=params),  # any
        ],
        "t",
    )
    engine = Engine(settings(db_url), store, {"lb": LoopbackCarrier("lb", report_delay=0.01)})

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "every message final")

    asyncio.run(running([engine], step))
    listed, other, anyone = (store.get_message(i) for i in ids)
    assert listed["status"] == anyone["status"] == Status.DELIVERED  # type: ignore[index]
    assert (other["status"], other["error_code"]) == (Status.REJECTED, "TEMPLATE_NOT_ALLOWED")  # type: ignore[index]
    assert other["error_text"] == "template 'JC' is not one source LAB may use (FZ)"  # type: ignore[index]
    (stored,) = (r for r in store.load_policy().profiles if r["source_system"] == "LAB")
    assert stored["templates"] == "FZ"
    store.close()


def test_a_source_default_priority_applies_when_a_message_gives_none(db_url: str) -> None:
    store = open_store(db_url)
    store.put_policy("profile", SourceProfile(priority=2).row("CV"), OPS)
    ids = store.enqueue(
        [
            NewMessage(PATIENT, "危急值", "CV"),
            NewMessage(PATIENT, "危急值", "CV", priority=7),
            NewMessage(PATIENT, "复诊提醒", "APPT"),
        ],
        "t",
    )
    ids.append(store.enqueue([NewMessage(PATIENT, "危急值", "CV", source_ref="R1")], "t")[0])
    assert store.enqueue_batch("B", [NewMessage(PATIENT, "危急值", "CV")], "t") == 1
    got = [store.get_message(i)["priority"] for i in ids]  # type: ignore[index]
    assert got == [2, 7, 5, 2]
    store.close()


def test_a_row_inserted_by_sql_with_a_template_is_rendered_or_rejected(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    store.put_policy("template", {**FZ, "state": "APPROVED", "note": None}, OPS)
    store.put_policy("profile", SourceProfile(priority=2).row("HIS"), OPS)
    path = sqlite_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for params in ('{"time": "明天"}', '{"patient": "张三", "time": "明天"}'):
            db.execute(
                "INSERT INTO sms_outbox (source_system, phone, template_code, params) "
                "VALUES ('HIS', ?, 'FZ', ?)",
                (PATIENT, params),
            )
    ids = [1, 2]
    engine = Engine(settings(sqlite_url), store, {"lb": LoopbackCarrier("lb", report_delay=0.01)})

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "both rows final")

    asyncio.run(running([engine], step))
    missing, whole = (store.get_message(i) for i in ids)
    assert "missing variable patient" in missing["error_text"]  # type: ignore[index]
    assert whole["status"] == Status.DELIVERED  # type: ignore[index]
    assert whole["priority"] == 5  # a raw INSERT keeps the column default, not the profile's
    store.close()


def test_a_redelivered_unsubscribe_adds_one_entry_and_one_confirmation(db_url: str) -> None:
    store = open_store(db_url)
    td = Mo("cm", PATIENT, "1069012304", "TD", utcnow(), "APPT", "marketing,notice", True)
    other = Mo("cm", "13800138009", "1069012304", "退订", utcnow(), None, "notice", False)
    store.save_mo("w", [td, other], 3600)
    store.save_mo("w", [td], 3600)  # the carrier delivers it again
    entries = store.load_policy().blacklist
    assert [(e["phone"], e["source_system"], e["categories"]) for e in entries] == [
        (PATIENT, "APPT", "marketing,notice"),
        ("13800138009", None, "notice"),
    ]
    with store.transaction() as tx:
        every = dict(phone=None, scope=None, since=None, until=None, limit=10)
        shown = [r["blacklist_id"] for r in reversed(tx.run("console_replies", **every))]
    assert shown == [entries[0]["id"], entries[1]["id"], entries[0]["id"]]
    assert len(store.audit_trail(AuditFilter(action="unsubscribe"))) == 2
    (confirmation,) = store.find_messages(
        ids=[], refs=[("APPT", f"unsubscribe:{entries[0]['id']}")]
    )
    assert confirmation["phone"] == PATIENT and confirmation["status"] == Status.PENDING
    assert store.status_counts()["PENDING"] == 1  # none for the reply that asked for none
    store.close()


def test_a_blacklist_entry_blocks_until_its_expiry(db_url: str) -> None:
    """Every database answers expire_at its own way (SQLite as text, MySQL without a zone):
    an entry that expired lets the message through, one that has not blocks it."""
    from datetime import timedelta

    from hisms.engine.policy.blacklist import entry_row

    store = open_store(db_url)
    now = utcnow()
    expired, live = (
        entry_row(number, reason=why, expire_at=now + delta)
        for number, why, delta in (
            ("13800138010", "until yesterday", timedelta(days=-1)),
            ("13800138011", "until tomorrow", timedelta(days=1)),
        )
    )
    (_, live_id) = store.add_blacklist([expired, live], OPS)
    ids = store.enqueue(
        [
            NewMessage("13800138010", "复诊提醒", "HIS"),
            NewMessage("13800138011", "复诊提醒", "HIS"),
        ],
        "t",
    )
    engine = Engine(settings(db_url), store, {"lb": LoopbackCarrier("lb", report_delay=0.01)})

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "both messages final")

    asyncio.run(running([engine], step))
    sent, blocked = (store.get_message(i) for i in ids)
    assert sent["status"] == Status.DELIVERED  # type: ignore[index]
    assert (blocked["status"], blocked["error_code"]) == (Status.REJECTED, "BLACKLISTED")  # type: ignore[index]
    assert blocked["error_text"] == f"blacklist entry {live_id} (all traffic): until tomorrow"  # type: ignore[index]
    store.close()


def test_an_entry_scoped_by_service_number_blocks_only_messages_sent_from_it(
    db_url: str,
) -> None:
    """The sender is the channel's service number followed by the source's extension, as
    the patient's phone shows it: 1069012 + 04 for APPT, 1069012 alone for HIS."""
    from hisms.engine.policy.blacklist import entry_row

    store = open_store(db_url)
    store.put_policy("profile", SourceProfile(ext="04").row("APPT"), OPS)
    (barred, _) = store.add_blacklist(
        [
            entry_row("13800138020", service_number="106901204", reason="投诉"),
            entry_row("13800138021", service_number="106901299", reason="另一个号码"),
        ],
        OPS,
    )
    ids = store.enqueue(
        [
            NewMessage("13800138020", "复诊提醒", "APPT"),
            NewMessage("13800138020", "复诊提醒", "HIS"),
            NewMessage("13800138021", "复诊提醒", "APPT"),
        ],
        "t",
    )
    carrier = LoopbackCarrier("lb", report_delay=0.01, src_number="1069012")
    engine = Engine(settings(db_url), store, {"lb": carrier})

    async def step() -> None:
        await until(lambda: asyncio.to_thread(final(store, ids)), 20, "every message final")

    asyncio.run(running([engine], step))
    blocked, other_sender, other_entry = (store.get_message(i) for i in ids)
    assert (blocked["status"], blocked["error_code"]) == (Status.REJECTED, "BLACKLISTED")  # type: ignore[index]
    assert blocked["error_text"] == f"blacklist entry {barred} (service number 106901204): 投诉"  # type: ignore[index]
    assert other_sender["status"] == other_entry["status"] == Status.DELIVERED  # type: ignore[index]
    assert [s.phone for s in carrier.submitted] == ["13800138020", "13800138021"]
    stored = [r["service_number"] for r in store.load_policy().blacklist]
    assert stored == ["106901204", "106901299"]
    store.close()
