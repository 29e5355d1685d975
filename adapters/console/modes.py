"""模式切换: each source system's result mode (platform push or table) as `hisms mode show`
shows it, switched with a reason through the store's ``set_mode``, as `hisms mode set` does.
Back to platform replays what was not pushed, so that switch asks to be confirmed."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, page
from hisms.adapters.webservice.comeback import AUTO

MODES = {"platform": "平台推送", "table": "表模式"}
EVERY = "*"  # the form's source for every source system


async def _page(
    console: Console, request: Request, user: User, error: str | None = None
) -> Response:
    rows = await console.db(console.store.source_modes)
    return console.render(request, "modes.html", 400 if error else 200, user=user, error=error,
                          rows=rows, modes=MODES, auto=AUTO, every=EVERY,
                          now=datetime.now(UTC))  # fmt: skip


@page("ops")
async def show(console: Console, request: Request, user: User) -> Response:
    return await _page(console, request, user)


@page("edit")
async def switch(console: Console, request: Request, user: User) -> Response:
    """Switch one source system (or every one, ``source`` = ``*``) to ``mode``."""
    form = await request.form()
    mode, source = str(form.get("mode") or ""), str(form.get("source") or "")
    reason = str(form.get("reason") or "").strip()[:200]
    known = [r["source_system"] for r in await console.db(console.store.source_modes)]
    problem = None
    if mode not in MODES:
        problem = "未知的模式：应为 平台推送 或 表模式"
    elif not known or (source != EVERY and source not in known):
        problem = f"没有来源系统「{source}」（由 [platform] sources 或 hisms mode set 登记）"
    elif not reason:
        problem = "请填写切换原因（记入审计日志）"
    elif mode == "platform" and form.get("confirm") != "1":
        problem = "切回平台推送会按顺序重放所有未推送的结果：请勾选确认后再切换"
    if problem:
        return await _page(console, request, user, problem)
    sources = known if source == EVERY else [source]
    await console.db(console.store.set_mode, mode, sources, f"console:{user.username}", reason)
    return console.redirect("/modes")


ROUTES = [
    ("/modes", show, ["GET"]),
    ("/modes", switch, ["POST"]),
]
