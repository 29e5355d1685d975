"""Messages and replies: search (a department user within its department and its accounts,
whatever the URL says: scope.py), one message with its parts, reports and replies, resend
or void, and the export of a result list to Excel."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.resending import choices_for
from hisms.adapters.console.scope import Scope
from hisms.adapters.console.users import User
from hisms.adapters.console.web import (
    STATUS_NAMES,
    Console,
    Forbidden,
    allowed,
    page,
    sheet,
    when,
    who,
)
from hisms.engine import phone
from hisms.engine.status import Status
from hisms.engine.store.base import NewMessage

AGAIN = (Status.FAILED, Status.EXPIRED, Status.UNKNOWN)  # may be sent again
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [  # (column, heading) of the export
    ("id", "编号"), ("phone", "手机号码"), ("content", "内容"), ("status", "状态"),
    ("source_system", "来源系统"), ("dept_code", "科室"), ("account", "账户"),
    ("channel", "通道"), ("batch_id", "批次"), ("segments", "条数"),
    ("created_at", "创建时间"), ("submitted_at", "提交时间"), ("report_at", "回执时间"),
    ("report_stat", "回执"), ("error_code", "错误码"), ("error_text", "错误说明"),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Search:
    """The search form; empty fields are None (any)."""

    phone: str | None = None
    status: int | None = None
    source_system: str | None = None
    batch_id: str | None = None
    channel: str | None = None
    dept_code: str | None = None
    account: str | None = None
    scope: str | None = None  # a department user's: its department's messages and accounts'
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None

    @classmethod
    def of(cls, request: Request, user: User, zone: str) -> Search:
        q = request.query_params
        text = {f.name: (q.get(f.name) or "").strip() or None for f in fields(cls)}
        number = text["phone"]
        if number:  # a wrong number is searched as typed: it finds nothing, not something else
            with contextlib.suppress(phone.InvalidPhone):
                number = phone.normalise(number)
        return cls(
            phone=number,
            status=_int(text["status"]),
            source_system=text["source_system"],
            batch_id=text["batch_id"],
            channel=text["channel"],
            dept_code=None if user.scope else text["dept_code"],
            account=text["account"],
            scope=user.scope,  # whatever the URL says, within the department's
            since=_time(text["since"], zone),
            until=_time(text["until"], zone),
            before_id=_int(text["before_id"]),
        )

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@page("read")
async def search(console: Console, request: Request, user: User) -> Response:
    where = Search.of(request, user, console.zone)
    rows = await console.db(_rows, console, where, console.cfg.page_rows)
    q = request.query_params
    more = None
    if len(rows) == console.cfg.page_rows:
        more = urlencode({**q, "before_id": rows[-1]["id"]})
    query = urlencode({k: v for k, v in q.items() if k != "before_id"})
    return console.render(
        request, "messages.html", user=user, rows=rows, more=more, q=q, query=query
    )


@page("read")
async def export(console: Console, request: Request, user: User) -> Response:
    where = Search.of(request, user, console.zone)
    rows = await console.db(_rows, console, where, console.cfg.export_rows)
    body = _workbook(rows, console.zone)
    shown = {k: str(v) for k, v in where.params().items() if v is not None and k != "phone"}
    await console.db(console.store.audit, who(request, user), "export", "message",
                     f"{len(rows)} rows", None, shown)  # fmt: skip
    name = f"messages-{datetime.now(ZoneInfo(console.zone)):%Y%m%d-%H%M%S}.xlsx"
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@page("read")
async def detail(console: Console, request: Request, user: User) -> Response:
    outbox_id = int(request.path_params["id"])
    return await _detail(console, request, user, outbox_id)


async def _detail(
    console: Console, request: Request, user: User, outbox_id: int, error: str | None = None
) -> Response:
    message, parts, replies = await console.db(_one, console, outbox_id, user)
    choices = []
    if message["status"] in AGAIN and allowed(user, "send"):
        choices = await console.db(choices_for, console.store, message["channel"])
    return console.render(request, "message.html", 400 if error else 200, user=user, m=message,
                          parts=parts, replies=replies, choices=choices, error=error)  # fmt: skip


@page("send")
async def resend(console: Console, request: Request, user: User) -> Response:
    """A failed, expired or unknown message sent again as a new message (the same number,
    text and source) through the chosen channel, pinned to it (none chosen: as routing
    decides, preferring another channel than the one that failed); audited with the
    original's id and the channel."""
    outbox_id = int(request.path_params["id"])
    channel = str((await request.form()).get("channel") or "").strip() or None
    message, _, _ = await console.db(_one, console, outbox_id, user)
    if message["status"] not in AGAIN:
        raise Forbidden(f"message {outbox_id} is not failed")
    if user.scope and message["account"] not in await console.db(_senders, console, user):
        raise Forbidden(f"message {outbox_id}: not one of {user.username}'s accounts")
    failed = message["channel"]
    if channel is not None:
        offered = await console.db(choices_for, console.store, failed)
        if channel not in {c.channel for c in offered}:
            problem = f"通道“{channel[:32]}”不可选：已停用、排空、未上报，或正是失败的通道"
            return await _detail(console, request, user, outbox_id, problem)
    again = NewMessage(
        phone=message["phone"], content=message["content"], source_system=message["source_system"],
        account=message["account"], dept_code=message["dept_code"], priority=message["priority"],
    )  # fmt: skip
    actor = f"console:{user.username}"
    new_id = await console.db(console.store.enqueue_pinned, again, actor, channel, failed)
    shown = {"new_id": new_id, "channel": channel or "routing", "failed_channel": failed}
    await console.db(console.store.audit, who(request, user), "resend", "message",
                     str(outbox_id), None, shown)  # fmt: skip
    return console.redirect(f"/messages/{new_id}")


