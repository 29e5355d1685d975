"""The generic HTTP gateway carrier the engine creates with ``from_config(name, options)``.

Options: :class:`~hisms.carrier.aggregator.options.GatewayOptions` (the table is in
``docs/carrier-options.md``). ``carrier_msg_id`` is the gateway's id, with ``:<phone>``
appended when one request carries several numbers.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

import httpx
from starlette.responses import Response

from hisms.carrier.aggregator import request, response
from hisms.carrier.aggregator.options import GatewayOptions, parse
from hisms.carrier.base import Submission, utcnow
from hisms.carrier.httpapi.answers import Answer
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.httpapi.client import open_client
from hisms.carrier.httpapi.provider import Provider, Push, Pushed, PushError, Sent, url_address

log = logging.getLogger(__name__)


class GatewayProvider(Provider):
    def __init__(self, name: str, opts: GatewayOptions, client: httpx.AsyncClient) -> None:
        super().__init__(name)
        self.opts = opts
        self.client = client
        self.max_numbers = opts.numbers_per_request
        self.polls = bool(opts.report_pull_url)
        self.pulls_replies = bool(opts.mo_pull_url)

    def address(self) -> tuple[str, int]:
        return url_address(self.opts.url)

    async def send(self, parts: Sequence[Submission]) -> list[Answer]:
        req = request.build(self.opts, self.opts.url, self.opts.body, parts, utcnow(), _nonce())
        answer = await self._request(req)
        return response.answers(self.opts, answer.status_code, answer.content, parts)

    def read_push(self, push: Push) -> list[Pushed]:
        try:
            data = response.read_body(self.opts.push_format, push.body)
            if push.kind == "report":
                return list(response.reports(self.opts, self.name, data))
            return list(response.replies(self.opts, self.name, data))
        except response.Unreadable as exc:
            raise PushError(str(exc)) from None

    def push_reply(self, stored: bool) -> Response:
        kind = "application/json" if self.opts.push_ok.startswith("{") else "text/plain"
        if stored:
            return Response(self.opts.push_ok, 200, media_type=kind)
        return Response(self.opts.push_error, 500, media_type=kind)

    async def poll(self, sent: Sequence[Sent]) -> list[Pushed]:
        """The gateway's queue of reports (it gives what it has, not by id)."""
        data = await self._pull(self.opts.report_pull_url)
        return list(response.reports(self.opts, self.name, data)) if data is not None else []

    async def pull_replies(self) -> list[Pushed]:
        data = await self._pull(self.opts.mo_pull_url)
        return list(response.replies(self.opts, self.name, data)) if data is not None else []

    async def _pull(self, url: str) -> Any:
        req = request.build(self.opts, url, self.opts.pull_body, [], utcnow(), _nonce())
        answer = await self._request(req)
        try:
            data = response.read_body("json", answer.content)
        except response.Unreadable as exc:
            log.warning("%s: pull from %s: HTTP %d, %s", self.name, url, answer.status_code, exc)
            return None
        code = response.result_code(self.opts, data)
        if code is not None and code not in self.opts.success:
            log.warning("%s: pull from %s refused: result %s", self.name, url, code)
            return None
        return data

    async def _request(self, req: request.HttpRequest) -> httpx.Response:
        return await self.client.request(
            req.method,
            req.url,
            headers=req.headers,
            params=req.query or None,
            json=req.json,
            data=req.form,
        )


def _nonce() -> str:
    return secrets.token_hex(8)


def from_config(name: str, options: dict[str, Any]) -> HttpCarrier:
    opts = parse(name, options)
    client = open_client(opts)
    return HttpCarrier(name, opts, GatewayProvider(name, opts, client), client)
