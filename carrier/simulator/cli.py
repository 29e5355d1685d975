"""The command line of every simulator, built by one factory, and ``hisms simulate``.

:func:`command` makes a protocol's click command from its account flags, its own
options and a function that builds the simulator; the report mix and fault knobs
are the same for all. :func:`group` is ``hisms simulate``: one subcommand per
protocol in :data:`hisms.carrier.registry.SIMULATORS`, imported when used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from hisms.carrier.simulator.config import Faults, SimConfig
from hisms.carrier.simulator.gateway import GatewaySimulator
from hisms.carrier.wire.times import GATEWAY_TZ

Build = Callable[..., GatewaySimulator]  # (config, host=, port=, **own options)


def _zone(ctx: click.Context, param: click.Parameter, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {value!r}") from None


_KNOBS = (
    click.Option(["--report-delay"], default=0.5, show_default=True, type=float, help="seconds"),
    click.Option(["--fail-ratio"], default=0.0, show_default=True, type=float),
    click.Option(["--throttle-ratio"], default=0.0, show_default=True, type=float),
    click.Option(
        ["--drop-after"], default=0, show_default=True, type=int, help="close at this submit, once"
    ),
    click.Option(["--resp-delay"], default=0.0, show_default=True, type=float, help="seconds"),
    click.Option(["--mo-delay"], default=0.5, show_default=True, type=float, help="seconds"),
    click.Option(["--seed"], default=0, show_default=True, type=int),
    click.Option(
        ["--timezone"],
        default=GATEWAY_TZ.key,
        show_default=True,
        callback=_zone,
        help="the zone of the gateway's clock: report times are written in it",
    ),
)


@dataclass(frozen=True, slots=True)
class Account:
    """The flags naming the account the simulator accepts, and their defaults."""

    flag: str = "--account"
    default: str = "hisms"
    help: str = "the client's login name"
    secret_flag: str = "--secret"


def command(
    protocol: str,
    title: str,
    port: int,
    build: Build,
    account: Account,
    options: Sequence[click.Option] = (),
) -> click.Command:
    """``hisms simulate PROTOCOL``: run the simulator ``build`` makes until interrupted."""
    params: list[click.Parameter] = [
        click.Option(["--host"], default="127.0.0.1", show_default=True),
        click.Option(["--port"], default=port, show_default=True, type=int),
        click.Option([account.flag, "account"], default=account.default, help=account.help),
        click.Option([account.secret_flag, "secret"], default="secret", show_default=True),
        *options,
        *_KNOBS,
    ]

    def run(host: str, port: int, account: str, secret: str, **given: Any) -> None:
        knobs = {name: given.pop(name) for name in _knob_names()}
        sim = build(sim_config(account, secret, **knobs), host=host, port=port, **given)
        run_forever(sim, lambda: f"{title} simulator on {host}:{sim.port} (account {account})")

    return click.Command(
        protocol,
        params=params,
        callback=run,
        help=f"Run {title} simulator until interrupted.",
        context_settings={"show_default": True},
    )


def _knob_names() -> list[str]:
    return [str(option.name) for option in _KNOBS]


def sim_config(account: str, secret: str, **knobs: Any) -> SimConfig:
    faults = Faults(
        throttle_ratio=knobs["throttle_ratio"],
        drop_after_submits=knobs["drop_after"],
        resp_delay=knobs["resp_delay"],
    )
    return SimConfig(
        account,
        secret,
        report_delay=knobs["report_delay"],
        fail_ratio=knobs["fail_ratio"],
        seed=knobs["seed"],
        mo_delay=knobs["mo_delay"],
        faults=faults,
        timezone=knobs["timezone"],
    )


def run_forever(sim: GatewaySimulator, banner: Callable[[], str]) -> None:
    """Run ``sim`` until interrupted, printing its counters every 10 s."""
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        async with sim:
            click.echo(banner())
            started = time.monotonic()
            while True:
                await asyncio.sleep(10)
                c = sim.counters
                click.echo(
                    f"{time.monotonic() - started:.0f}s: logins {c.logins}, submits {c.submits}, "
                    f"keep-alives {c.keepalives}, reports {c.reports_sent}, MO {c.mo_sent}"
                )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class _Simulators(click.Group):
    """The protocols' commands, imported only when one is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from hisms.carrier.registry import SIMULATORS

        return list(SIMULATORS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from hisms.carrier.registry import SIMULATORS

        module = SIMULATORS.get(name)
        if module is None:
            return None
        cli: click.Command = import_module(module).cli
        return cli


def group(name: str = "simulate") -> click.Group:
    return _Simulators(name, help="Run a carrier gateway simulator until interrupted.")
