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
    """Alarm events (sms_alarm), the rules' thresholds (sms_alarm_rule), a test notification."""


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


@alarm.command("rules")
@click.pass_obj
def alarm_rules(obj: _Obj) -> None:
    """Each alarm rule: on or off, its thresholds, how often a lasting alarm is repeated
    (sms_alarm_rule; a rule without a row keeps [alarms] of the configuration)."""
    from hisms.engine.policycli import opened
    from hisms.monitoring.rulebook import KEYS, Book

    with opened(obj) as store:
        rows = {r["name"]: r for r in store.alarm_rules()}
    book = Book(obj.settings.alarms, rows.values())
    for name, setting in book.settings.items():
        values = " ".join(f"{k}={getattr(setting.cfg, k):g}" for k in KEYS[name])
        row = rows.get(name)
        by = f" ({row['updated_by']} {row['updated_at']})" if row else " (configuration)"
        click.echo(
            f"{name:<15} {'on ' if setting.enabled else 'off'} {values} "
            f"repeat_seconds={setting.repeat_seconds:g}{by}"
        )


@alarm.command("set")
@click.argument("rule")
@click.argument("assignments", nargs=-1, required=True)
@click.pass_obj
def alarm_set(obj: _Obj, rule: str, assignments: tuple[str, ...]) -> None:
    """Change RULE: KEY=VALUE ... (enabled, repeat_seconds or one of its thresholds, as
    `hisms alarm rules` lists them). Running engines follow within [alarms] every_seconds;
    audited."""
    from hisms.engine.policycli import opened, operator
    from hisms.monitoring.rulebook import KEYS, assign

    if rule not in KEYS:
        raise click.BadParameter(f"no such rule; the rules: {', '.join(KEYS)}", param_hint="RULE")
    values = dict(a.partition("=")[::2] for a in assignments)
    if any("=" not in a for a in assignments):
        raise click.BadParameter("each change is KEY=VALUE", param_hint="ASSIGNMENTS")
    cfg = obj.settings.alarms
    with opened(obj) as store:
        found = [r for r in store.alarm_rules() if r["name"] == rule]
        try:
            row = assign(cfg, rule, found[0] if found else None, values)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        changed = store.put_policy("alarm_rule", row, operator())
    click.echo(
        f"{rule}: {row['thresholds']} enabled={row['enabled']} "
        f"repeat_seconds={row['repeat_seconds']}{'' if changed else ' (unchanged)'}"
    )


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
