"""The API's operations: JSON in, :mod:`~hisms.adapters.webservice.intake` calls, JSON out.

Each runs its database work in a thread: the app is served inside the engine's event loop
(adapters/http/server.py). The caller was authenticated by the guard in front.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import anyio.from_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from hisms.adapters.api import batch, models
from hisms.adapters.api.errors import answer, code_of
from hisms.adapters.api.guard import CALLER, VERIFY, Guard
from hisms.adapters.api.settings import ApiConfig
from hisms.adapters.nonces import NonceBook
from hisms.adapters.webservice import intake
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.logs import masked
from hisms.adapters.webservice.security import Caller
from hisms.engine.store.base import NewMessage, Store, StoreError

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
BATCH_WAIT_SECONDS = 10.0  # a batch waits this long for a free slot, then Server.Busy
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.Error, "description": why}
    for status, why in [
        (400, "the request is wrong: code Client.*"),
        (401, "Client.Authentication: key, signature, timestamp or nonce"),
        (403, "Client.Forbidden: address or source system not allowed"),
        (429, "Client.RateLimited: over the caller's rate; see Retry-After"),
        (503, "Server.Busy or Server.Database: nothing was accepted, retry"),
    ]
}
NDJSON_EXAMPLE = (
    '{"source_system": "HIS", "batch_ref": "FLU-2026-11", "content": "【示例医院】流感疫苗已到，'
    '请预约接种。"}\n{"phone": "13800138000"}\n{"phone": "13900139000", "source_ref": "P-2"}\n'
)


def create(cfg: ApiConfig, store: Store, clock: Callable[[], float] = time.time) -> ASGIApp:
    """The API (mounted at :data:`PREFIX`) behind its guard, bound to ``store``."""
    api = FastAPI(
        title="hisms SMS API",
        version="1",
        description="Signed JSON requests (docs/integration.md#the-json-api); the same "
        "operations and error codes as the SOAP WebService.",
        docs_url=None,  # no Swagger UI: it loads its scripts from a CDN
        redoc_url=None,
        responses=ERRORS,
    )
    _handlers(api)
    _routes(api, cfg, store)
    nonces = NonceBook(store, "api", 2 * cfg.max_clock_skew_seconds, clock)
    return Guard(api, cfg, nonces, _streamed, clock)


def _streamed(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and scope["path"].endswith("/batches"))


def _caller(request: Request) -> Caller:
    caller: Caller = request.scope["state"][CALLER]
    return caller


def _handlers(api: FastAPI) -> None:
    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        caller = request.scope.get("state", {}).get(CALLER)
        log.info("%s %s for %s refused: %s", request.method, request.url.path,
                 caller.name if caller else "?", masked(exc.text))  # fmt: skip
        return answer(exc)

    async def unrouted(request: Request, exc: Exception) -> Response:
        """No such operation (404) or method (405): the WebService's codes for the same."""
        assert isinstance(exc, HTTPException)
        code = {404: "Client.ResourceNotFound", 405: "Client.RequestNotAllowed"}.get(
            exc.status_code, "Client"
        )
        return answer(Refused(code, f"{request.method} {request.url.path}: {exc.detail}"))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"] if p != "body")
        code = code_of(problem["type"])
        return answer(Refused(code, f"{where}: {problem['msg']}"))

    async def database(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed: database error: %s", request.method, request.url.path,
                  masked(str(exc)))  # fmt: skip
        return answer(Refused("Server.Database", f"database error, nothing was accepted: {exc}"))

    async def internal(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed: %s", request.method, request.url.path,
                  masked("".join(traceback.format_exception(exc))))  # fmt: skip
        return answer(Refused("Server", "internal error; see the server log"))

    api.add_exception_handler(Refused, refused)
    api.add_exception_handler(HTTPException, unrouted)
    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(StoreError, database)
    api.add_exception_handler(Exception, internal)


