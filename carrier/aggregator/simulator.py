"""``hisms simulate http``: the aggregator API of ``etc/http-gateway.toml`` on 127.0.0.1.

A typical regional aggregator: ``POST /sms/send`` with JSON ``account``, ``mobile``
(numbers joined by commas), ``content``, ``extno``, ``timestamp`` (ms) and ``sign`` =
lower-case hex MD5 of account + secret + timestamp. A wrong account or signature is
answered ``{"code":"103"}`` with HTTP 200, as such gateways do; ``108`` is flow control,
per-number ``104`` an invalid number. Accepted numbers get ``msgid`` and ``fee`` (the
parts billed: 70 characters, 67 a part beyond). Reports and replies are pushed as JSON
to ``--report-url`` and ``--mo-url``, up to 100 a push (sent again twice after an error
answer); what is not pushed (no URL, dropped by ``--drop-push-ratio``, refused) waits for
``POST /sms/report`` and ``POST /sms/mo`` (signed like a send), which hand each out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hisms.adapters.http.server import HttpServer, Tls
from hisms.carrier.simulator.config import Counters, Faults, ReportPlan, SimConfig
from hisms.carrier.wire.numbers import MOBILE
from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.engine.segment import count

log = logging.getLogger(__name__)
PUSH_TRIES = 3
PUSH_BATCH = 100  # reports (or replies) in one push
PUSHERS = 4  # pushes of a kind in flight at once
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SERVICE_NUMBER = "10690000"


def channel_options(gateway: str, account: str, secret: str) -> dict[str, Any]:
    """The options of an ``http`` channel for this API at ``gateway`` (http://host:port):
    those of ``etc/http-gateway.toml``, which a unit test keeps equal."""
    signed = {"account": "{key}", "timestamp": "{timestamp}", "sign": "{sign}"}
    return {
        "url": f"{gateway}/sms/send",
        "report_pull_url": f"{gateway}/sms/report",
        "key": account,
        "secret": secret,
        "numbers_per_request": 100,
        "sign_method": "md5",
        "sign_template": "{key}{secret}{timestamp}",
        "items_path": "data",
        "item_result_path": "code",
        "billed_path": "fee",
        "report_error": "errcode",
        "report_time": "time",
        "src_number": SERVICE_NUMBER,
        "body": {"mobile": "{phones}", "content": "{text}", "extno": "{ext}", **signed},
        "pull_body": signed,
        "codes": {"103": "auth", "108": "throttled", "104": "rejected", "105": "rejected"},
    }


def md5_sign(account: str, secret: str, timestamp: str) -> str:
    """The aggregator's signature (the sample's ``sign_template`` {key}{secret}{timestamp})."""
    data = f"{account}{secret}{timestamp}".encode()
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class PushCounters:
    pushes: int = 0  # push requests made (re-pushes included)
    push_failures: int = 0  # pushes not answered with success
    dropped: int = 0  # pushes never made (--drop-push-ratio): left for pulls
    pulled: int = 0  # reports and replies handed out by pulls
    refused: int = 0  # requests with a wrong account or signature


class HttpGatewaySimulator:
    def __init__(
        self,
        config: SimConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        report_url: str = "",
        mo_url: str = "",
        drop_push_ratio: float = 0.0,
        tls: Tls | None = None,
    ) -> None:
        self.config = config
        self.faults = config.faults
        self.counters = Counters()
        self.push = PushCounters()
        self.plan = ReportPlan(config)
        self.report_url = report_url
        self.mo_url = mo_url
        self.drop_push_ratio = drop_push_ratio
        self.server = HttpServer(host, port, self._routes(), tls=tls)  # tls: HTTPS
        self.port = self.server.port
        self._ids = itertools.count(int(time.time()) % 100_000 * 100_000)
        self._queues: dict[str, list[dict[str, str]]] = {"report": [], "mo": []}
        self._outgoing: dict[str, list[dict[str, str]]] = {"report": [], "mo": []}
        self._ready = {"report": asyncio.Event(), "mo": asyncio.Event()}
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._client = httpx.AsyncClient(timeout=5.0, trust_env=False)

    @property
    def url(self) -> str:
        return self.server.url

    async def __aenter__(self) -> HttpGatewaySimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.server.start()
        for kind in ("report", "mo"):
            self._tasks += [asyncio.create_task(self._pusher(kind)) for _ in range(PUSHERS)]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.server.stop()
        await self._client.aclose()

    # -- knobs and API for tests -------------------------------------------------

    def throttle_for(self, seconds: float) -> None:
        self.faults.throttle_until = time.monotonic() + seconds

    def send_mo(self, phone: str, content: str, ext: str = "") -> None:
        """A handset sends ``content`` to the service number with extension ``ext``."""
        self._later(0.0, "mo", self._mo(phone, content, ext))

    def pending(self, kind: str) -> int:
        """Reports (``report``) or replies (``mo``) waiting for a pull."""
        return len(self._queues[kind])

    # -- the API ---------------------------------------------------------------

    def _routes(self) -> list[Route]:
        return [
            Route("/sms/send", self._send, methods=["POST"]),
            Route("/sms/report", self._pull_reports, methods=["POST"]),
            Route("/sms/mo", self._pull_mo, methods=["POST"]),
        ]

    async def _send(self, request: Request) -> JSONResponse:
        body = await self._signed(request)
        if isinstance(body, JSONResponse):
            return body
        self.counters.submits += 1
        if self.faults.resp_delay:
            await asyncio.sleep(self.faults.resp_delay)
        if time.monotonic() < self.faults.throttle_until or self.plan.chance(
            self.faults.throttle_ratio
        ):
            self.counters.throttled += 1
            return JSONResponse({"code": "108", "msg": "submit too frequent"})
        content, ext = str(body.get("content", "")), str(body.get("extno", ""))
        numbers = [n for n in str(body.get("mobile", "")).split(",") if n]
        if not content or not numbers:
            return JSONResponse({"code": "105", "msg": "mobile and content required"})
        return JSONResponse(
            {"code": "0", "msg": "ok", "data": [self._one(n, content, ext) for n in numbers]}
        )

    def _one(self, number: str, content: str, ext: str) -> dict[str, Any]:
        if not MOBILE.fullmatch(number):
            return {"mobile": number, "code": "104", "msg": "invalid mobile"}
        msg_id = f"{next(self._ids):012d}"
        self.counters.accepted += 1
        self.counters.per_phone[number] += 1
        report = {
            "msgid": msg_id,
            "mobile": number,
            "status": (stat := self.plan.stat()),
            "errcode": stat,
            "time": "",
        }
        self._later(self.config.report_delay, "report", report)
        for rule in self.config.mo_rules:
            if rule.keyword in content:
                self._later(self.config.mo_delay, "mo", self._mo(number, rule.reply, ext))
                break
        return {"mobile": number, "code": "0", "msgid": msg_id, "fee": count(content)}

    async def _pull_reports(self, request: Request) -> JSONResponse:
        return await self._pull(request, "report", "reports")

    async def _pull_mo(self, request: Request) -> JSONResponse:
        return await self._pull(request, "mo", "mos")

    async def _pull(self, request: Request, kind: str, key: str) -> JSONResponse:
        body = await self._signed(request)
        if isinstance(body, JSONResponse):
            return body
        queue = self._queues[kind]
        given, self._queues[kind] = queue[:500], queue[500:]
        self.push.pulled += len(given)
        return JSONResponse({"code": "0", key: given})

    async def _signed(self, request: Request) -> dict[str, Any] | JSONResponse:
        """The request's JSON body if its account and signature are right, else the
        aggregator's refusal."""
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"code": "101", "msg": "bad request body"})
        if not isinstance(body, dict):
            return JSONResponse({"code": "101", "msg": "bad request body"})
        account, stamp = str(body.get("account", "")), str(body.get("timestamp", ""))
        expected = md5_sign(self.config.account, self.config.secret, stamp)
        if account != self.config.account or not hmac.compare_digest(
            str(body.get("sign", "")), expected
        ):
            self.counters.login_failures += 1
            self.push.refused += 1
            return JSONResponse({"code": "103", "msg": "account or sign error"})
        return body

    # -- pushes ----------------------------------------------------------------

    def _mo(self, phone: str, content: str, ext: str) -> dict[str, str]:
        return {"mobile": phone, "content": content, "extno": ext, "destid": SERVICE_NUMBER + ext}

    def _due(self, kind: str, item: dict[str, str]) -> None:
        """A report or reply is due: pushed by a pusher, or kept for a pull."""
        item["time"] = datetime.now(self.config.timezone).strftime(TIME_FORMAT)
        if kind == "report":
            self.counters.reports_sent += 1
        else:
            self.counters.mo_sent += 1
        if not (self.report_url if kind == "report" else self.mo_url):
            self._queues[kind].append(item)
        elif self.plan.chance(self.drop_push_ratio):
            self.push.dropped += 1
            self._queues[kind].append(item)
        else:
            self._outgoing[kind].append(item)
            self._ready[kind].set()

    async def _pusher(self, kind: str) -> None:
        """Pushes what is due, up to PUSH_BATCH items a request, as aggregators batch them;
        what is refused PUSH_TRIES times waits for a pull."""
        key = "reports" if kind == "report" else "mos"
        while True:
            await self._ready[kind].wait()
            batch = self._outgoing[kind][:PUSH_BATCH]
            del self._outgoing[kind][:PUSH_BATCH]
            if not self._outgoing[kind]:
                self._ready[kind].clear()
            url = self.report_url if kind == "report" else self.mo_url
            for attempt in range(PUSH_TRIES):
                self.push.pushes += 1
                try:
                    answer = await self._client.post(url, json={key: batch})
                    if answer.status_code == 200 and answer.json().get("code") == "0":
                        self.counters.report_acks += len(batch)
                        break
                except (httpx.HTTPError, ValueError) as exc:
                    log.debug("push to %s failed: %s", url, exc)
                self.push.push_failures += 1
                await asyncio.sleep(0.2 * (attempt + 1))
            else:
                self._queues[kind].extend(batch)  # never taken: left for a pull

    def _later(self, delay: float, kind: str, item: dict[str, str]) -> None:
        def fire() -> None:
            self._timers.discard(handle)
            self._due(kind, item)

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)


