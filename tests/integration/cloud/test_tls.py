"""Certificate checks of every HTTP carrier: on by default, a provider whose certificate the
system does not trust gets no request at all (RETRY); with the channel's ``ca_file`` the
same provider is reached. Each simulator serves HTTPS with a self-signed certificate."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hisms.adapters.http.server import Tls
from hisms.carrier import registry
from hisms.carrier.aggregator.simulator import HttpGatewaySimulator
from hisms.carrier.base import Outcome, Submission, SubmitKey, SubmitResult
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.simulator.config import SimConfig
from tests.integration.webservice.test_tls import certificate  # noqa: F401  (the fixture)

from .conftest import KEY, SECRET, SIGN, carrier, simulator

SAMPLE = Path(__file__).resolve().parents[3] / "etc" / "http-gateway.toml"
TEXT = f"【{SIGN}】您的检验报告已出"


def _gateway(port: int, **options: Any) -> HttpCarrier:
    (channel,) = tomllib.loads(SAMPLE.read_text("utf-8"))["channels"]
    given = {k: v for k, v in channel.items() if k not in ("name", "protocol", "enabled")}
    given.pop("operators")
    url = f"https://127.0.0.1:{port}"
    given.update(key=KEY, secret=SECRET, url=f"{url}/sms/send", report_pull_url="", **options)
    made = registry.create("http", "agg", given)
    assert isinstance(made, HttpCarrier)
    return made


async def _submit(provider: str, cert: str, key: str, **options: Any) -> tuple[SubmitResult, int]:
    """One part through ``provider``'s carrier to its simulator over HTTPS: the result and
    the requests the simulator took."""
    config = SimConfig(KEY, SECRET, report_delay=60)
    tls = Tls(cert, key)
    sim: Any
    if provider == "http":
        sim = HttpGatewaySimulator(config, tls=tls)
    else:
        sim = simulator(provider, config, tls)
    async with sim:
        if provider == "http":
            made = _gateway(sim.port, **options)
        else:
            made = carrier(provider, sim.port, scheme="https", **options)
        await made.start(lambda event: None)
        try:
            part = Submission(SubmitKey(1, 1, 1), "13800138000", TEXT, TEXT.encode("utf-16-be"))
            (result,) = await made.submit([part])
        finally:
            await made.stop()
        return result, sim.counters.submits


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "http"])
def test_an_untrusted_certificate_is_refused_by_default_and_ca_file_trusts_it(
    provider: str,
    certificate: tuple[str, str],  # noqa: F811
) -> None:
    cert, key = certificate
    refused, taken = asyncio.run(_submit(provider, cert, key, max_throttles=0))
    assert refused.outcome is Outcome.RETRY and taken == 0, refused
    assert "certificate" in (refused.error_text or "").lower(), refused
    trusted, taken = asyncio.run(_submit(provider, cert, key, ca_file=cert))
    assert trusted.outcome is Outcome.ACCEPTED and taken == 1, trusted
