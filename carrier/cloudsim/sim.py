"""The protocol-independent half of the cloud SMS simulators.

A provider simulator subclasses :class:`CloudSimulator` with its routes (the API, signed
the provider's way) and its push formats. Here: the HTTP server (our own
:class:`~hisms.adapters.http.server.HttpServer`), the fault knobs of the binary
simulators (:class:`~hisms.carrier.simulator.config.SimConfig`), the deterministic report
mix, the push of reports and MO to the engine's callback URLs (a dropped push stays
available to polling, as at the providers), and the record each accepted message leaves
for the provider's query/pull API.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from starlette.routing import BaseRoute

from hisms.adapters.http.server import HttpServer, Tls
from hisms.carrier.simulator.config import Counters, ReportPlan, SimConfig
from hisms.carrier.wire.numbers import MOBILE, national

log = logging.getLogger(__name__)
# The providers push reports in batches (a JSON array each), over a few connections.
PUSH_EVERY = 0.05  # seconds a report waits for others to share its push
PUSH_BATCH = 100  # reports in one push at most
PUSHES_AT_ONCE = 4


@dataclass(frozen=True, slots=True)
class Hooks:
    """Where the simulator pushes, as the operator registers them in the provider's console."""

    report_url: str = ""  # delivery reports ("" : none pushed, polling only)
    mo_url: str = ""  # replies
    drop_ratio: float = 0.0  # this share of pushes is lost on the way (polling still has it)


@dataclass(slots=True)
class Sent:
    """One accepted message to one number, as the provider keeps it for its query API."""

    msg_id: str  # BizId / SerialNo
    phone: str  # 11 digits
    text: str  # as rendered, signature included
    template: str
    sign: str
    parts: int  # billed segments
    extend: str  # sender extension (Aliyun SmsUpExtendCode, Tencent ExtendCode)
    out_id: str  # the client's own id (Aliyun OutId, Tencent SessionContext)
    sent_at: datetime
    stat: str = ""  # "" until reported: DELIVRD or a failure stat
    done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    phone: str
    sign: str
    extend: str
    content: str
    at: datetime


@dataclass(slots=True)
class Book:
    """What the provider remembers: every message by id, and reports and replies not yet
    pulled (Tencent's pull APIs hand each record out once)."""

    sent: dict[str, Sent] = field(default_factory=dict)  # by "<id>:<number>"
    unpulled_reports: list[Sent] = field(default_factory=list)
    unpulled_replies: list[Reply] = field(default_factory=list)


