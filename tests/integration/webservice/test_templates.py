"""SendSms with a template: TemplateCode and Params (a JSON object) instead of Content; the
engine renders it and REJECTS a wrong variable naming it; no Priority: the profile's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
import zeep

from hisms.adapters.his import SourceProfile
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.status import Status
from hisms.engine.store.policystore import Who
from hisms.engine.worker import Engine
from tests.waiting import until

from .conftest import Live, zeep_client

OPS = Who("cli:ops", "hisms-cli")
FZ = {"code": "FZ", "body": "{patient}您好，请于{time}复诊", "category": "notice"}


@pytest.fixture(params=["sqlite_url", "pg_url"])
def live(make_ws: Callable[..., Live], request: pytest.FixtureRequest) -> Live:
    live = make_ws(str(request.getfixturevalue(request.param)))
    live.store.put_policy("template", {**FZ, "state": "APPROVED", "note": None}, OPS)
    live.store.put_policy("profile", SourceProfile(priority=2).row("HIS"), OPS)
    return live


def test_a_template_with_a_missing_variable_is_rejected_naming_it(live: Live) -> None:
    soap = zeep_client(live).service
    ids = [
        soap.SendSms(Phone="13800138000", TemplateCode="FZ", Params=json.dumps(params))
        for params in ({"patient": "张三"}, {"patient": "张三", "time": "明天上午"})
    ]
    assert [live.store.get_message(i)["priority"] for i in ids] == [2, 2]  # type: ignore[index]
    engine = Engine(
        Settings(
            database=DatabaseConfig(url="sqlite://"),
            engine=EngineConfig(worker_id="t", poll_min_seconds=0.01, poll_max_seconds=0.1),
            validation=ValidationConfig(default_signature="测试医院"),
            channels=[ChannelConfig(name="lb", protocol="loopback")],
        ),
        live.store,
        {"lb": LoopbackCarrier("lb", report_delay=0.01)},
    )

    def final() -> bool:
        return all(live.store.get_message(i)["status"] >= Status.DELIVERED for i in ids)  # type: ignore[index]

    async def run() -> None:
        task = asyncio.create_task(engine.run())
        try:
            await until(lambda: asyncio.to_thread(final), 20, "both messages final")
        finally:
            engine.stop()
            await task

    asyncio.run(run())
    missing, whole = (live.store.get_message(i) for i in ids)
    assert missing["error_code"] == "TEMPLATE_PARAMS"  # type: ignore[index]
    assert "missing variable time" in missing["error_text"]  # type: ignore[index]
    assert whole["status"] == Status.DELIVERED, whole["error_text"]  # type: ignore[index]


def test_content_and_a_template_together_are_refused(live: Live) -> None:
    soap = zeep_client(live).service
    with pytest.raises(zeep.exceptions.Fault, match="Content or TemplateCode"):
        soap.SendSms(Phone="13800138000", Content="x", TemplateCode="FZ", Params="{}")
    with pytest.raises(zeep.exceptions.Fault, match="Content"):
        soap.SendSms(Phone="13800138000")
