"""The shared HTTP carrier with a scripted provider: verdicts, throttling, a refused key,
pushes answered once stored, polling, standby."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response

from hisms.carrier.base import (
    CarrierEvent,
    ChannelState,
    DeliveryReport,
    Outcome,
    Submission,
    SubmitKey,
)
from hisms.carrier.httpapi.answers import Answer, Verdict
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.httpapi.provider import Provider, Push, Pushed, PushError, Sent
from hisms.carrier.httpapi.settings import HttpSettings
from hisms.carrier.wire.text import PROVIDER_SPLITS


def run(test: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    @functools.wraps(test)
    def sync() -> None:
        asyncio.run(test())  # type: ignore[arg-type]

    return sync


class Scripted(Provider):
    max_numbers = 2
    polls = True

    def __init__(self, script: list[Verdict]) -> None:
        super().__init__("ch")
        self.script = script  # one verdict per request, the last repeats
        self.requests: list[list[str]] = []
        self.polled: list[str] = []

    async def send(self, parts: Sequence[Submission]) -> list[Answer]:
        self.requests.append([p.phone for p in parts])
        verdict = self.script[min(len(self.requests), len(self.script)) - 1]
        return [Answer(verdict, f"id{p.key.outbox_id}", code=verdict.name, billed=2) for p in parts]

    def read_push(self, push: Push) -> list[Pushed]:
        if push.body == b"bad":
            raise PushError("not a report")
        return [DeliveryReport("ch", push.body.decode(), "DELIVRD")]

    def push_reply(self, stored: bool) -> Response:
        return JSONResponse({"ok": stored}, status_code=200 if stored else 500)

    async def poll(self, sent: Sequence[Sent]) -> list[Pushed]:
        self.polled += [s.carrier_msg_id for s in sent]
        return [DeliveryReport("ch", s.carrier_msg_id, "DELIVRD") for s in sent]


def part(n: int, text: str = "hello") -> Submission:
    return Submission(SubmitKey(n, 1, 1), f"1380013800{n}", text, text.encode())


def carrier(script: list[Verdict], **options: object) -> tuple[HttpCarrier, list[CarrierEvent]]:
    settings = HttpSettings.model_validate(
        {"throttle_wait_seconds": 0.01, "poll_every_seconds": 0.02, **options}
    )
    events: list[CarrierEvent] = []
    return HttpCarrier("ch", settings, Scripted(script)), events


async def started(
    script: list[Verdict], **options: object
) -> tuple[HttpCarrier, list[CarrierEvent]]:
    c, events = carrier(script, **options)
    await c.start(events.append)
    return c, events


@run
async def test_whole_text_one_part_and_requests_grouped_by_text() -> None:
    c, _ = await started([Verdict.ACCEPTED], poll_reports=False)
    assert c.coding("x" * 500) == PROVIDER_SPLITS
    results = await c.submit([part(1), part(2), part(3), part(4, "other")])
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 4
    assert [r.carrier_msg_id for r in results] == ["id1", "id2", "id3", "id4"]
    assert results[0].billed == 2
    provider = c.provider
    assert isinstance(provider, Scripted)
    assert sorted(map(len, provider.requests)) == [1, 1, 2]  # at most 2 numbers a request
    await c.stop()


@run
async def test_rejected_fails_with_the_provider_code() -> None:
    c, _ = await started([Verdict.REJECTED])
    (r,) = await c.submit([part(1)])
    assert (r.outcome, r.error_code) == (Outcome.FAILED, "REJECTED")
    await c.stop()


@run
async def test_throttled_sent_again_after_waits_then_retry() -> None:
    c, _ = await started([Verdict.THROTTLED, Verdict.ACCEPTED])
    (r,) = await c.submit([part(1)])
    assert r.outcome is Outcome.ACCEPTED and c.stats.throttled == 1
    c2, _ = await started([Verdict.THROTTLED], max_throttles=2)
    (r2,) = await c2.submit([part(1)])
    assert (r2.outcome, r2.error_code) == (Outcome.RETRY, "THROTTLED")
    provider = c2.provider
    assert isinstance(provider, Scripted) and len(provider.requests) == 3  # no hot loop
    await c.stop()
    await c2.stop()


@run
async def test_refused_key_takes_the_channel_down_without_more_requests() -> None:
    c, events = await started([Verdict.AUTH, Verdict.ACCEPTED], down_min_seconds=0.2)
    (r,) = await c.submit([part(1)])
    assert (r.outcome, r.error_code) == (Outcome.RETRY, "AUTH")
    states = [e for e in events if isinstance(e, ChannelState)]
    assert states[-1].up is False and "refused our key" in states[-1].detail
    for _ in range(5):  # while DOWN: RETRY at once, nothing sent
        (again,) = await c.submit([part(2)])
        assert again.outcome is Outcome.RETRY
    provider = c.provider
    assert isinstance(provider, Scripted) and len(provider.requests) == 1
    await asyncio.sleep(0.3)
    assert [e for e in events if isinstance(e, ChannelState)][-1].up is True
    (ok,) = await c.submit([part(3)])
    assert ok.outcome is Outcome.ACCEPTED
    await c.stop()


@run
async def test_transport_error_is_retry() -> None:
    class Broken(Scripted):
        async def send(self, parts: Sequence[Submission]) -> list[Answer]:
            raise httpx.ConnectError("refused")

    c = HttpCarrier("ch", HttpSettings(), Broken([]))
    await c.start(lambda e: None)
    (r,) = await c.submit([part(1)])
    assert r.outcome is Outcome.RETRY and "ConnectError" in (r.error_text or "")
    await c.stop()


@run
async def test_standby_engine_hands_back() -> None:
    c, _ = await started([Verdict.ACCEPTED])
    await c.resize(0, None)
    (r,) = await c.submit([part(1)])
    assert r.outcome is Outcome.RETRY and "no share" in (r.error_text or "")
    await c.resize(2, 10.0)
    (r,) = await c.submit([part(1)])
    assert r.outcome is Outcome.ACCEPTED
    await c.stop()


@run
async def test_push_answered_once_stored_and_ends_polling() -> None:
    c, events = await started([Verdict.ACCEPTED], report_wait_seconds=30)
    await c.submit([part(1)])
    assert len(c.pending) == 1

    def store(event: CarrierEvent) -> None:
        events.append(event)
        if isinstance(event, DeliveryReport) and event.ack is not None:
            event.ack()

    c._sink = store
    app = Starlette(routes=c.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as web:
        ok = await web.post("/callbacks/ch/report", content=b"id1")
        bad = await web.post("/callbacks/ch/report", content=b"bad")
    assert ok.json() == {"ok": True} and bad.status_code == 500
    assert [e.carrier_msg_id for e in events if isinstance(e, DeliveryReport)] == ["id1"]
    assert len(c.pending) == 0
    await c.stop()


@run
async def test_push_not_stored_in_time_is_an_error_answer_and_token_checked() -> None:
    c, _events = await started(
        [Verdict.ACCEPTED], callback_store_seconds=0.05, callback_token="t0k"
    )
    app = Starlette(routes=c.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as web:
        forbidden = await web.post("/callbacks/ch/report", content=b"id1")
        late = await web.post("/callbacks/ch/report?token=t0k", content=b"id1")
    assert forbidden.status_code == 403
    assert late.status_code == 500  # never acked: the provider pushes it again
    await c.stop()


@run
async def test_unreported_parts_are_polled() -> None:
    c, events = await started([Verdict.ACCEPTED], report_wait_seconds=0.01)
    await c.submit([part(1)])
    for _ in range(100):
        if any(isinstance(e, DeliveryReport) for e in events):
            break
        await asyncio.sleep(0.02)
    provider = c.provider
    assert isinstance(provider, Scripted) and provider.polled == ["id1"]
    assert len(c.pending) == 0
    await c.stop()


def test_secret_never_in_repr() -> None:
    settings = HttpSettings.model_validate({"secret": "s3cr3t", "key": "k"})
    assert "s3cr3t" not in repr(settings) and settings.secret.get_secret_value() == "s3cr3t"


def test_provider_splits_is_one_part_of_the_whole_text() -> None:
    from hisms.engine import segment

    (whole,) = segment.split("长" * 300, 7, PROVIDER_SPLITS)
    assert (whole.total, whole.udh, whole.text) == (1, b"", "长" * 300)


@run
async def test_the_collector_shows_the_http_counters() -> None:
    from unittest.mock import MagicMock

    from prometheus_client import CollectorRegistry, generate_latest

    from hisms.monitoring.channels import ChannelCollector

    c, _ = await started([Verdict.THROTTLED, Verdict.ACCEPTED], poll_reports=False)
    await c.submit([part(1)])
    metrics = MagicMock(worker="w", reports={})
    registry = CollectorRegistry()
    registry.register(ChannelCollector(metrics, {"ch": c}, MagicMock()))
    text = generate_latest(registry).decode()
    assert 'hisms_http_throttled_total{channel="ch",worker="w"} 1.0' in text
    assert 'hisms_http_requests_total{channel="ch",worker="w"} 2.0' in text
    assert 'hisms_http_unreported{channel="ch",worker="w"} 1.0' in text
    await c.stop()
