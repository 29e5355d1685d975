"""``hisms doctor``: one line per check, the fix under each failure, exit 1 on any failure."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import click

from hisms.engine import app
from hisms.engine.config import ConfigError, Settings, load
from hisms.engine.doctor import database, files, gateways, ports
from hisms.engine.doctor.findings import Finding, Verdict, failed
from hisms.engine.store.base import StoreError

ENV_FILE = Path("/etc/hisms/hisms.env")  # where the systemd unit reads the secrets


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per check, for monitoring.")
@click.option("--no-login", is_flag=True, help="Reach each gateway over TCP without logging in.")
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The service's secrets file, read as systemd reads it (default: {ENV_FILE} "
    "when it exists).",
)
@click.option("--timeout", default=5.0, show_default=True, help="Seconds per network check.")
@click.option(
    "--console",
    is_flag=True,
    help="This host also runs `hisms console` (hisms-console.service): check [console] port.",
)
@click.pass_context
def doctor(
    ctx: click.Context,
    as_json: bool,
    no_login: bool,
    env_file: Path | None,
    timeout: float,
    console: bool,
) -> None:
    """Check this deployment: configuration, database, grants, clocks, ports and gateways."""
    config_path = ctx.obj.config_path or os.environ.get("HISMS_CONFIG")
    findings = []
    for finding in _run(config_path, env_file, timeout, not no_login, console):
        findings.append(finding)
        if not as_json:
            click.echo(finding.line())
    if as_json:
        click.echo(json.dumps([f.as_json() for f in findings], ensure_ascii=False, indent=1))
    if any(f.verdict is Verdict.FAIL for f in findings):
        ctx.exit(1)


def _run(
    config_path: str | None, env_file: Path | None, timeout: float, login: bool, console: bool
) -> Iterator[Finding]:
    if config_path:
        yield files.secrets_file("config file", Path(config_path))
    else:
        yield Finding("config file", Verdict.SKIP, "none given: built-in defaults")
    if env_file or ENV_FILE.exists():
        env_file = env_file or ENV_FILE
        yield files.secrets_file("secrets file", env_file)
        # The service's environment: its database password, gateway secrets, overrides.
        os.environ.update(files.environment(env_file))
    try:
        settings = load(config_path)
    except ConfigError as exc:
        yield failed("configuration", str(exc), "correct it (etc/hisms.toml explains each key)")
        return
    yield from _database(settings)
    for section, host, port in ports.listeners(settings, console):
        yield ports.port_free(section, host, port)
    for channel in settings.channels:
        if channel.enabled:
            yield from asyncio.run(gateways.channel(channel, timeout, login))


_DATABASE_FIX = (
    "check [database] url and the password in HISMS_DATABASE__URL, and that the server "
    "accepts this host (pg_hba.conf, bind-address, the firewall)"
)


def _database(settings: Settings) -> Iterator[Finding]:
    try:
        store = app.store_for(settings)  # connects: a refused login fails here
        try:
            yield database.reachable(store)
            yield from database.checks(store, settings.timezone)
        finally:
            store.close()
    except StoreError as exc:
        yield failed("database", str(exc), _DATABASE_FIX)
