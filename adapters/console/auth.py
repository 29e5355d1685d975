"""Logging in and out, and changing one's password (forced once it has expired)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.users import User, UserError
from hisms.adapters.console.web import Console, checked_form, who


async def login_form(console: Console, request: Request) -> Response:
    return console.render(request, "login.html")


async def login(console: Console, request: Request) -> Response:
    form = await checked_form(request)
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    try:
        user = await console.db(console.users.login, name, password, who(request, None, name))
    except UserError as exc:
        return console.render(request, "login.html", 401, error=str(exc), username=name)
    request.session.clear()  # a new session for the logged-in user (no fixation)
    request.session["user"] = user.username
    console.forget_user(user.username)
    if console.users.expired(user):
        return console.redirect("/password")
    return console.redirect("/")


async def logout(console: Console, request: Request, user: User) -> Response:
    await console.db(console.store.audit, who(request, user), "logout", "user", user.username)
    request.session.clear()
    return console.redirect("/login")


async def password_form(console: Console, request: Request, user: User) -> Response:
    expired = console.users.expired(user)
    return console.render(request, "password.html", user=user, expired=expired)


async def password(console: Console, request: Request, user: User) -> Response:
    form = await checked_form(request)
    new, again = str(form.get("new") or ""), str(form.get("again") or "")
    try:
        await console.db(console.users.login, user.username, str(form.get("old") or ""),
                         who(request, user))  # fmt: skip
        if new != again:
            raise UserError("两次输入的新密码不一致")
        await console.db(console.users.set_password, user.username, new, who(request, user))
        console.forget_user(user.username)
    except UserError as exc:
        return console.render(request, "password.html", 400, user=user, error=str(exc))
    return console.redirect("/")
