"""``hisms mode show|set``: how results reach each source system, switched at run time.

The mode lives in ``sms_source_mode``, so every running instance follows a change
on its next push round, without a restart.
"""

from __future__ import annotations

import getpass
from typing import Any

import click

from hisms.engine import app


@click.group()
def mode() -> None:
    """Show or switch the result mode (platform push / table) per source system."""


@mode.command("show")
@click.pass_obj
def mode_show(obj: Any) -> None:
    """Each platform source system: mode, last change, failures, results not pushed yet."""
    store = app.store_for(obj.settings)
    try:
        rows = store.source_modes()
    finally:
        store.close()
    if not rows:
        click.echo("no source system uses the platform (see [platform] sources, `mode set`)")
    for r in rows:
        click.echo(
            f"{r['source_system']:<12} {r['mode']:<8} unpushed={r['unpushed']} "
            f"failures={r['push_failures']} changed {r['changed_at']} by {r['changed_by']}"
            + (f": {r['reason']}" if r["reason"] else "")
        )


@mode.command("set")
@click.argument("new_mode", metavar="platform|table", type=click.Choice(["platform", "table"]))
@click.option("--source", "sources", multiple=True, help="Source system (repeatable; default all).")
@click.option("--reason", default="", help="Why, for the audit trail.")
@click.pass_obj
def mode_set(obj: Any, new_mode: str, sources: tuple[str, ...], reason: str) -> None:
    """Switch to platform push or table mode; back to platform replays what was not pushed."""
    store = app.store_for(obj.settings)
    actor = f"cli:{getpass.getuser()}"
    try:
        done = store.set_mode(new_mode, list(sources) or None, actor, reason or "set by operator")
    finally:
        store.close()
    if not done:
        raise click.ClickException("no source system to switch: name one with --source")
    click.echo(f"{', '.join(done)}: {new_mode} mode")
