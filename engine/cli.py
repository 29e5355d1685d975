"""The ``hisms`` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hisms import sql
from hisms.adapters.console import cli as console_cli
from hisms.adapters.webservice import runtime
from hisms.adapters.webservice.modecli import mode
from hisms.carrier.base import CarrierError
from hisms.carrier.simulator import cli as simulators
from hisms.carrier.wire.numbers import mask
from hisms.engine import app
from hisms.engine.bench.cli import bench
from hisms.engine.config import ConfigError, Settings, load
from hisms.engine.doctor.cli import doctor
from hisms.engine.history import cli as history_cli
from hisms.engine.listcli import blacklist, words
from hisms.engine.policy.wordfile import load_file
from hisms.engine.policycli import audit, operator, source, template
from hisms.engine.reports.cli import account_group, bill, report
from hisms.engine.routecli import channel, route
from hisms.engine.store.base import NewMessage, Store, StoreError
from hisms.engine.store.policystore import Who
from hisms.monitoring import cli as monitoring_cli
from hisms.monitoring import rulebook
from hisms.monitoring.metrics import Metrics

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Context:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load(self.config_path)
        return self._settings


@click.group()
@click.option(
    "--config",
    "config_path",
    envvar="HISMS_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML configuration file (default: $HISMS_CONFIG, else built-in defaults).",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    envvar="HISMS_LOG_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.version_option(package_name="hisms")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """hisms: SMS integration engine for hospitals."""
    logging.basicConfig(level=log_level.upper(), format=LOG_FORMAT, stream=sys.stderr)
    ctx.obj = _Context(config_path)


@cli.group()
def db() -> None:
    """Create, upgrade and print the database schema; partitions, archives, restores."""


@db.command("init")
@click.pass_obj
def db_init(obj: _Context) -> None:
    """Create the tables, indexes and views (a no-op on an initialised database)."""
    _upgrade(obj, "initialised")


@db.command("upgrade")
@click.option("--dry-run", is_flag=True, help="Print the migrations it would apply; apply none.")
@click.pass_obj
def db_upgrade(obj: _Context, dry_run: bool) -> None:
    """Apply every migration not applied yet."""
    if dry_run:
        _plan(obj)
    else:
        _upgrade(obj, "upgraded")


def _plan(obj: _Context) -> None:
    store = app.store_for(obj.settings)
    try:
        version = store.schema_version()
        pending = store.pending_migrations()
    finally:
        store.close()
    click.echo(f"{store.dialect} schema at version {version}")
    for v, name in pending:
        click.echo(f"would apply {v:04d}_{name} (sql/{store.dialect}/migrations/)")
    if not pending:
        click.echo("nothing to do")
    else:
        click.echo(f"`hisms db sql --dialect {store.dialect}` prints the DDL of each")


def _upgrade(obj: _Context, verb: str) -> None:
    store = app.store_for(obj.settings)
    try:
        applied = store.upgrade()
        version = store.schema_version()
        store.set_timezone(obj.settings.timezone)
        seeded: list[str] = []
        # A fresh install takes the configuration's [routing] rules. Without any, nothing
        # is written: each engine routes by its own channels' operators, so a later change
        # of channels cannot leave the database naming channels no engine has.
        if obj.settings.routing.rules and store.load_routes() is None:
            seeded = store.save_routes(obj.settings.seed_routes(), "hisms db init")
        if not store.alarm_rules():  # likewise: the configuration's thresholds, once
            for row in rulebook.seed_rows(obj.settings.alarms):
                store.put_policy("alarm_rule", row, Who("hisms db init", "hisms-cli"))
            seeded.append("alarm rules")
        stored = {r["source_system"] for r in store.load_policy().profiles}
        for name, profile in obj.settings.sources.items():
            if name not in stored:  # the database's profile, once there, wins
                store.put_policy("profile", profile.row(name), Who("hisms db init", "hisms-cli"))
                seeded.append(f"source {name}")
    finally:
        store.close()
    if seeded:
        click.echo(f"from the configuration: {', '.join(seeded)}")
    if applied:
        click.echo(f"{verb} {store.dialect} schema to version {version} (applied {applied})")
    else:
        click.echo(f"{store.dialect} schema already at version {version}; nothing to do")


@db.command("sql")
@click.option("--dialect", required=True, type=click.Choice(sql.dialects()))
def db_sql(dialect: str) -> None:
    """Print the DDL for a DBA to review and run by hand."""
    click.echo(sql.schema(dialect))


@cli.command()
@click.pass_obj
def run(obj: _Context) -> None:
    """Run the engine (claim, send, write back) and the enabled WebService/platform push
    until SIGINT/SIGTERM."""
    store = app.store_for(obj.settings)
    try:
        if store.schema_version() == 0:
            raise click.ClickException("the database has no hisms schema: run `hisms db init`")
        if obj.settings.policy.words_file:
            _load_words(store, Path(obj.settings.policy.words_file))
        metrics = Metrics(obj.settings.engine.resolved_worker_id())
        with runtime.running(obj.settings, lambda: app.store_for(obj.settings), metrics):
            asyncio.run(app.serve(obj.settings, store, metrics))
    finally:
        store.close()


@cli.command()
@click.option("--phone", required=True)
@click.option("--content", help="The text; or --template with --param.")
@click.option("--template", "template_code", help="An approved template's code.")
@click.option("--param", "params", multiple=True, help="A template variable: name=value.")
@click.option(
    "--priority", type=click.IntRange(0, 9), help="Default: the source profile's, else 5."
)
@click.option("--send-at", type=click.DateTime(), help="Local time to send at.")
@click.option("--expire-at", type=click.DateTime(), help="Local time after which not to send.")
@click.option("--source-system", default="DEFAULT", show_default=True)
@click.option("--source-ref", help="Caller's id: sending the same reference twice enqueues once.")
@click.option("--signature")
@click.option("--account")
@click.option("--dept", "dept_code")
@click.pass_obj
def send(obj: _Context, /, **fields: Any) -> None:
    """Enqueue one message; prints its outbox id."""
    if (fields["content"] is None) == (fields["template_code"] is None):
        raise click.UsageError("give --content or --template")
    values: dict[str, Any] = {
        k: _local(v) if isinstance(v, datetime) else v for k, v in fields.items()
    }
    values["params"] = _params(values.pop("params")) if fields["template_code"] else None
    message = NewMessage(**values)
    store = app.store_for(obj.settings)
    try:
        (outbox_id,) = store.enqueue([message], actor="hisms-cli")
        sent = {"phone": mask(message.phone or ""), "source_system": message.source_system}
        store.audit(operator(), "send", "message", str(outbox_id), None, sent)
    finally:
        store.close()
    click.echo(outbox_id)


def _load_words(store: Store, path: Path) -> None:
    """The configured word file into the database; an unchanged file writes nothing."""
    try:
        added, removed = load_file(store, path, Who("hisms run", "engine"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"[policy] words_file: {exc}") from None
    if added or removed:
        logging.getLogger(__name__).info("%s: %d words added, %d removed", path, added, removed)


def _params(given: tuple[str, ...]) -> str:
    """``name=value`` options as the JSON object ``sms_outbox.params`` holds."""
    pairs = [p.partition("=") for p in given]
    if bad := [name for name, eq, _ in pairs if not eq or not name]:
        raise click.BadParameter(f"{bad[0]!r} is not name=value", param_hint="--param")
    return json.dumps({name: value for name, _, value in pairs}, ensure_ascii=False)


def _local(value: datetime) -> datetime:
    return value.astimezone()  # a naive CLI time is the operator's local time


@cli.command()
@click.argument("outbox_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def status(obj: _Context, outbox_id: int, as_json: bool) -> None:
    """Show one message with its parts and reports."""
    store = app.store_for(obj.settings)
    try:
        message = store.get_message(outbox_id)
        parts = store.get_segments(outbox_id) if message else []
    finally:
        store.close()
    if message is None:
        raise click.ClickException(f"no message with id {outbox_id}")
    if as_json:
        click.echo(json.dumps({**message, "parts": parts}, default=str, ensure_ascii=False))
        return
    for key, value in message.items():
        if value is not None:
            click.echo(f"{key:>20}: {value}")
    for part in parts:
        click.echo(
            f"{'part':>20}: {part['seq']}/{part['total']} {part['channel']} "
            f"{part['carrier_msg_id']} {part['report_stat'] or '-'}"
        )


@cli.command()
@click.pass_obj
def stats(obj: _Context) -> None:
    """Messages per status."""
    store = app.store_for(obj.settings)
    try:
        counts = store.status_counts()
    finally:
        store.close()
    for name, count in counts.items():
        click.echo(f"{name:>10} {count}")


cli.add_command(simulators.group("simulate"))


@cli.command()
@click.option(
    "--db",
    "db_path",
    default="hisms-demo.db",
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Multiply the number of messages.",
)
def demo(db_path: str, scale: int) -> None:
    """End to end on embedded SQLite with the loopback carrier, then a summary."""
    from hisms.engine import demo as demo_module

    demo_module.main(db_path, scale)


for command in (history_cli.partitions, history_cli.archive, history_cli.restore_archive):
    db.add_command(command)
cli.add_command(mode)
cli.add_command(bench)
cli.add_command(route)
cli.add_command(channel)
cli.add_command(monitoring_cli.top)
cli.add_command(monitoring_cli.alarm)
cli.add_command(audit)
cli.add_command(doctor)
cli.add_command(console_cli.console)
cli.add_command(console_cli.user)
for group in (blacklist, words, template, source, report, bill, account_group):
    cli.add_command(group)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (ConfigError, StoreError, CarrierError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
