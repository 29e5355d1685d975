"""``hisms simulate aliyun|tencent``: one click command per provider, the same knobs.

The fault knobs are those of the binary simulators (report delay and failure ratio,
throttling, answer delay, MO delay, seed) plus the push side: where reports and replies
go, and the share of pushes lost (they stay available to the provider's query/pull API).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from hisms.carrier.cloudsim.sim import CloudSimulator, Hooks
from hisms.carrier.cloudsim.templates import parse_registered
from hisms.carrier.simulator.config import Faults, SimConfig

Build = Callable[..., CloudSimulator]  # (config, hooks, host=, port=, **own options)

_KNOBS = (
    click.Option(["--report-url"], default="", help="where delivery reports are pushed"),
    click.Option(["--mo-url"], default="", help="where replies are pushed"),
    click.Option(["--drop-push-ratio"], default=0.0, type=float, help="pushes lost"),
    click.Option(["--report-delay"], default=0.5, type=float, help="seconds"),
    click.Option(["--fail-ratio"], default=0.0, type=float),
    click.Option(["--throttle-ratio"], default=0.0, type=float),
    click.Option(["--resp-delay"], default=0.0, type=float, help="seconds"),
    click.Option(["--mo-delay"], default=0.5, type=float, help="seconds"),
    click.Option(["--seed"], default=0, type=int),
)


def cloud_command(
    protocol: str,
    title: str,
    port: int,
    account_flag: str,
    account_default: str,
    build: Build,
    options: Sequence[click.Option] = (),
) -> click.Command:
    params: list[click.Parameter] = [
        click.Option(["--host"], default="127.0.0.1"),
        click.Option(["--port"], default=port, type=int),
        click.Option([account_flag, "account"], default=account_default),
        click.Option(
            ["--secret"], default="secret", help="the key secret requests are signed with"
        ),
        *options,
        *_KNOBS,
    ]

    def run(host: str, port: int, account: str, secret: str, **given: Any) -> None:
        knobs = {str(o.name): given.pop(str(o.name)) for o in _KNOBS}
        hooks = Hooks(knobs.pop("report_url"), knobs.pop("mo_url"), knobs.pop("drop_push_ratio"))
        if "registered" in given:
            try:
                given["registered"] = parse_registered(given["registered"])
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--template") from None
        config = SimConfig(
            account,
            secret,
            report_delay=knobs["report_delay"],
            fail_ratio=knobs["fail_ratio"],
            seed=knobs["seed"],
            mo_delay=knobs["mo_delay"],
            faults=Faults(throttle_ratio=knobs["throttle_ratio"], resp_delay=knobs["resp_delay"]),
        )
        asyncio.run(_serve(lambda: build(config, hooks, host=host, port=port, **given), title))

    return click.Command(
        protocol,
        params=params,
        callback=run,
        help=f"Run a {title} simulator until interrupted.",
        context_settings={"show_default": True},
    )


async def _serve(make: Callable[[], CloudSimulator], title: str) -> None:
    logging.basicConfig(level=logging.INFO)
    sim = make()
    with contextlib.suppress(asyncio.CancelledError):
        async with sim:
            click.echo(f"{title} simulator on {sim.url} (account {sim.config.account})")
            started = time.monotonic()
            while True:
                await asyncio.sleep(10)
                c = sim.counters
                click.echo(
                    f"{time.monotonic() - started:.0f}s: requests {c.logins}, accepted "
                    f"{c.accepted}, throttled {c.throttled}, reports {c.reports_sent}, "
                    f"MO {c.mo_sent}, pushes lost {sim.pushes_dropped}"
                )
