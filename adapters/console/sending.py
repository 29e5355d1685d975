"""The send page: one or many numbers and/or an address-book group, a text or a template
with variables, a signature, priority and time, the account to bill (a department user: one
of its department's); a preview with the segment count; enqueued through the same intake
functions as the SOAP WebService (the same checks, the same rows)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.cost import Cost
from hisms.adapters.console.scope import Scope
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, Forbidden, page, who
from hisms.adapters.webservice import intake
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.security import Caller
from hisms.carrier.wire.numbers import mask
from hisms.engine import phone, segment
from hisms.engine.policy.templates import Refused as TemplateRefused
from hisms.engine.policy.templates import Template, render
from hisms.engine.store.base import NewMessage
from hisms.engine.store.bookstore import HOSPITAL
from hisms.engine.validate import Rejection

CHUNK = 500  # rows per INSERT of a batch
MAX_NUMBERS = 10_000  # in the text box; a bigger list is an upload


@dataclass(frozen=True, slots=True)
class Draft:
    """The form, read and checked: what preview shows and send enqueues."""

    numbers: list[str]  # typed, then the group's
    bad: list[str]  # what was typed that is not a mobile number
    group: str | None  # the address-book group's name
    from_group: int  # numbers the group added
    message: NewMessage
    text: str | None  # the text to send, template rendered and signed; None: refused
    problem: str | None


@page("send")
async def form(console: Console, request: Request, user: User) -> Response:
    given = await console.db(choices, console, user)
    return console.render(request, "send.html", user=user, **given, values={})


@page("send")
async def preview(console: Console, request: Request, user: User) -> Response:
    draft = await console.db(read_draft, console, await request.form(), user)
    seen = None
    if draft.text and draft.numbers:
        seen = await console.db(outlook, console, draft, draft.numbers, draft.numbers[0])
    return console.render(request, "send_preview.html", user=user, draft=draft, seen=seen)


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the engine will make of a draft: the text it sends, why it would refuse it,
    what sending it costs."""

    text: str  # as the handset shows it: the signature the engine adds, words masked
    refused: str | None
    cost: Cost


def outlook(console: Console, draft: Draft, numbers: Sequence[str], probe: str) -> Outlook:
    """The draft as the engine's content policy sees it sent to ``probe``, and its cost
    for ``numbers`` on the hospital's today."""
    checked = console.engine.check(console.store, draft.message, probe)
    refused = None
    if isinstance(checked, Rejection):
        text, refused = draft.text or "", f"{checked.code}：{checked.text}"
    else:
        text = checked.message.text
    today = datetime.now(ZoneInfo(console.zone)).date()
    cost = console.engine.cost(console.store, draft.message, segment.count(text), numbers, today)
    return Outlook(text, refused, cost)


@page("send")
async def send(console: Console, request: Request, user: User) -> Response:
    values = await request.form()
    draft = await console.db(read_draft, console, values, user)
    problem = draft.problem or (f"号码有误：{'、'.join(draft.bad[:5])}" if draft.bad else None)
    if problem is None:
        try:
            done = await console.db(_enqueue, console, draft, request, user)
        except Refused as exc:
            problem = exc.text
        else:
            return console.redirect(done)
    given = await console.db(choices, console, user)
    return console.render(request, "send.html", 400, user=user, error=problem,
                          values=dict(values), **given)  # fmt: skip


def _enqueue(console: Console, draft: Draft, request: Request, user: User) -> str:
    """Enqueue and audit; the page to go to (the message, or the batch's messages)."""
    message = draft.message
    caller = Caller(f"console:{user.username}", (message.source_system,))
    sent = {"numbers": len(draft.numbers), "first": mask(draft.numbers[0]),
            "source_system": message.source_system}  # fmt: skip
    if len(draft.numbers) == 1:
        outbox_id = intake.send_one(console.store, caller, message)
        console.store.audit(who(request, user), "send", "message", str(outbox_id), None, sent)
        return f"/messages/{outbox_id}"
    items = [intake.Item(n) for n in draft.numbers]
    batch_id, _, _ = intake.send_batch(console.store, caller, message, None, items, CHUNK)
    console.store.audit(who(request, user), "send", "batch", batch_id, None, sent)
    return f"/messages?batch_id={batch_id}"


