"""``hisms top`` and ``hisms alarm list|test``: monitoring from the command line."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Protocol

import click

from hisms.engine.config import Settings


class _Obj(Protocol):
    @property
    def settings(self) -> Settings: ...


@click.command()
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    help="An engine's /metrics URL (repeatable; default: [monitoring] endpoints, else local).",
)
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(0.2, 3600))
@click.option("--once", is_flag=True, help="Print one frame and exit (rates over --interval).")
@click.pass_obj
def top(obj: _Obj, endpoints: tuple[str, ...], interval: float, once: bool) -> None:
    """Live view of the engines: per channel rate, window, errors, report success, links;
    per lane backlog and its age."""
    from rich.console import Console
    from rich.live import Live

    from hisms.monitoring.top import frames

    cfg = obj.settings.monitoring
    urls = list(endpoints) or cfg.endpoints or [cfg.local_endpoint()]
    shown = frames(urls, interval)
    if once:
        Console().print(next(iter(shown)))
        return
    try:
        with Live(next(iter(shown)), refresh_per_second=4, screen=False) as live:
            for frame in shown:
                live.update(frame)
    except KeyboardInterrupt:
        pass


@click.group()
def alarm() -> None:
    """Alarm events (sms_alarm) and a test notification."""


@alarm.command("list")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(min=0))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def alarm_list(obj: _Obj, hours: float, limit: int) -> None:
    """Alarm events of the last HOURS, newest first."""
    from hisms.carrier.base import utcnow
    from hisms.engine.app import store_for

    store = store_for(obj.settings)
    try:
        rows = store.recent_alarms(utcnow() - timedelta(hours=hours), limit)
    finally:
        store.close()
    for r in rows:
        subject = f" {r['subject']}" if r["subject"] else ""
        click.echo(f"{r['event_at']} {r['event']:<8} {r['alarm']}{subject}: {r['message']}")
        if r["notified"]:
            click.echo(f"{'':>8}notified: {r['notified']}")


@alarm.command("test")
@click.option("--wait", default=15.0, show_default=True, help="Seconds to wait for a channel.")
@click.pass_obj
def alarm_test(obj: _Obj, wait: float) -> None:
    """Send a test alarm to the on-call numbers and addresses of [alarms]; record it."""
    from hisms.monitoring.testing import send_test

    results = asyncio.run(send_test(obj.settings, wait))
    for line in results:
        click.echo(line)
    if not results:
        raise click.ClickException("nobody to notify: [alarms] sms_to and email_to are empty")
    if any("FAILED" in line or "not sent" in line for line in results):
        raise click.ClickException("a notification failed")
