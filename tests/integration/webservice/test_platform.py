"""Results pushed to the fake integration platform; auto switch to table mode and replay."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from hisms.adapters.webservice.fakeplatform import FakePlatform
from hisms.adapters.webservice.push import Pusher
from hisms.adapters.webservice.settings import PlatformConfig
from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, Mo, NewMessage, Store, WriteBack

W = "pusher-test"


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform().start()
    yield fake
    fake.stop()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url)
    yield store
    store.close()


def pusher(store: Store, platform: FakePlatform, **kw: object) -> Pusher:
    cfg = PlatformConfig(enabled=True, wsdl=platform.wsdl, sources=["HIS"], retry_attempts=2, **kw)  # type: ignore[arg-type]
    store.register_sources(cfg.sources, "platform", W)
    return Pusher(cfg, store, W)


def deliver(store: Store, phones: list[str], source: str = "HIS") -> list[int]:
    """Messages through submit and DELIVRD reports, the way the engine writes them back."""
    ids = store.enqueue([NewMessage(p, "复查", source_system=source) for p in phones], "t")
    now = utcnow()
    for c in store.claim(W, BULK, 100, 30):
        part = {"channel": "cm", "carrier_msg_id": f"M{c.id}", "submitted_at": now}
        store.write_back(
            W,
            WriteBack(
                submitted=[
                    {"id": c.id, "attempt": c.attempt, "phone": c.phone, "segments": 1, **part}
                ],
                segments=[{"outbox_id": c.id, "seq": 1, "total": 1, "submit_result": "0", **part}],
            ),
        )
    store.save_reports(W, [DeliveryReport("cm", f"M{i}", "DELIVRD") for i in ids])
    return ids


def reply(store: Store, phone: str, text: str) -> None:
    store.save_mo(
        W, [Mo("cm", phone, "106901", text, utcnow() + timedelta(seconds=1), "HIS")], 3600
    )


def statuses(platform: FakePlatform) -> list[tuple[int, int]]:
    return [
        (c.fields["MsgId"], c.fields["Status"])
        for c in platform.state.received
        if c.operation == "ReceiveSmsResult"
    ]


def test_reports_and_replies_reach_the_platform_in_order(
    pg_store: Store, platform: FakePlatform
) -> None:
    push = pusher(pg_store, platform)
    first, second = deliver(pg_store, ["13800138001", "13800138002"])
    deliver(pg_store, ["13800138003"], source="LIS")  # not a platform source: no events
    reply(pg_store, "13800138001", "确认")
    assert push.run_once() == 5
    assert statuses(platform) == [(first, 2), (second, 2), (first, 3), (second, 3)]
    mo = platform.state.received[-1]
    assert mo.operation == "ReceiveSmsReply"
    assert (mo.fields["Content"], mo.fields["MsgId"], mo.fields["Phone"]) == (
        "确认",
        first,
        "13800138001",
    )
    delivered = [c.fields for c in platform.state.received][2]
    assert (delivered["StatusName"], delivered["ReportStat"], delivered["SourceSystem"]) == (
        "DELIVERED", "DELIVRD", "HIS",
    )  # fmt: skip
    assert push.run_once() == 0  # nothing twice
    assert pg_store.take_replies("HIS", 0, 10, "t")[0]["content"] == "确认"
    (mode,) = pg_store.source_modes()
    assert (mode["mode"], mode["unpushed"]) == ("platform", 0)


def test_outage_switches_to_table_mode_and_switching_back_replays_once_in_order(
    pg_store: Store, platform: FakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    push = pusher(pg_store, platform, failure_threshold=3)
    (early,) = deliver(pg_store, ["13800138001"])
    assert push.run_once() == 2
    platform.state.failing = True
    during = deliver(pg_store, ["13800138002", "13800138003"])
    for _ in range(3):
        assert push.run_once() == 0
    (mode,) = pg_store.source_modes()
    assert mode["mode"] == "table" and mode["reason"].startswith(
        "auto: 3 consecutive push failures"
    )
    assert "ALARM platform push for HIS failed 3 times in a row" in caplog.text
    assert mode["unpushed"] == 4
    # In table mode the results are in the tables for the source system to read.
    assert {pg_store.get_message(i)["status_name"] for i in during} == {"DELIVERED"}  # type: ignore[index]
    platform.state.failing = False
    later = deliver(pg_store, ["13800138004"])
    reply(pg_store, "13800138004", "收到")
    assert push.run_once() == 0  # table mode: nothing pushed even though the platform is back
    assert pg_store.set_mode("platform", ["HIS"], "ops", "platform recovered") == ["HIS"]
    assert push.run_once() == 7
    got = statuses(platform)
    assert got == [(early, 2), (early, 3)] + [(i, 2) for i in during] + [(i, 3) for i in during] + [
        (later[0], 2), (later[0], 3),
    ]  # fmt: skip
    event_ids = [c.fields["EventId"] for c in platform.state.received]
    assert event_ids == sorted(set(event_ids))  # each once, in the order they happened
    assert platform.state.received[-1].fields["Content"] == "收到"
    assert push.run_once() == 0


def test_only_one_instance_pushes_for_a_source(
    pg_store: Store, pg_url: str, platform: FakePlatform
) -> None:
    one = pusher(pg_store, platform)
    other_store = open_store(pg_url)
    try:
        other = Pusher(one.cfg, other_store, "other-instance")
        deliver(pg_store, ["13800138001"])
        assert one.run_once() == 2
        deliver(pg_store, ["13800138002"])
        assert other.run_once() == 0  # the lease is held by the first instance
        assert one.run_once() == 2
    finally:
        other_store.close()


def test_mode_changes_are_logged_with_who_and_why(
    pg_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    pg_store.register_sources(["HIS", "LIS"], "platform", "t")
    assert pg_store.set_mode("table", None, "ops", "ESB maintenance") == ["HIS", "LIS"]
    rows = pg_store.source_modes()
    assert {(r["mode"], r["changed_by"], r["reason"]) for r in rows} == {
        ("table", "ops", "ESB maintenance")
    }
    assert pg_store.register_sources(["HIS", "EMR"], "platform", "t") == ["EMR"]
