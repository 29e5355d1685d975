"""Every content policy through SOAP (SendSms, SendBatch, QueryStatus, CancelSms), on
PostgreSQL and SQLite: the same checks as a row inserted into the table
(test_engine_policy.py), reached through the WebService.

One database, one WebService and two running engines (loopback carriers) per database
for the whole module, to keep it quick: each test uses its own source systems and
numbers, so the tests do not see each other's rows.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import zeep
from zeep.wsse.username import UsernameToken

from hisms.adapters.his import SourceProfile
from hisms.adapters.webservice.server import Server, wsgi_app
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.carrier.base import utcnow
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import AuditFilter, Who
from hisms.engine.worker import Engine
from tests.conftest import _admin, _url_for
from tests.integration.policy.test_engine_policy import settings
from tests.waiting import wait_until

OPS = Who("cli:ops", "hisms-cli")
SOURCES = ["APPT", "CV", "WORDS", "MASK", "DUP", "SIGN", "TPL", "CANCEL", "LAB"]
PASSWORD = "hosp-secret"
FZ = {"code": "FZ", "body": "{patient}您好，请于{time}到{dept}复诊", "category": "notice"}


@dataclass
class Hospital:
    store: Store
    soap: Any  # the zeep service proxy
    carriers: list[LoopbackCarrier]
    engines: list[Engine]

    def send(self, **fields: Any) -> int:
        return int(self.soap.SendSms(**fields))

    def status(self, ids: list[int]) -> list[Any]:
        """The messages as QueryStatus answers them, once every one is final."""

        got: list[Any] = []

        def final() -> bool:
            got[:] = self.soap.QueryStatus(MsgIds={"long": ids})
            return len(got) == len(ids) and all(m.Status >= Status.DELIVERED for m in got)

        def where() -> str:  # on a timeout: each message's status, and each engine's counts
            states = [(m.MsgId, m.StatusName, m.ErrorCode) for m in got]
            return f"{states}; engines {[dict(e.counts) for e in self.engines]}"

        wait_until(final, 60, f"messages {ids} final", where)  # two engines, loaded CI
        return sorted(got, key=lambda m: m.MsgId)

    def texts(self, number: str) -> list[str]:
        """What ``number`` was sent, in the order of the messages (two engines, two carriers)."""
        sent = [s for c in self.carriers for s in list(c.submitted) if s.phone == number]
        return [s.text for s in sorted(sent, key=lambda s: (s.key.outbox_id, s.key.seq))]

    def in_engines(self, seen: Callable[[Engine], bool], what: str) -> None:
        wait_until(lambda: all(seen(e) for e in self.engines), 20, what)


def _database(request: pytest.FixtureRequest, tmp: Any) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp.mktemp('soap-policy') / 'hisms.db'}"
        store = open_store(url)
        store.upgrade()
        store.close()
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name = f"hisms_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _url_for(name)
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def hospital(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hospital]:
    databases = _database(request, tmp_path_factory)
    url = next(databases)
    store = open_store(url, pool_size=8)
    store.put_policy("template", {**FZ, "state": "APPROVED", "note": None}, OPS)
    cfg = WebServiceConfig(clients={"HOSP": ClientConfig(password=PASSWORD, sources=SOURCES)})
    server = Server(wsgi_app(cfg, store), "127.0.0.1", 0, threads=4).start()
    soap = zeep.Client(server.url + "?wsdl", wsse=UsernameToken("HOSP", PASSWORD)).service
    # the first notice to a number is answered ＴＤ (full width), as a patient might
    carriers = [
        LoopbackCarrier("lb", report_delay=0.01, reply_rules={"预约": "ＴＤ"}) for _ in range(2)
    ]
    stores = [open_store(url) for _ in carriers]
    engines = [
        Engine(settings(url, f"e{n}"), s, {"lb": c})
        for n, (s, c) in enumerate(zip(stores, carriers, strict=True))
    ]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runs = [asyncio.run_coroutine_threadsafe(e.run(), loop) for e in engines]
    try:
        yield Hospital(store, soap, carriers, engines)
    finally:
        for engine in engines:
            loop.call_soon_threadsafe(engine.stop)
        for run in runs:
            run.result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        server.stop()
        for s in [store, *stores]:
            s.close()
        next(databases, None)


def _profile(hospital: Hospital, source: str, profile: SourceProfile) -> None:
    """Store a source's profile and wait until both engines hold it (no restart)."""
    hospital.store.put_policy("profile", profile.row(source), OPS)
    hospital.in_engines(
        lambda e: e.policies.current.profiles.of(source) == profile, f"the {source} profile"
    )


