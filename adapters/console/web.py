"""What every page shares: the templates, the logged-in user, the permissions (asked in
one place, :func:`allowed`), the CSRF token of every form, and the store in a thread.

Handlers run in the engine's event loop (``hisms run``): database work goes to a thread.
"""

from __future__ import annotations

import functools
import hashlib
import io
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hisms.adapters.console.cost import EngineView, yuan
from hisms.adapters.console.sampler import Samples
from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import ROLE_NAMES, Role, User, Users
from hisms.carrier.wire.numbers import mask
from hisms.engine.config import Settings
from hisms.engine.routing.explain import Seed
from hisms.engine.status import Status
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import Who
from hisms.monitoring.settings import AlarmConfig

HERE = Path(__file__).parent
P = ParamSpec("P")
T = TypeVar("T")

# What each role may do; a department user's reads and sends are limited to its department
# and its accounts (scope.py).
PERMISSIONS = {
    "read": {Role.ADMIN, Role.OPERATOR, Role.DEPT, Role.AUDITOR},
    "send": {Role.ADMIN, Role.OPERATOR, Role.DEPT},
    "book": {Role.ADMIN, Role.OPERATOR, Role.DEPT},  # the address book (a department's own)
    "edit": {Role.ADMIN, Role.OPERATOR},  # policy tables, channels, alarm rules, routing, modes
    "accounts": {Role.ADMIN},  # billing accounts, their prices and quotas
    "ops": {Role.ADMIN, Role.OPERATOR, Role.AUDITOR},  # routing and modes: not a department's
    "audit": {Role.ADMIN, Role.AUDITOR},  # the audit trail
    "users": {Role.ADMIN},
}

STATUS_NAMES = {
    Status.PENDING: "待发送",
    Status.SENDING: "发送中",
    Status.SUBMITTED: "已提交",
    Status.DELIVERED: "已送达",
    Status.FAILED: "失败",
    Status.EXPIRED: "已过期",
    Status.REJECTED: "已拒绝",
    Status.CANCELLED: "已作废",
    Status.UNKNOWN: "状态未知",
}


NAV = ["/", "/send", "/send/upload", "/book", "/messages", "/replies", "/reports", "/bills",
       "/templates", "/blacklist", "/words", "/profiles", "/accounts", "/channels", "/routes",
       "/modes", "/alarms", "/audit", "/users"]  # fmt: skip


def current_nav(root: str, path: str) -> str:
    """The menu entry a page belongs to: the longest one its path starts with."""
    inside = path.removeprefix(root) or "/"
    return max((n for n in NAV if inside == n or inside.startswith(n.rstrip("/") + "/")), key=len)


def allowed(user: User, action: str) -> bool:
    return user.role in PERMISSIONS[action]


class Forbidden(Exception):
    """The user may not do this (or see this row): 403, never a hint of what is there."""


@dataclass
class Console:
    """The state the pages share."""

    store: Store
    cfg: ConsoleConfig
    root: str  # the path the console is mounted on ("/console")
    zone: str  # the hospital's time zone: what the pages show and the send times mean
    users: Users
    env: Environment
    sampler: Samples
    alarms: AlarmConfig  # the configuration's thresholds, under the rows of sms_alarm_rule
    channels: tuple[str, ...]  # the configured channels: what routing groups may name
    seed: Seed  # the configuration's routing, in force while the database holds no rule
    engine: EngineView  # the text the engine will send, the account it charges
    settings: Settings  # the whole configuration (reports: whom a message counts under)
    cache: dict[str, Any] = field(default_factory=dict)  # what the pages share for a while
    shared: Path | None = None  # the directory several worker processes share (upload jobs)

    @classmethod
    def create(
        cls,
        store: Store,
        cfg: ConsoleConfig,
        root: str,
        zone: str,
        sampler: Samples,
        alarms: AlarmConfig,
        channels: tuple[str, ...],
        seed: Seed,
        engine: EngineView,
        settings: Settings,
    ) -> Console:
        env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # compiled once: no stat of the template file per page
        )
        env.globals.update(root=root, allowed=allowed, roles=ROLE_NAMES, statuses=STATUS_NAMES)
        env.globals["asset"] = functools.partial(asset, root)
        env.globals["current_nav"] = functools.partial(current_nav, root)
        env.filters["mask"] = mask
        env.filters["yuan"] = yuan
        env.filters["when"] = functools.partial(when, ZoneInfo(zone))
        users = Users(store, cfg)
        return cls(
            store, cfg, root, zone, users, env, sampler, alarms, channels, seed, engine, settings
        )

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` in a worker thread: the store blocks, the event loop must not."""
        return await run_in_threadpool(fn, *args, **kwargs)

    def render(
        self, request: Request, name: str, status_code: int = 200, **values: Any
    ) -> HTMLResponse:
        values.update(request=request, csrf=csrf_token(request), user=values.get("user"))
        html = self.env.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status_code)

    def forget_user(self, username: str) -> None:
        """Read this user's row again at its next request (it just changed)."""
        self.cache.get("users", {}).pop(username, None)

    def url(self, path: str) -> str:
        return f"{self.root}{path}"

    def redirect(self, path: str) -> RedirectResponse:
        return RedirectResponse(self.url(path), status_code=303)


def asset(root: str, path: str) -> str:
    """A static file's URL with its content's digest: the browser keeps it for a year
    (``immutable``) and asks again only when a new release changes the file."""
    return f"{root}/static/{path}?v={_digest(path)}"


@functools.cache
def _digest(path: str) -> str:
    return hashlib.sha256((HERE / "static" / path).read_bytes()).hexdigest()[:12]


def who(request: Request, user: User | None, name: str | None = None) -> Who:
    """The person at the browser, for the audit trail."""
    client = request.client.host if request.client else None
    return Who(f"console:{user.username if user else name}", "console", client)


def csrf_token(request: Request) -> str:
    """The session's token, made on first use; every form carries it back."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, or Forbidden when its CSRF token (field or htmx header) is not the
    session's."""
    form = await request.form()
    given = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(given, str(expected)):
        await form.close()  # an uploaded file's spooled copy, which no handler will close
        raise Forbidden("CSRF token missing or wrong")
    return form


Handler = Callable[[Console, Request, User], Awaitable[Response]]


def page(action: str) -> Callable[[Handler], Handler]:
    """A handler for logged-in users allowed ``action``; POSTs must carry the CSRF token."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(console: Console, request: Request, user: User) -> Response:
            if not allowed(user, action):
                raise Forbidden(f"{user.username} may not {action}")
            if request.method == "POST":
                await checked_form(request)
            return await handler(console, request, user)

        guarded.__name__ = handler.__name__
        return guarded

    return wrap


def sheet(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[dict[str, Any]],
    cell: Callable[[str, Any], Any],
) -> bytes:
    """An .xlsx of one sheet: a heading row of ``columns`` (key, heading), then each row's
    values by key as ``cell(key, value)`` shows them (written as a stream: openpyxl's
    write-only mode)."""
    book = Workbook(write_only=True)
    out = book.create_sheet(title)
    out.append([heading for _, heading in columns])
    for row in rows:
        out.append([cell(key, row.get(key)) for key, _ in columns])
    body = io.BytesIO()
    book.save(body)
    return body.getvalue()


def when(zone: ZoneInfo, value: Any) -> str:
    """A stored UTC time in the hospital's zone, to the second ('' for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # SQLite keeps UTC text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # MySQL and SQL Server answer naive UTC
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"))
