"""``hisms console`` (the console alone) and ``hisms user add|passwd|disable``.

The console's modules (Starlette, Jinja2, argon2) are imported by these commands only, so
every other ``hisms`` command starts without them."""

from __future__ import annotations

import asyncio
import getpass
import importlib
import signal
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from hisms.engine import app
from hisms.engine.store.policystore import Who

if TYPE_CHECKING:
    from hisms.adapters.console.sampler import Samples
    from hisms.adapters.console.users import Users

ROLES = ("admin", "operator", "dept", "auditor")  # hisms.adapters.console.users.Role


def _who() -> Who:
    return Who(f"cli:{getpass.getuser()}", "hisms-cli")


@click.command("console")
@click.option("--host", help="Default: [console] host.")
@click.option("--port", type=int, help="Default: [console] port.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes serving the port (about one per core).")  # fmt: skip
@click.pass_obj
def console(obj: Any, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web console alone (rates from [monitoring] endpoints) until SIGINT/SIGTERM."""
    from hisms.adapters.console.app import mount
    from hisms.adapters.console.sampler import Sampler, scraped
    from hisms.adapters.console.workers import serve

    settings = obj.settings
    cfg = settings.console
    host, port = host or cfg.host, cfg.port if port is None else port
    store = app.store_for(settings)
    try:
        if store.schema_version() == 0:
            raise click.ClickException("the database has no hisms schema: run `hisms db init`")
        if workers > 1:
            store.close()
            serve(settings, host, port, workers)
            return
        endpoints = settings.monitoring.endpoints or [settings.monitoring.local_endpoint()]
        sampler = Sampler(scraped(endpoints), cfg.sample_seconds)
        listening = socket.create_server((host, port), backlog=BACKLOG)
        click.echo(f"console on http://{host}:{listening.getsockname()[1]}/console/", err=True)
        run_server([mount(store, settings, sampler)], listening, sampler, cfg.refresh_seconds)
    finally:
        store.close()


BACKLOG = 4096  # connections waiting to be accepted: 2,500 browsers may come at once


def run_server(
    routes: list[Any],
    listening: socket.socket,
    samples: Samples,
    refresh: float,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve until SIGINT/SIGTERM (``ready`` called once serving), on uvloop when it is
    installed (uvicorn likewise takes httptools when it is: less CPU per request)."""
    serving = _serve(routes, listening, samples, keep_alive(refresh), ready)
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        asyncio.run(serving)
    else:
        uvloop.run(serving)


def keep_alive(refresh: float) -> float:
    """Seconds an idle connection stays open: longer than a dashboard's refresh, so that an
    open dashboard keeps its connection instead of opening one every refresh."""
    return max(60.0, 3 * refresh)


async def _serve(
    routes: list[Any],
    listening: socket.socket,
    samples: Samples,
    keep: float,
    ready: Callable[[], None],
) -> None:
    from hisms.adapters.http.server import HttpServer

    server = HttpServer.on(listening, routes, keep_alive=keep)
    await server.start()
    ready()
    samples.start()  # the hour's chart from the start, not from the first dashboard
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await samples.stop()
        await server.stop()


@click.group()
def user() -> None:
    """Console users: add, change a password, disable (audited)."""


def _users(obj: Any) -> tuple[Users, Any]:
    from hisms.adapters.console.users import Users

    store = app.store_for(obj.settings)
    return Users(store, obj.settings.console), store


def _password(given: str | None) -> str:
    if given is not None:
        return given
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="admin",
              show_default=True)  # fmt: skip
@click.option("--dept", "dept", help="A department user's department (sms_outbox.dept_code).")
@click.option("--password", envvar="HISMS_USER_PASSWORD", help="Default: asked (hidden).")
@click.pass_obj
def user_add(obj: Any, username: str, role: str, dept: str | None, password: str | None) -> None:
    """Add a user (the first administrator: `hisms user add admin`)."""
    from hisms.adapters.console.users import Role, UserError

    users, store = _users(obj)
    try:
        users.add(username, _password(password), Role(role), dept, _who())
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"user {username}: added ({role})")


@user.command("passwd")
@click.argument("username")
@click.option("--password", envvar="HISMS_USER_PASSWORD", help="Default: asked (hidden).")
@click.pass_obj
def user_passwd(obj: Any, username: str, password: str | None) -> None:
    """Set a user's password (and lift a lock-out)."""
    from hisms.adapters.console.users import UserError

    users, store = _users(obj)
    try:
        users.set_password(username, _password(password), _who())
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"user {username}: password changed")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the user again.")
@click.pass_obj
def user_disable(obj: Any, username: str, enable: bool) -> None:
    """Disable a user (its sessions end at their next request)."""
    from hisms.adapters.console.users import UserError

    users, store = _users(obj)
    try:
        users.set_disabled(username, not enable, _who())
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"user {username}: {'enabled' if enable else 'disabled'}")