@click.command("http", context_settings={"show_default": True})
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=7893, type=int)
@click.option("--account", default="hisms", help="the account the gateway accepts")
@click.option("--secret", default="secret")
@click.option("--report-url", default="", help="where reports are pushed (else pulled)")
@click.option("--mo-url", default="", help="where replies are pushed (else pulled)")
@click.option("--report-delay", default=0.5, type=float, help="seconds")
@click.option("--fail-ratio", default=0.0, type=float)
@click.option("--throttle-ratio", default=0.0, type=float)
@click.option("--drop-push-ratio", default=0.0, type=float, help="pushes never made")
@click.option("--resp-delay", default=0.0, type=float, help="seconds")
@click.option("--mo-delay", default=0.5, type=float, help="seconds")
@click.option("--seed", default=0, type=int)
@click.option("--timezone", default=GATEWAY_TZ.key, help="the gateway's clock, for report times")
def cli(
    host: str,
    port: int,
    account: str,
    secret: str,
    report_url: str,
    mo_url: str,
    drop_push_ratio: float,
    **knobs: Any,
) -> None:
    """Run the generic HTTP (aggregator) gateway simulator until interrupted."""
    config = SimConfig(
        account,
        secret,
        report_delay=knobs["report_delay"],
        fail_ratio=knobs["fail_ratio"],
        seed=knobs["seed"],
        mo_delay=knobs["mo_delay"],
        faults=Faults(throttle_ratio=knobs["throttle_ratio"], resp_delay=knobs["resp_delay"]),
        timezone=ZoneInfo(knobs["timezone"]),
    )
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        sim = HttpGatewaySimulator(config, host, port, report_url, mo_url, drop_push_ratio)
        async with sim:
            click.echo(f"HTTP gateway simulator on {sim.url} (account {account})")
            while True:
                await asyncio.sleep(10)
                c, p = sim.counters, sim.push
                click.echo(
                    f"submits {c.submits}, accepted {c.accepted}, throttled {c.throttled},"
                    f" refused {p.refused}, reports {c.reports_sent}, MO {c.mo_sent},"
                    f" pushes {p.pushes} ({p.push_failures} failed, {p.dropped} dropped),"
                    f" pulled {p.pulled}"
                )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