def _routes(api: FastAPI, cfg: ApiConfig, store: Store) -> None:
    slots = anyio.Semaphore(cfg.max_concurrent_batches)

    @api.post("/messages", response_model=models.SendResult, summary="Send one message")
    async def send_one(request: Request, body: models.SendRequest) -> models.SendResult:
        """Enqueue one message (``content``, or ``template_code`` with ``params``); a repeated
        (``source_system``, ``source_ref``) answers the first ``msg_id``."""
        message = NewMessage(
            body.phone, body.content, source_system=body.source_system or "",
            source_ref=body.source_ref, priority=body.priority, send_at=body.send_at,
            expire_at=body.expire_at, account=body.account, dept_code=body.dept,
            signature=body.signature, template_code=body.template_code,
            params=batch.as_json(body.params),
        )  # fmt: skip
        msg_id = await run_in_threadpool(intake.send_one, store, _caller(request), message)
        return models.SendResult(msg_id=msg_id)

    @api.post(
        "/batches",
        response_model=models.BatchResult,
        summary="Send a batch (NDJSON, streamed)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-ndjson": {
                        "schema": {"type": "string"},
                        "example": NDJSON_EXAMPLE,
                    }
                },
                "description": "A BatchHeader line, then one BatchItem line per number.",
            }
        },
    )
    async def send_batch(request: Request) -> models.BatchResult:
        """Enqueue many numbers, read as they arrive; every line is checked before anything
        is written. A repeated batch (same ``batch_ref`` or item refs) adds no rows."""
        stream = request.stream()

        async def more() -> bytes | None:
            return await anext(stream, None)

        def next_chunk() -> bytes | None:
            return anyio.from_thread.run(more)

        verify = request.scope["state"][VERIFY]
        with anyio.move_on_after(BATCH_WAIT_SECONDS) as waited:
            await slots.acquire()
        if waited.cancelled_caught:
            raise Refused(
                "Server.Busy",
                f"busy: {cfg.max_concurrent_batches} batches are running; retry shortly",
            )
        try:
            return await run_in_threadpool(
                _batch, store, _caller(request), next_chunk, verify, cfg.batch_chunk
            )
        finally:
            slots.release()

    @api.get("/messages/{msg_id}", response_model=models.MessageStatus, summary="Status by id")
    async def status(request: Request, msg_id: int) -> models.MessageStatus:
        row = await run_in_threadpool(intake.one, store, _caller(request), msg_id, None, None)
        return _status(row)

    @api.get(
        "/messages/by-ref/{source_system}/{source_ref}",
        response_model=models.MessageStatus,
        summary="Status by your reference",
    )
    async def status_by_ref(
        request: Request, source_system: str, source_ref: str
    ) -> models.MessageStatus:
        caller = _caller(request)
        row = await run_in_threadpool(intake.one, store, caller, None, source_system, source_ref)
        return _status(row)

    @api.get("/messages", response_model=list[models.MessageStatus], summary="Many statuses")
    async def statuses(
        request: Request,
        id: Annotated[list[int] | None, Query()] = None,
        source_system: str | None = None,
        source_ref: Annotated[list[str] | None, Query()] = None,
    ) -> list[models.MessageStatus]:
        """Messages by ``id`` (repeated), or by ``source_system`` with ``source_ref``
        (repeated); at most ``max_query_ids`` in all. Unknown ones are left out."""
        rows = await run_in_threadpool(
            intake.query_status, store, _caller(request), id or [], source_system, source_ref or [],
            cfg.max_query_ids,
        )  # fmt: skip
        return [_status(r) for r in rows]

    @api.post(
        "/messages/{msg_id}/cancel", response_model=models.CancelResult, summary="Cancel by id"
    )
    async def cancel(
        request: Request, msg_id: int, body: models.CancelRequest | None = None
    ) -> models.CancelResult:
        """Cancel a message still PENDING (status 7 CANCELLED); 409 once claimed."""
        reason = body.reason if body else None
        row = await run_in_threadpool(
            intake.cancel, store, _caller(request), msg_id, None, None, reason
        )
        return models.CancelResult(msg_id=row["id"], status=row["status"],
                                   status_name=row["status_name"])  # fmt: skip

    @api.post(
        "/messages/by-ref/{source_system}/{source_ref}/cancel",
        response_model=models.CancelResult,
        summary="Cancel by your reference",
    )
    async def cancel_by_ref(
        request: Request,
        source_system: str,
        source_ref: str,
        body: models.CancelRequest | None = None,
    ) -> models.CancelResult:
        reason = body.reason if body else None
        row = await run_in_threadpool(
            intake.cancel, store, _caller(request), None, source_system, source_ref, reason
        )
        return models.CancelResult(msg_id=row["id"], status=row["status"],
                                   status_name=row["status_name"])  # fmt: skip

    @api.get("/replies", response_model=models.Replies, summary="Replies after a cursor")
    async def replies(
        request: Request,
        source_system: str | None = None,
        cursor: int = 0,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> models.Replies:
        """Replies (MO) after ``cursor`` (0 = from the start), now CONSUMED; read on from
        ``next_cursor``."""
        rows, after = await run_in_threadpool(
            intake.replies, store, _caller(request), source_system, cursor, limit,
            cfg.max_replies,
        )  # fmt: skip
        return models.Replies(replies=[_reply(r) for r in rows], next_cursor=after)


def _batch(
    store: Store,
    caller: Caller,
    next_chunk: Callable[[], bytes | None],
    verify: Callable[[], None],
    chunk: int,
) -> models.BatchResult:
    header, items = batch.read(next_chunk)
    common = NewMessage(
        None, header.content, source_system=header.source_system or "",
        priority=header.priority, send_at=header.send_at, expire_at=header.expire_at,
        account=header.account, dept_code=header.dept, signature=header.signature,
        template_code=header.template_code, params=batch.as_json(header.params),
    )  # fmt: skip
    batch_id, total, accepted = intake.send_batch(
        store, caller, common, header.batch_ref, items, chunk, verify
    )
    return models.BatchResult(batch_id=batch_id, total=total, accepted=accepted)


def _status(row: dict[str, Any]) -> models.MessageStatus:
    return models.MessageStatus(
        msg_id=row["id"],
        source_system=row["source_system"],
        source_ref=row["source_ref"],
        batch_id=row["batch_id"],
        phone=row["phone"],
        status=row["status"],
        status_name=row["status_name"],
        channel=row["channel"],
        segments=row["segments"],
        created_at=intake.as_datetime(row["created_at"]),
        submitted_at=intake.as_datetime(row["submitted_at"]),
        report_stat=row["report_stat"],
        report_at=intake.as_datetime(row["report_at"]),
        error_code=row["error_code"],
        error_text=row["error_text"],
    )


def _reply(row: dict[str, Any]) -> models.Reply:
    return models.Reply(
        reply_id=row["id"],
        phone=row["phone"],
        content=row["content"],
        service_number=row["service_number"],
        received_at=intake.as_datetime(row["received_at"]),
        msg_id=row["outbox_id"],
    )
