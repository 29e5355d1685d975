"""Content from a template routes by its template (a routing rule's ``templates``), for a
row inserted into the table on every live database and for SendSms/SendBatch through the
WebService on PostgreSQL and SQLite: the rule is read from the database (sms_route_rule),
as ``hisms route apply`` and the console's routing page write it.

A message is followed until a carrier took it (its channel is what routing decided), not
to its delivery report: that is another test's concern.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import zeep
from zeep.wsse.username import UsernameToken

from hisms.adapters.webservice.server import Server, wsgi_app
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import ChannelConfig, Settings
from hisms.engine.routing.rules import Member, RouteTable, Rule
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import Who
from hisms.engine.worker import Engine
from tests.conftest import _admin, _url_for
from tests.integration.policy.test_engine_policy import running, settings
from tests.waiting import until, wait_until

OPS = Who("cli:ops", "hisms-cli")
FZ = {"code": "FZ", "body": "{patient}您好，请于{time}复诊", "category": "notice"}
# Template FZ goes through channel "tpl" (say, the provider holding the registered
# template); everything else through "lb".
ROUTES = RouteTable(
    (Rule("by-template", "templated", 10, templates=("FZ",)), Rule("default", "main", 90)),
    (Member("templated", "tpl", 100, 0), Member("main", "lb", 100, 0)),
)


def two_channels(url: str) -> Settings:
    cfg = settings(url)
    return cfg.model_copy(
        update={"channels": [ChannelConfig(name=n, protocol="loopback") for n in ("lb", "tpl")]}
    )


def prepared(store: Store) -> None:
    store.put_policy("template", {**FZ, "state": "APPROVED", "note": None}, OPS)
    store.save_routes(ROUTES, "cli:ops")
    stored = store.load_routes()
    assert stored is not None and stored.rules == ROUTES.rules  # the templates column too


def channels_of(store: Store, ids: list[int]) -> list[str | None]:
    return [store.get_message(i)["channel"] for i in ids]  # type: ignore[index]


def test_a_row_with_a_template_is_routed_by_it(db_url: str) -> None:
    store = open_store(db_url)
    prepared(store)
    carriers = {n: LoopbackCarrier(n, report_delay=0.01) for n in ("lb", "tpl")}
    engine = Engine(two_channels(db_url), store, carriers)
    engine.channels.sync(store, "t", 0.0)  # the database's rules before the first claim
    params = json.dumps({"patient": "张三", "time": "明天"})
    ids = store.enqueue(
        [
            NewMessage("13800138000", None, "HIS", template_code="FZ", params=params),
            NewMessage("13800138001", "请于明天复诊", "HIS"),
        ],
        "t",
    )

    async def step() -> None:
        await until(lambda: sum(len(c.submitted) for c in carriers.values()) == 2, 30, "both sent")

    asyncio.run(running([engine], step))
    assert [s.text for s in carriers["tpl"].submitted] == ["【测试医院】张三您好，请于明天复诊"]
    assert [s.text for s in carriers["lb"].submitted] == ["【测试医院】请于明天复诊"]
    assert channels_of(store, ids) == ["tpl", "lb"]
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Any, Store, str]]:
    """A WebService over a fresh database of the kind asked for: (the SOAP service, a store,
    the database's URL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hisms.db'}"
        name = None
    else:
        template = request.getfixturevalue("pg_template")
        name = f"hisms_test_{uuid.uuid4().hex[:12]}"
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _url_for(name)
    store = open_store(url, pool_size=4)
    store.upgrade()
    cfg = WebServiceConfig(clients={"HOSP": ClientConfig(password="pw", sources=["APPT"])})
    server = Server(wsgi_app(cfg, store), "127.0.0.1", 0, threads=2).start()
    try:
        soap = zeep.Client(server.url + "?wsdl", wsse=UsernameToken("HOSP", "pw")).service
        yield soap, store, url
    finally:
        server.stop()
        store.close()
        if name is not None:
            with _admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_templates_sent_through_soap_are_routed_by_them(served: tuple[Any, Store, str]) -> None:
    soap, store, url = served
    prepared(store)
    one = int(
        soap.SendSms(
            Phone="13800138002",
            TemplateCode="FZ",
            Params=json.dumps({"patient": "李四", "time": "后天"}),
            SourceSystem="APPT",
        )
    )
    plain = int(soap.SendSms(Phone="13800138003", Content="请于后天复诊", SourceSystem="APPT"))
    answer = soap.SendBatch(
        Items={"BatchItem": [{"Phone": "13800138004", "Params": json.dumps({"patient": "王五"})}]},
        SourceSystem="APPT",
        BatchRef="FZ-9",
        TemplateCode="FZ",
        Params=json.dumps({"time": "周一"}),
    )
    assert answer.Accepted == 1
    (batch,) = soap.QueryStatus(SourceSystem="APPT", SourceRefs={"string": ["FZ-9#1"]})
    ids = [one, plain, int(batch.MsgId)]

    carriers = {n: LoopbackCarrier(n, report_delay=0.01) for n in ("lb", "tpl")}
    engine_store = open_store(url)
    engine = Engine(two_channels(url), engine_store, carriers)
    engine.channels.sync(engine_store, "t", 0.0)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    run = asyncio.run_coroutine_threadsafe(engine.run(), loop)
    try:
        wait_until(lambda: sum(len(c.submitted) for c in carriers.values()) == 3, 30, "all sent")
    finally:
        loop.call_soon_threadsafe(engine.stop)
        run.result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        engine_store.close()
    assert sorted(s.text for s in carriers["tpl"].submitted) == [
        "【测试医院】李四您好，请于后天复诊",
        "【测试医院】王五您好，请于周一复诊",
    ]
    assert [s.text for s in carriers["lb"].submitted] == ["【测试医院】请于后天复诊"]
    assert channels_of(store, ids) == ["tpl", "lb", "tpl"]