def test_a_td_reply_blocks_notices_but_not_critical_values(hospital: Hospital) -> None:
    number = "13800000001"
    _profile(hospital, "APPT", SourceProfile(ext="41"))
    _profile(hospital, "CV", SourceProfile(ext="42", category="transactional"))
    (first,) = hospital.status(
        [hospital.send(Phone=number, Content="您已预约明天门诊", SourceSystem="APPT")]
    )
    assert first.StatusName == "DELIVERED"
    hospital.in_engines(
        lambda e: e.policies.current.blacklist.hit(number, "APPT", "notice", utcnow()) is not None,
        "the unsubscribe entry in both engines",
    )
    notice = hospital.send(Phone=number, Content="复诊提醒", SourceSystem="APPT")
    critical = hospital.send(Phone=number, Content="危急值：血钾6.8", SourceSystem="CV")
    got_notice, got_critical = hospital.status([notice, critical])
    assert (got_notice.StatusName, got_notice.ErrorCode) == ("REJECTED", "BLACKLISTED")
    assert got_notice.ErrorText.startswith("blacklist entry ")
    assert got_critical.StatusName == "DELIVERED"
    entry_id = got_notice.ErrorText.split()[2]
    assert hospital.store.audit_trail(AuditFilter(action="unsubscribe", name=entry_id))


def test_sensitive_words_with_spacing_tricks_and_a_medical_trap(hospital: Hospital) -> None:
    for word, allow in (("大麻", 0), ("法轮功", 0), ("大麻风", 1)):
        hospital.store.put_policy("word", {"word": word, "allow": allow, "note": None}, OPS)
    _profile(hospital, "WORDS", SourceProfile(words="reject"))
    _profile(hospital, "MASK", SourceProfile(words="mask"))
    hospital.in_engines(lambda e: bool(e.policies.current.words.hits("大麻")), "the words")
    number = "13800000002"
    ids = [
        hospital.send(Phone=number, Content=text, SourceSystem="WORDS")
        for text in ("出售 大 麻，价格面议", "法．轮＊功", "您的大麻风复查结果已出，请到皮肤科就诊")
    ]
    ids.append(
        hospital.send(Phone="13800000012", Content="出售 大 麻，价格面议", SourceSystem="MASK")
    )
    spaced, wide, trap, masked = hospital.status(ids)
    assert (spaced.ErrorCode, spaced.ErrorText) == ("SENSITIVE_WORD", "sensitive word 大麻")
    assert (wide.ErrorCode, wide.ErrorText) == ("SENSITIVE_WORD", "sensitive word 法轮功")
    assert trap.StatusName == "DELIVERED"
    assert masked.StatusName == "DELIVERED"
    assert hospital.texts("13800000012") == ["【测试医院】出售 ***，价格面议"]
    added = hospital.store.audit_trail(AuditFilter(object="word", action="create"))
    assert {r["name"] for r in added} >= {"大麻", "法轮功", "大麻风"}


def test_duplicates_sent_through_soap_are_rejected_across_two_engines(hospital: Hospital) -> None:
    _profile(hospital, "DUP", SourceProfile(duplicate_seconds=300))
    number = "13800000003"
    ids = [
        hospital.send(Phone=number, Content="明天上午复诊", SourceSystem="DUP") for _ in range(6)
    ]
    got = hospital.status(ids)
    sent = [m for m in got if m.StatusName == "DELIVERED"]
    assert len(sent) == 1 and len(hospital.texts(number)) == 1
    for m in got:
        if m.MsgId != sent[0].MsgId:
            assert m.ErrorCode == "DUPLICATE"
            assert m.ErrorText.startswith(f"duplicate of message {sent[0].MsgId}:")


def test_a_signature_change_is_picked_up_without_restart(hospital: Hospital) -> None:
    number = "13800000004"
    _profile(hospital, "SIGN", SourceProfile(signature="市一院"))
    hospital.status([hospital.send(Phone=number, Content="复诊提醒", SourceSystem="SIGN")])
    _profile(hospital, "SIGN", SourceProfile(signature="市第一人民医院"))
    hospital.status([hospital.send(Phone=number, Content="复诊提醒", SourceSystem="SIGN")])
    assert hospital.texts(number) == ["【市一院】复诊提醒", "【市第一人民医院】复诊提醒"]
    changes = hospital.store.audit_trail(AuditFilter(object="profile", name="SIGN"))
    assert sorted(r["action"] for r in changes) == ["create", "update"]
    after = [json.loads(r["after_json"])["signature"] for r in changes]
    assert sorted(after) == ["市一院", "市第一人民医院"]


def test_a_template_with_a_missing_variable_is_rejected_naming_it(hospital: Hospital) -> None:
    given = [
        {"patient": "张三", "time": "明天"},
        {"patient": "张三", "time": "明天", "dept": "儿科"},
    ]
    ids = [
        hospital.send(
            Phone="13800000005", TemplateCode="FZ", Params=json.dumps(p), SourceSystem="TPL"
        )
        for p in given
    ]
    missing, whole = hospital.status(ids)
    assert (missing.ErrorCode, missing.ErrorText) == (
        "TEMPLATE_PARAMS",
        "template 'FZ': missing variable dept",
    )
    assert whole.StatusName == "DELIVERED"


