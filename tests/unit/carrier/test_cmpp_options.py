"""CMPP channel options: defaults, and a clear CarrierError naming each bad option."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hisms.carrier import registry
from hisms.carrier.base import CarrierError
from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.client import from_config
from hisms.carrier.cmpp.options import parse
from hisms.carrier.session.carrier import SessionCarrier

GOOD = {
    "host": "10.1.2.3",
    "port": 7890,
    "source_addr": "901234",
    "secret": "s3cret",
    "src_number": "10690123",
}


def test_defaults() -> None:
    cmpp = parse("cmcc", GOOD)
    assert cmpp.version == pdus.V30 and cmpp.fee_type == "01" and cmpp.fee_user_type == 2
    assert (cmpp.window, cmpp.connections, cmpp.max_resend) == (16, 1, 3)
    assert cmpp.rate is None and cmpp.response_timeout_seconds == 60
    assert cmpp.gateway_timezone == ZoneInfo("Asia/Shanghai")
    assert "s3cret" not in repr(cmpp)


def test_gateway_timezone_is_an_iana_zone() -> None:
    assert parse("cmcc", {**GOOD, "gateway_timezone": "UTC"}).gateway_timezone == ZoneInfo("UTC")
    with pytest.raises(CarrierError, match="'gateway_timezone': unknown time zone 'Beijing'"):
        parse("cmcc", {**GOOD, "gateway_timezone": "Beijing"})


def test_version_and_rates() -> None:
    cmpp = parse("cmcc", {**GOOD, "version": "2.0", "rate": 500, "window": 32})
    assert cmpp.version == pdus.V20 and cmpp.rate == 500 and cmpp.window == 32
    assert parse("cmcc", {**GOOD, "rate": 0}).rate is None


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"secret": None}, "secret"),
        ({"host": ""}, "host"),
        ({"port": 70000}, "port"),
        ({"port": "x"}, "port"),
        ({"version": "2.5"}, "version"),
        ({"src_number": "1069abc"}, "src_number"),
        ({"source_addr": "12345678"}, "source_addr"),
        ({"window": 0}, "window"),
        ({"rate": -5}, "rate"),
        ({"heartbeat_seconds": "soon"}, "heartbeat_seconds"),
        ({"verify_server_auth": "yes"}, "verify_server_auth"),
        ({"windw": 16}, "windw"),
    ],
)
def test_bad_options_name_the_option(change: dict[str, Any], option: str) -> None:
    options = {**GOOD, **change}
    if change.get(option, "") is None:
        del options[option]
    with pytest.raises(CarrierError, match=f"channel 'cmcc': option '{option}'"):
        from_config("cmcc", options)


def test_registry_builds_the_cmpp_carrier() -> None:
    carrier = registry.create("cmpp", "cmcc", GOOD)
    assert isinstance(carrier, SessionCarrier) and carrier.name == "cmcc"