def read_draft(console: Console, values: Mapping[str, Any], user: User) -> Draft:
    numbers, bad = _numbers(str(values.get("phones") or ""))

    def get(key: str) -> str | None:
        return str(values.get(key) or "").strip() or None

    group = _group(console, get("group_id"), user)
    typed = len(numbers)
    if group is not None:
        numbers = list(dict.fromkeys([*numbers, *console.store.group_phones(int(group["id"]))]))
    found = (group["name"], len(numbers) - typed) if group else (None, 0)
    group_dept = group["dept_code"] if group and group["dept_code"] != HOSPITAL else None

    code, content = get("template_code"), get("content")
    params, problem = _params(get("params") or "") if code else (None, None)
    message = NewMessage(
        phone=numbers[0] if numbers else None,
        content=None if code else content,
        source_system=get("source_system") or "DEFAULT",
        account=get("account"),
        dept_code=user.scope or get("dept_code") or group_dept,
        signature=get("signature"),
        priority=_priority(get("priority")),
        send_at=_local(get("send_at"), console),
        template_code=code,
        params=params,
    )
    problem = problem or _account_problem(Scope.of(console.store, user), message.account)
    if not numbers and not problem:
        problem = (
            "请填写手机号码或选择通讯录分组"
            if group is None
            else f"分组“{group['name']}”没有联系人"
        )
    elif len(numbers) > MAX_NUMBERS:
        problem = f"一次最多 {MAX_NUMBERS} 个号码"
    rendered = None if problem else _text(console, message)
    if isinstance(rendered, TemplateRefused):
        return Draft(numbers, bad, found[0], found[1], message, None, rendered.text)
    if rendered is None and not problem:
        problem = "请填写短信内容或选择模板"
    return Draft(numbers, bad, found[0], found[1], message, rendered, problem)


def _group(console: Console, key: str | None, user: User) -> dict[str, Any] | None:
    """The address-book group chosen, if the user may see it (else 403, as if absent)."""
    if not key:
        return None
    group = console.store.contact_group(int(key)) if key.isdigit() else None
    if group is None or (user.scope and group["dept_code"] != user.scope):
        raise Forbidden(f"contact group {key}")
    return group


def _account_problem(scope: Scope, account: str | None) -> str | None:
    """Why this user may not bill this account (None: it may). A department user sends with
    one of its department's enabled accounts; anyone else with any enabled one, or none (the
    profile's or the default account)."""
    senders = {a.account for a in scope.senders()}
    if scope.dept is not None and not senders:
        return f"科室 {scope.dept} 没有可用的计费账户，请联系管理员在“账户与配额”中添加"
    if account is None:
        return "账户：请选择计费账户" if scope.dept is not None else None
    if account not in senders:
        return f"账户：“{account[:32]}”不是可用的计费账户"
    return None


def _priority(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _text(console: Console, message: NewMessage) -> str | TemplateRefused | None:
    body: str | TemplateRefused | None = message.content
    if message.template_code:
        rows = console.store.load_policy().templates
        templates = {r["code"]: Template.of_row(r) for r in rows}
        body = render(templates, message.template_code, message.params)
    if isinstance(body, str) and message.signature:
        return f"【{message.signature.strip('【】')}】{body}"
    return body


def _numbers(text: str) -> tuple[list[str], list[str]]:
    """Distinct mobile numbers in typing order, and what is not one. Lines, commas and
    semicolons separate numbers; spaces too, unless they are inside one (+86 138 0013 8000)."""
    numbers: dict[str, None] = {}
    bad = []
    for chunk in re.split(r"[\n,;，；、]+", text):
        pieces = [chunk] if _number(chunk) else chunk.split()
        for raw in pieces:
            if number := _number(raw):
                numbers[number] = None
            elif raw.strip():
                bad.append(raw.strip()[:20])
    return list(numbers), bad


def _number(raw: str) -> str | None:
    try:
        return phone.normalise(raw)
    except phone.InvalidPhone:
        return None


def _params(text: str) -> tuple[str | None, str | None]:
    """``name=value`` lines as the JSON object sms_outbox.params holds; or the problem."""
    values: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, eq, value = line.partition("=")
        if not eq or not name.strip():
            return None, f"模板变量“{line.strip()[:30]}”应写作 名称=值"
        values[name.strip()] = value.strip()
    return json.dumps(values, ensure_ascii=False), None


def _local(value: str | None, console: Console) -> datetime | None:
    """A datetime-local field, in the hospital's time zone."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(console.zone))


def choices(console: Console, user: User | None = None) -> dict[str, Any]:
    """The form's choices; with ``user``, the address-book groups it may send to and the
    accounts it may send with."""
    policy = console.store.load_policy()
    return {
        "sources": sorted({"DEFAULT", *(r["source_system"] for r in policy.profiles)}),
        "templates": [r for r in policy.templates if r["state"] == "APPROVED"],
        "groups": console.store.contact_groups(user.scope) if user else [],
        "accounts": Scope.of(console.store, user).senders() if user else [],
    }
