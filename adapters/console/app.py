"""The console as a Starlette app: its routes, the session cookie and the guard every page
goes through (logged in, password not expired, role allowed, CSRF on POST)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from hisms.adapters.console import (
    accounts,
    auth,
    book,
    dashboard,
    messages,
    modes,
    reports,
    routing,
    sending,
    tables,
    upload,
)
from hisms.adapters.console.cost import EngineView
from hisms.adapters.console.sampler import Samples
from hisms.adapters.console.users import User
from hisms.adapters.console.web import HERE, Console, Forbidden, Handler
from hisms.engine.config import Settings
from hisms.engine.policy.sync import PolicySync
from hisms.engine.store.base import Store

ROOT = "/console"
Open = Callable[[Console, Request], Awaitable[Response]]


def mount(store: Store, settings: Settings, sampler: Samples, shared: Path | None = None) -> Mount:
    """The console under /console, for the ASGI server of ``hisms run`` or ``hisms console``;
    ``shared``: the directory the workers of ``hisms console --workers`` share."""
    return Mount(ROOT, app=create(store, settings, sampler, shared))


def create(
    store: Store, settings: Settings, sampler: Samples, shared: Path | None = None
) -> Starlette:
    cfg = settings.console
    profiles = PolicySync(settings.profiles(), settings.policy)
    view = EngineView(profiles, settings.validation.rules(), settings.billing.default_account)
    console = Console.create(
        store, cfg, ROOT, settings.timezone, sampler, settings.alarms,
        tuple(settings.channel_names()), settings.seed_routes, view, settings,
    )  # fmt: skip
    console.env.filters.update(zh=reports.zh, cell=reports.cell)
    console.shared = shared
    secret = cfg.secret_key.get_secret_value() or secrets.token_urlsafe(32)
    session = Middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="hisms_console",
        max_age=int(cfg.session_minutes * 60),
        same_site="strict",
        https_only=cfg.secure_cookies,
    )
    return Starlette(routes=routes(console), middleware=[session])


def routes(console: Console) -> list[BaseRoute]:
    def opened(handler: Open) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(console, request)
            except Forbidden:
                return PlainTextResponse("403 禁止访问", status_code=403)

        return endpoint

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            user = await _user(console, request)
            if user is None:
                if request.headers.get("hx-request"):
                    return Response(status_code=401, headers={"HX-Redirect": console.url("/login")})
                return console.redirect("/login")
            if console.users.expired(user) and request.url.path != console.url("/password"):
                return console.redirect("/password")
            try:
                return await handler(console, request, user)
            except Forbidden:
                return PlainTextResponse("403 禁止访问", status_code=403)

        return endpoint

    static = CachedStatic(directory=HERE / "static")
    guarded_routes = [
        ("/", dashboard.index, ["GET"]),
        ("/dashboard/live", dashboard.live, ["GET"]),
        ("/dashboard/series", dashboard.series, ["GET"]),
        ("/dashboard/day", dashboard.day, ["GET"]),
        ("/logout", auth.logout, ["POST"]),
        ("/password", auth.password_form, ["GET"]),
        ("/password", auth.password, ["POST"]),
        ("/send", sending.form, ["GET"]),
        ("/send/preview", sending.preview, ["POST"]),
        ("/send", sending.send, ["POST"]),
        ("/send/upload", upload.form, ["GET"]),
        ("/send/upload", upload.start, ["POST"]),
        ("/send/upload/preview", upload.preview, ["POST"]),
        ("/send/upload/{job}", upload.progress, ["GET"]),
        ("/send/upload/{job}/errors.csv", upload.errors, ["GET"]),
        ("/messages", messages.search, ["GET"]),
        ("/messages.xlsx", messages.export, ["GET"]),
        ("/messages/{id:int}", messages.detail, ["GET"]),
        ("/messages/{id:int}/resend", messages.resend, ["POST"]),
        ("/messages/{id:int}/cancel", messages.cancel, ["POST"]),
        ("/replies", messages.replies, ["GET"]),
        *book.ROUTES,
        *tables.ROUTES,
        *routing.ROUTES,
        *modes.ROUTES,
        *accounts.ROUTES,
        *reports.ROUTES,
    ]
    return [
        Route("/login", opened(auth.login_form), methods=["GET"]),
        Route("/login", opened(auth.login), methods=["POST"]),
        Mount("/static", app=static, name="static"),
        *(Route(path, guarded(h), methods=m) for path, h, m in guarded_routes),
    ]


class CachedStatic(StaticFiles):
    """The vendored assets: a URL with its digest (``asset()`` in the templates) is kept by
    the browser for a year; one without is checked again each time (ETag, a 304)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
        return response


IMMUTABLE = "public, max-age=31536000, immutable"
USER_SECONDS = 5.0  # a disabled user's open sessions end within this


async def _user(console: Console, request: Request) -> User | None:
    """The session's user while it exists and is not disabled (its row read again every
    few seconds, not on every request of every open page)."""
    name = request.session.get("user")
    if not name:
        return None
    known: dict[str, tuple[float, User | None]] = console.cache.setdefault("users", {})
    at, user = known.get(str(name), (0.0, None))
    if time.monotonic() - at > USER_SECONDS:
        user = await console.db(console.users.get, str(name))
        known[str(name)] = (time.monotonic(), user)
    if user is None or user.disabled:
        request.session.clear()
        return None
    return user