def test_a_batch_of_numbers_with_one_template_and_params_per_number(hospital: Hospital) -> None:
    """The common hospital case: one template, shared variables for the batch, the
    patient's name per number; a number whose variables are incomplete is REJECTED alone."""
    items = [
        {"Phone": "13800000006", "Params": json.dumps({"patient": "张三"})},
        {"Phone": "13800000007", "Params": json.dumps({"patient": "李四", "time": "后天"})},
        {"Phone": "13800000008"},
        {"Phone": "13800000009", "Content": "请到儿科复诊"},
    ]
    answer = hospital.soap.SendBatch(
        Items={"BatchItem": items},
        SourceSystem="TPL",
        BatchRef="FZ-1201",
        TemplateCode="FZ",
        Params=json.dumps({"time": "明天上午", "dept": "心内科"}),
    )
    assert (answer.Total, answer.Accepted) == (4, 4)
    refs = [f"FZ-1201#{n}" for n in range(1, 5)]
    rows = hospital.soap.QueryStatus(SourceSystem="TPL", SourceRefs={"string": refs})
    zhang, li, nobody, own = hospital.status([m.MsgId for m in rows])
    assert zhang.StatusName == li.StatusName == own.StatusName == "DELIVERED"
    assert (nobody.ErrorCode, nobody.ErrorText) == (
        "TEMPLATE_PARAMS",
        "template 'FZ': missing variable patient",
    )
    assert hospital.texts("13800000006") == ["【测试医院】张三您好，请于明天上午到心内科复诊"]
    assert hospital.texts("13800000007") == ["【测试医院】李四您好，请于后天到心内科复诊"]
    assert hospital.texts("13800000009") == ["【测试医院】请到儿科复诊"]


def test_a_template_not_in_its_source_profile_is_rejected_naming_both(
    hospital: Hospital,
) -> None:
    _profile(hospital, "LAB", SourceProfile(templates=("FZ",)))
    params = json.dumps({"patient": "张三", "time": "明天", "dept": "检验科"})
    hospital.store.put_policy(
        "template", {**FZ, "code": "JC", "state": "APPROVED", "note": None}, OPS
    )
    ids = [
        hospital.send(Phone="13800000013", TemplateCode=code, Params=params, SourceSystem="LAB")
        for code in ("FZ", "JC")
    ]
    ids.append(hospital.send(Phone="13800000013", Content="检验报告已出", SourceSystem="LAB"))
    listed, other, text = hospital.status(ids)
    assert listed.StatusName == "DELIVERED" and text.StatusName == "DELIVERED"
    assert (other.StatusName, other.ErrorCode, other.ErrorText) == (
        "REJECTED",
        "TEMPLATE_NOT_ALLOWED",
        "template 'JC' is not one source LAB may use (FZ)",
    )


@pytest.mark.parametrize(
    ("batch", "item", "fault"),
    [
        ({"Content": "复诊", "TemplateCode": "FZ"}, {}, "Content or TemplateCode"),
        ({"Params": "{}"}, {"Content": "复诊"}, "Params needs TemplateCode"),
        (
            {"Content": "复诊"},
            {"Params": "{}"},
            r"Items\[1\]\.Params needs the batch's TemplateCode",
        ),
        ({"TemplateCode": "FZ", "Params": "[1]"}, {}, "Params is not a JSON object"),
        ({"TemplateCode": "FZ"}, {"Params": "{patient"}, r"Items\[1\]\.Params is not JSON"),
        ({"TemplateCode": "FZ"}, {"Params": "{}", "Content": "x"}, "gives Content and Params"),
    ],
)
def test_a_wrong_template_batch_is_refused_and_writes_nothing(
    hospital: Hospital, batch: dict[str, str], item: dict[str, str], fault: str
) -> None:
    before = sum(hospital.store.status_counts().values())
    with pytest.raises(zeep.exceptions.Fault, match=fault):
        hospital.soap.SendBatch(
            Items={"BatchItem": [{"Phone": "13800000010", **item}]}, SourceSystem="TPL", **batch
        )
    assert sum(hospital.store.status_counts().values()) == before


def test_a_cancel_through_soap_is_audited(hospital: Hospital) -> None:
    msg_id = hospital.send(
        Phone="13800000011",
        Content="明天复诊",
        SourceSystem="CANCEL",
        SendAt=utcnow() + timedelta(hours=1),
    )
    answer = hospital.soap.CancelSms(MsgId=msg_id, Reason="wrong patient")
    assert answer.StatusName == "CANCELLED"
    (row,) = hospital.store.audit_trail(AuditFilter(action="cancel", name=str(msg_id)))
    assert (row["object"], row["actor"]) == ("message", "ws:HOSP")