class CloudSimulator(ABC):
    """Serves :meth:`routes` on ``host:port`` (0: a free port, see :attr:`port`), over
    HTTPS with ``tls`` (the tests of certificate checks)."""

    def __init__(
        self,
        config: SimConfig,
        hooks: Hooks,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: Tls | None = None,
    ) -> None:
        self.config = config
        self.faults = config.faults
        self.hooks = hooks
        self.counters = Counters()
        self.plan = ReportPlan(config)
        self.book = Book()
        self.pushes_dropped = 0
        self.pushes_failed = 0
        self._ids = itertools.count(1)
        self._server = HttpServer(host, port, self.routes(), tls=tls)  # tls: HTTPS
        self.port = self._server.port
        self._client = httpx.AsyncClient(timeout=30.0)
        self._tasks: set[asyncio.Task[None]] = set()
        self._reports_out: list[Sent] = []  # waiting for the next batch push
        self._pushing = asyncio.Semaphore(PUSHES_AT_ONCE)

    async def __aenter__(self) -> CloudSimulator:
        await self._server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.stop()
        await self._client.aclose()

    @property
    def url(self) -> str:
        return self._server.url

    @abstractmethod
    def routes(self) -> Sequence[BaseRoute]:
        """The provider's API."""

    @abstractmethod
    def report_push(self, sent: Sent) -> list[dict[str, Any]]:
        """The items of the JSON array the provider pushes for one delivery report (a push
        carries the reports of up to ``PUSH_BATCH`` messages)."""

    @abstractmethod
    def reply_push(self, reply: Reply) -> Any:
        """The JSON the provider pushes for one reply."""

    # -- knobs and API for tests --------------------------------------------

    def now(self) -> datetime:
        return datetime.now(self.config.timezone)

    def next_id(self) -> int:
        return next(self._ids)

    def throttle_for(self, seconds: float) -> None:
        self.faults.throttle_until = time.monotonic() + seconds

    def throttled(self) -> bool:
        """Count one request against the throttle knobs."""
        hit = time.monotonic() < self.faults.throttle_until or self.plan.chance(
            self.faults.throttle_ratio
        )
        self.counters.throttled += hit
        return hit

    def send_mo(self, phone: str, content: str, extend: str = "", sign: str = "") -> None:
        """A handset replies ``content`` to the number with extension ``extend``."""
        reply = Reply(phone, sign, extend, content, self.now())
        self.book.unpulled_replies.append(reply)
        self.counters.mo_sent += 1
        self._push(self.hooks.mo_url, self.reply_push(reply))

    async def answer_delay(self) -> None:
        if self.faults.resp_delay:
            await asyncio.sleep(self.faults.resp_delay)

    # -- for the provider's handlers ----------------------------------------

    def accepted(self, sent: Sent) -> None:
        """Book an accepted message: its report later, and any reply a rule gives."""
        self.counters.submits += 1
        self.counters.accepted += 1
        self.counters.per_phone[sent.phone] += 1
        self.book.sent[f"{sent.msg_id}:{sent.phone}"] = sent  # a batch's numbers share an id
        self._later(self.config.report_delay, self._report(sent))
        for rule in self.config.mo_rules:
            if rule.keyword in sent.text:
                reply = self.send_mo
                self._later(self.config.mo_delay, _call(reply, sent.phone, rule.reply, sent.extend))
                break

    async def _report(self, sent: Sent) -> None:
        sent.stat, sent.done_at = self.plan.stat(), self.now()
        self.book.unpulled_reports.append(sent)
        self.counters.reports_sent += 1
        if not self.hooks.report_url:
            return
        if self.plan.chance(self.hooks.drop_ratio):
            self.pushes_dropped += 1
            return
        self._reports_out.append(sent)
        if len(self._reports_out) == 1:
            self._later(PUSH_EVERY, self._push_reports())

    async def _push_reports(self) -> None:
        while self._reports_out:
            batch = self._reports_out[:PUSH_BATCH]
            del self._reports_out[:PUSH_BATCH]
            body = [item for sent in batch for item in self.report_push(sent)]
            self._later(0, self._post(self.hooks.report_url, body))

    def _push(self, url: str, body: Any) -> None:
        if not url:
            return
        if self.plan.chance(self.hooks.drop_ratio):
            self.pushes_dropped += 1
            return
        self._later(0, self._post(url, body))

    async def _post(self, url: str, body: Any) -> None:
        async with self._pushing:
            await self._post_now(url, body)

    async def _post_now(self, url: str, body: Any) -> None:
        try:
            answer = await self._client.post(url, json=body)
            if answer.status_code != 200:
                raise httpx.HTTPStatusError("not 200", request=answer.request, response=answer)
            self.counters.report_acks += 1
        except httpx.HTTPError as exc:
            # The providers retry a failed push a few times and then give up; the record
            # stays available to the query/pull APIs, which is what the fallback is for.
            self.pushes_failed += 1
            log.warning("push to %s failed: %s", url, exc)

    def _later(self, delay: float, coro: Any) -> None:
        async def run() -> None:
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                coro.close()  # stopped before it was due: never awaited, and no warning
                raise
            await coro

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _call(send: Any, *args: Any) -> None:
    send(*args)


def mobile(raw: str) -> str | None:
    """The 11-digit mainland mobile number of ``raw`` (+86 or 86 allowed), else None."""
    number = national(raw.strip())
    return number if MOBILE.fullmatch(number) else None
