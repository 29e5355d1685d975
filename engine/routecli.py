"""``hisms route ...`` and ``hisms channel ...``: routing rules and channel health for ops.

Everything here reads or writes the database, so a change reaches every running engine
within ``health.poll_seconds``; every change is audited in ``sms_route_audit``.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from typing import Any

import click

from hisms.carrier.wire.numbers import mask
from hisms.engine import app, phone
from hisms.engine.health import Mode
from hisms.engine.numbering import OPERATORS, NumberInfo
from hisms.engine.routing.explain import STALE_SECONDS, current, explain
from hisms.engine.store.base import Store


@contextlib.contextmanager
def _store(obj: Any) -> Iterator[Store]:
    store = app.store_for(obj.settings)
    try:
        yield store
    finally:
        store.close()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group()
def route() -> None:
    """Routing rules: list, explain a number, apply the configuration's, overrides."""


@route.command("list")
@click.pass_obj
def route_list(obj: Any) -> None:
    """The rules in the order they are tried, and the channels of each group."""
    with _store(obj) as store:
        table, where = current(store, obj.settings.seed_routes)
    click.echo(f"rules from {where}:")
    for rule in table.rules:
        off = "" if rule.enabled else " (disabled)"
        click.echo(
            f"{rule.position:>5} {rule.name:<20} -> {rule.group:<12} {rule.conditions()}{off}"
        )
    for name in sorted({r.group for r in table.rules}):
        members = ", ".join(
            f"{m.channel} {'weight ' + str(m.weight) if m.weight else 'backup'}"
            for m in table.group(name)
        )
        click.echo(f"group {name}: {members or '(no channel)'}")


@route.command("explain")
@click.argument("number")
@click.option("--source", default="DEFAULT", show_default=True, help="source_system")
@click.option("--account", default="")
@click.option("--dept", default="", help="dept_code")
@click.option("--signature", default="", help="without 【】")
@click.option("--template", default="")
@click.option("--priority", default=5, show_default=True, type=click.IntRange(0, 9))
@click.pass_obj
def route_explain(obj: Any, /, number: str, **given: Any) -> None:
    """Which rule and channel a message to NUMBER would take now, and why."""
    with _store(obj) as store:
        try:
            said = explain(store, obj.settings.seed_routes, number, **given)
        except phone.InvalidPhone as exc:
            raise click.ClickException(exc.text) from None
    click.echo(
        f"number {said.number}: {said.info.operator}, {said.region or 'no region'} "
        f"(from the {said.info.source})"
    )
    click.echo(f"rules from {said.where}")
    for line in said.lines:
        click.echo(line)


@route.command("apply")
@click.pass_obj
def route_apply(obj: Any) -> None:
    """Make the database's rules and groups those of [routing] in the configuration."""
    with _store(obj) as store:
        changed = store.save_routes(obj.settings.seed_routes(), _actor())
    click.echo("\n".join(f"changed {c}" for c in changed) or "nothing to change")


@route.command("override")
@click.argument("number")
@click.option("--operator", type=click.Choice(OPERATORS), help="The operator it was ported to.")
@click.option("--province", default="")
@click.option("--city", default="")
@click.option("--note", default="", help="Why, e.g. 携号转网 2024-05.")
@click.option("--delete", is_flag=True, help="Forget the override.")
@click.pass_obj
def route_override(
    obj: Any, number: str, operator: str | None, province: str, city: str, note: str, delete: bool
) -> None:
    """Record the operator (and region) of a ported number, over its segment's."""
    normalised = phone.normalise(number)
    if not delete and operator is None:
        raise click.UsageError("give --operator, or --delete")
    info = None if delete else NumberInfo(operator or "unknown", province, city, "override")
    with _store(obj) as store:
        if not store.set_override(normalised, info, note, _actor()):
            raise click.ClickException(f"{mask(normalised)} has no override")
    click.echo(f"{'deleted' if delete else 'set'} override of {mask(normalised)}")


@route.command("history")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def route_history(obj: Any, limit: int) -> None:
    """The latest audited changes of rules, groups, overrides and channel modes."""
    with _store(obj) as store:
        rows = store.route_history(limit)
    for r in rows:
        click.echo(f"{r['changed_at']} {r['changed_by']} {r['object']} {r['name']}")
        click.echo(f"    before: {r['before_json']}\n    after:  {r['after_json']}")


@click.group()
def channel() -> None:
    """Channel health, and switching channels by hand."""


@channel.command("list")
@click.pass_obj
def channel_list(obj: Any) -> None:
    """Each configured channel: the operator's mode, and each engine's state and reason."""
    with _store(obj) as store:
        modes = {m["channel"]: m for m in store.channel_modes()}
        states = store.channel_states()
    for c in obj.settings.channels:
        m = modes.get(c.name)
        said = f"{m['admin_mode']} by {m['changed_by']} at {m['changed_at']}" if m else "ENABLED"
        click.echo(f"{c.name} ({c.protocol}{'' if c.enabled else ', not enabled here'}): {said}")
        for r in (r for r in states if r["channel"] == c.name):
            stale = " (stale: engine gone?)" if float(r["age_seconds"]) > STALE_SECONDS else ""
            click.echo(
                f"    {r['worker']}: {r['state']} since {r['since']}"
                f"{': ' + r['reason'] if r['reason'] else ''}{stale}"
            )


def _set_mode(obj: Any, name: str, mode: Mode, reason: str) -> None:
    if name not in {c.name for c in obj.settings.channels}:
        raise click.ClickException(f"no channel {name!r} in the configuration")
    with _store(obj) as store:
        store.set_channel_mode(name, mode, reason, _actor())
    click.echo(f"channel {name} {mode}; every engine follows within seconds")


@channel.command("disable")
@click.argument("name")
@click.option("--reason", default="", help="Why, for the audit trail and `channel list`.")
@click.pass_obj
def channel_disable(obj: Any, name: str, reason: str) -> None:
    """No traffic: what it has queued moves to the next channel of its groups."""
    _set_mode(obj, name, Mode.DISABLED, reason)


@channel.command("drain")
@click.argument("name")
@click.option("--reason", default="")
@click.pass_obj
def channel_drain(obj: Any, name: str, reason: str) -> None:
    """No new traffic: what it has queued or in flight finishes there."""
    _set_mode(obj, name, Mode.DRAINING, reason)


@channel.command("enable")
@click.argument("name")
@click.option("--reason", default="")
@click.pass_obj
def channel_enable(obj: Any, name: str, reason: str) -> None:
    """Back to following its health."""
    _set_mode(obj, name, Mode.ENABLED, reason)