@page("send")
async def cancel(console: Console, request: Request, user: User) -> Response:
    """Void a message still waiting to be sent (PENDING -> CANCELLED)."""
    outbox_id = int(request.path_params["id"])
    await console.db(_one, console, outbox_id, user)  # its department, else 403
    actor = f"console:{user.username}"
    # store.cancel writes the audit row itself
    await console.db(console.store.cancel, outbox_id, actor, f"voided by {actor}")
    return console.redirect(f"/messages/{outbox_id}")


@page("read")
async def replies(console: Console, request: Request, user: User) -> Response:
    q = request.query_params
    number = (q.get("phone") or "").strip() or None
    params = {
        "phone": number,
        "scope": user.scope,
        "since": _time(q.get("since"), console.zone),
        "until": _time(q.get("until"), console.zone),
        "before_id": _int(q.get("before_id")),
        "limit": console.cfg.page_rows,
    }
    rows = await console.db(_run, console, "console_replies", params)
    return console.render(request, "replies.html", user=user, rows=rows, q=q)


def _rows(console: Console, where: Search, limit: int) -> list[dict[str, Any]]:
    return _run(console, "console_messages", {**where.params(), "limit": limit})


def _senders(console: Console, user: User) -> set[str]:
    return {a.account for a in Scope.of(console.store, user).senders()}


def _run(console: Console, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with console.store.transaction() as tx:
        return tx.run(name, **params)


def _one(
    console: Console, outbox_id: int, user: User
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    message = console.store.get_message(outbox_id)
    if message is None or not Scope.of(console.store, user).sees(message):
        raise Forbidden(f"message {outbox_id}")  # another department's: as if absent
    replies = _run(console, "message_replies", {"id": outbox_id})
    (pin,) = _run(console, "message_pin", {"id": outbox_id})
    message = {**message, "pinned_channel": pin["pinned_channel"]}
    return message, console.store.get_segments(outbox_id), replies


def _workbook(rows: list[dict[str, Any]], zone: str) -> bytes:
    return sheet("短信", COLUMNS, rows, lambda key, value: _cell(key, value, zone))


def _cell(key: str, value: Any, zone: str) -> Any:
    if key == "status":
        return STATUS_NAMES.get(Status(int(value)), str(value))
    if key.endswith("_at"):
        return when(ZoneInfo(zone), value)
    return value


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().lstrip("-").isdigit() else None


def _time(text: str | None, zone: str) -> datetime | None:
    """A datetime-local field in the hospital's zone; a wrong one is ignored."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)) if text else None
    except ValueError:
        return None
