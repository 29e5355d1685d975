"""The simulator's command line, and a burst through it on one and two connections (the rate
is printed; `hisms bench` measures it: a timed assertion would only measure the machine)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from hisms.carrier.base import DeliveryReport, Outcome
from hisms.carrier.cmpp.simulator import cli
from hisms.carrier.simulator import SimConfig

from .conftest import ACCOUNT, SECRET, carrier, gateway, parts, wait_for


def test_cli_help_lists_the_knobs() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for option in ("--port", "--account", "--secret", "--report-delay", "--fail-ratio", "--seed"):
        assert option in result.output


def test_cli_simulator_serves_a_client() -> None:
    command = [sys.executable, "-c", "from hisms.carrier.cmpp.simulator import cli; cli()"]
    args = ["--port", "0", "--account", ACCOUNT, "--secret", SECRET, "--report-delay", "0.01"]
    with subprocess.Popen([*command, *args], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            match = re.search(r":(\d+) ", proc.stdout.readline())
            assert match, "the simulator did not print its port"

            async def scenario() -> None:
                async with carrier(int(match.group(1))) as (channel, events):
                    results = await channel.submit(parts(20))
                    assert {r.outcome for r in results} == {Outcome.ACCEPTED}
                    await wait_for(lambda: len(events.of(DeliveryReport)) == 20)

            asyncio.run(scenario())
        finally:
            proc.terminate()


@pytest.mark.slow
@pytest.mark.parametrize("connections", [1, 2])
def test_a_burst_is_accepted_and_reported_part_for_part(connections: int) -> None:
    """Client and simulator share this process and one core."""
    count = 5_000

    async def scenario() -> float:
        config = SimConfig(ACCOUNT, SECRET, report_delay=0.01)
        async with (
            gateway(config) as sim,
            carrier(sim.port, connections=connections) as (
                channel,
                events,
            ),
        ):
            started = time.monotonic()
            results = await channel.submit(parts(count))
            await wait_for(lambda: len(events.of(DeliveryReport)) == count, timeout=60)
            elapsed = time.monotonic() - started
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            assert len({r.carrier_msg_id for r in results}) == count  # an id each
            return count / elapsed

    rate = asyncio.run(scenario())
    print(f"CMPP simulator + client, {connections} connection(s): {rate:.0f} submits+reports/s")
