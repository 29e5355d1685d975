"""The carrier the engine sees for every HTTP provider.

Each part is one number of a request (parts with the same text share a request up to the
provider's ``max_numbers``). Requests wait for the channel's rate and for a free slot of
``connections``; both are the channel's limits, split among the engines like the binary
protocols' links (:class:`~hisms.engine.shares.ChannelShares`). A throttled answer slows
the rate and is sent again after a doubling wait, ``max_throttles`` times, then RETRY;
a refused key takes the channel DOWN (its traffic fails over) for a doubling time, after
which it is UP again to try once more. Pushes come in through :meth:`HttpCarrier.routes`
on the engine's HTTP server and are answered once stored; parts with no pushed report
are polled.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hmac
import logging
import time
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hisms.carrier.base import (
    Carrier,
    ChannelState,
    DeliveryReport,
    EventSink,
    Outcome,
    Submission,
    SubmitResult,
    utcnow,
)
from hisms.carrier.httpapi.answers import Answer, Verdict, result
from hisms.carrier.httpapi.gate import Gate, Standby
from hisms.carrier.httpapi.pending import Pending
from hisms.carrier.httpapi.provider import Provider, Push, Pushed, PushError, Sent
from hisms.carrier.httpapi.settings import HttpSettings
from hisms.carrier.session.ratelimit import AdaptiveRate
from hisms.carrier.wire.text import PROVIDER_SPLITS
from hisms.engine.errors import ErrorCode

log = logging.getLogger(__name__)
CALLBACK_PREFIX = "/callbacks"


@dataclasses.dataclass(slots=True)
class HttpStats:
    requests: int = 0
    accepted: int = 0
    failed: int = 0
    retried: int = 0  # parts handed back to the engine as RETRY
    throttled: int = 0  # throttled answers (per request)
    refused_key: int = 0  # answers refusing our key or signature
    pushes: int = 0  # pushes received (reports and replies)
    polled: int = 0  # reports and replies brought by polling


class HttpCarrier(Carrier):
    def __init__(
        self,
        name: str,
        settings: HttpSettings,
        provider: Provider,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(name)
        self.settings = settings
        self.provider = provider
        self.client = client  # closed with the carrier (a provider on an SDK may have none)
        # An aggregator's gateway sends from src_number + ext (when configured); the cloud
        # APIs send under a sign name, from no number of ours.
        self.src_number = str(getattr(getattr(provider, "opts", None), "src_number", "") or "")
        self.stats = HttpStats()
        self.rate = AdaptiveRate(settings.rate)
        self.gate = Gate(settings.connections)
        self.pending = Pending(
            timedelta(seconds=settings.report_wait_seconds),
            timedelta(seconds=settings.poll_every_seconds),
            timedelta(seconds=settings.poll_for_seconds),
        )
        self._sink: EventSink | None = None
        self._down_until = 0.0  # monotonic: the key was refused, nothing is sent before this
        self._down_why = ""
        self._down_wait = 0.0  # the last DOWN's length; doubles while refusals follow
        self._tasks: set[asyncio.Task[None]] = set()

    def coding(self, text: str) -> int:
        return PROVIDER_SPLITS

    # -- lifecycle --------------------------------------------------------------

    async def start(self, on_event: EventSink) -> None:
        self._sink = on_event
        on_event(ChannelState(self.name, up=True, detail=type(self.provider).__name__))
        if (self.settings.poll_reports and self.provider.polls) or self.provider.pulls_replies:
            self._spawn(self._poll_loop())

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.drain_seconds):
                await self.gate.idle()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.provider.close()
        if self.client is not None:
            await self.client.aclose()

    # -- shared limits (engine/shares.py) --------------------------------------

    def address(self) -> tuple[str, int] | None:
        return self.provider.address()

    def limits(self) -> tuple[int, float | None]:
        return self.settings.connections, self.settings.rate

    async def resize(self, connections: int, rate: float | None) -> None:
        if rate != self.rate.configured:  # an unchanged share keeps what throttling taught
            self.rate = AdaptiveRate(rate)
        await self.gate.resize(connections)

    # -- submitting --------------------------------------------------------------

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        requests = _requests(batch, self.provider.max_numbers)
        answered = await asyncio.gather(*(self._request(parts) for parts in requests))
        by_key = {r.key: r for results in answered for r in results}
        return [by_key[s.key] for s in batch]

    async def _request(self, parts: list[Submission]) -> list[SubmitResult]:
        if (why := self._refusing()) is not None:
            return self._retry(parts, ErrorCode.RETRY, why)
        try:
            async with self.gate.slot():
                return await self._send(parts)
        except Standby:
            why = "this engine holds no share of the channel now"
            return self._retry(parts, ErrorCode.RETRY, why)

    async def _send(self, parts: list[Submission]) -> list[SubmitResult]:
        results: dict[int, SubmitResult] = {}
        todo = list(range(len(parts)))
        for throttles in range(self.settings.max_throttles + 1):
            await self.rate.acquire()
            answers = await self._answers([parts[i] for i in todo])
            throttled = []
            for i, answer in zip(todo, answers, strict=True):
                if answer.verdict is Verdict.THROTTLED:
                    throttled.append(i)
                    results[i] = result(parts[i].key, answer)
                elif answer.verdict is Verdict.AUTH:
                    self._refused(answer)
                    results[i] = result(parts[i].key, answer)
                else:
                    results[i] = self._settled(parts[i], answer)
            if not throttled:
                break
            self.stats.throttled += 1
            self.rate.slow_down()
            if throttles == self.settings.max_throttles:
                break
            await asyncio.sleep(self.settings.throttle_wait_seconds * 2**throttles)
            todo = throttled
            if self._refusing() is not None:
                break
        out = [results[i] for i in range(len(parts))]
        self.stats.retried += sum(r.outcome is Outcome.RETRY for r in out)
        return out

    async def _answers(self, parts: list[Submission]) -> list[Answer]:
        self.stats.requests += 1
        try:
            answers = await self.provider.send(parts)
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            text = _described(exc)
            log.warning("%s: request failed: %s", self.name, text)
            return [Answer(Verdict.RETRY, code=ErrorCode.RETRY, text=text) for _ in parts]
        if len(answers) != len(parts):
            text = f"{len(answers)} answers to {len(parts)} numbers"
            return [Answer(Verdict.RETRY, code=ErrorCode.NO_RESULT, text=text) for _ in parts]
        if self._down_wait and not any(a.verdict is Verdict.AUTH for a in answers):
            self._down_wait = 0.0  # the key passes again
        return answers

    def _settled(self, part: Submission, answer: Answer) -> SubmitResult:
        settled = result(part.key, answer)
        if settled.outcome is Outcome.ACCEPTED and answer.carrier_msg_id:
            self.stats.accepted += 1
            if part.want_report:
                self.pending.add(Sent(answer.carrier_msg_id, part.phone, settled.at))
        elif settled.outcome is Outcome.FAILED:
            self.stats.failed += 1
        return settled

    def _retry(self, parts: Sequence[Submission], code: str, why: str) -> list[SubmitResult]:
        self.stats.retried += len(parts)
        return [SubmitResult(p.key, Outcome.RETRY, error_code=code, error_text=why) for p in parts]

    # -- a refused key -----------------------------------------------------------

    def _refusing(self) -> str | None:
        return self._down_why if time.monotonic() < self._down_until else None

    def _refused(self, answer: Answer) -> None:
        """The provider refused our key or signature: DOWN for a doubling time (one
        refusal per request counts; those of requests already in flight do not double)."""
        self.stats.refused_key += 1
        if self._refusing() is not None:
            return
        s = self.settings
        self._down_wait = min(s.down_max_seconds, max(s.down_min_seconds, self._down_wait * 2))
        self._down_until = time.monotonic() + self._down_wait
        self._down_why = f"the provider refused our key: {answer.code} {answer.text or ''}".strip()
        log.error("%s: %s; DOWN for %.0f s", self.name, self._down_why, self._down_wait)
        self._emit(ChannelState(self.name, up=False, detail=self._down_why))
        self._spawn(self._back_up(self._down_wait))

    async def _back_up(self, after: float) -> None:
        await asyncio.sleep(after)
        self._emit(ChannelState(self.name, up=True, detail="trying the key again"))

    # -- pushes and polling ------------------------------------------------------

    def routes(self) -> list[Route]:
        """``/callbacks/<channel>/<kind>`` for each kind of push the provider makes."""
        return [
            Route(
                f"{CALLBACK_PREFIX}/{self.name}/{kind}",
                functools.partial(self._pushed, kind),
                methods=["GET", "POST"],
            )
            for kind in self.provider.push_kinds
        ]

    async def _pushed(self, kind: str, request: Request) -> Response:
        token = self.settings.callback_token.get_secret_value()
        given = request.query_params.get("token", "")
        if token and not hmac.compare_digest(given.encode(), token.encode()):
            log.warning("%s: a push to %s without the callback token refused", self.name, kind)
            return PlainTextResponse("forbidden\n", status_code=403)
        push = Push(kind, dict(request.headers), dict(request.query_params), await request.body())
        try:
            events = self.provider.read_push(push)
        except PushError as exc:
            log.warning("%s: a push to %s refused: %s", self.name, kind, exc)
            return self.provider.push_reply(stored=False)
        if self._sink is None:
            return self.provider.push_reply(stored=False)
        self.stats.pushes += len(events)
        stored = await self._store(events)
        return self.provider.push_reply(stored=stored)

    async def _store(self, events: Sequence[Pushed]) -> bool:
        """Hand ``events`` to the engine and wait until it stored them all."""
        loop = asyncio.get_running_loop()
        acks: list[asyncio.Future[None]] = []
        for event in events:
            ack: asyncio.Future[None] = loop.create_future()
            acks.append(ack)
            self._emit(dataclasses.replace(event, ack=functools.partial(_resolve, loop, ack)))
        try:
            async with asyncio.timeout(self.settings.callback_store_seconds):
                await asyncio.gather(*acks)
        except TimeoutError:
            log.warning("%s: a push not stored in time: answered as an error", self.name)
            return False
        return True

    async def _poll_loop(self) -> None:
        polls_reports = self.settings.poll_reports and self.provider.polls
        while True:
            await asyncio.sleep(self.settings.poll_every_seconds)
            due = self.pending.due(utcnow()) if polls_reports else []
            if due:
                await self._polled(f"polling {len(due)} reports", self.provider.poll(due))
            if self.provider.pulls_replies:
                await self._polled("pulling replies", self.provider.pull_replies())

    async def _polled(self, what: str, asked: Coroutine[Any, Any, list[Pushed]]) -> None:
        try:
            found = await asked
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            log.warning("%s: %s failed: %s", self.name, what, _described(exc))
            return
        except Exception:
            log.exception("%s: %s failed", self.name, what)
            return
        self.stats.polled += len(found)
        for event in found:
            self._emit(event)

    def _emit(self, event: ChannelState | Pushed) -> None:
        if isinstance(event, DeliveryReport):
            self.pending.done(event.carrier_msg_id)
        if self._sink is not None:
            self._sink(event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _resolve(loop: asyncio.AbstractEventLoop, ack: asyncio.Future[None]) -> None:
    def done() -> None:
        if not ack.done():
            ack.set_result(None)

    loop.call_soon_threadsafe(done)


def _requests(batch: Sequence[Submission], per_request: int) -> list[list[Submission]]:
    """The parts grouped into requests: the same text and extension, at most
    ``per_request`` numbers."""
    by_text: dict[tuple[str, str], list[list[Submission]]] = {}
    for part in batch:
        groups = by_text.setdefault((part.text, part.src_ext), [[]])
        if len(groups[-1]) >= per_request:
            groups.append([])
        groups[-1].append(part)
    return [group for groups in by_text.values() for group in groups]
