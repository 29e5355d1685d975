"""SMGP channel options: defaults, and a clear CarrierError naming each bad option."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hisms.carrier import registry
from hisms.carrier.base import CarrierError
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.smgp.options import parse
from hisms.carrier.smgp.pdus import LoginMode

GOOD = {
    "host": "10.1.2.3",
    "port": 8890,
    "client_id": "90123456",
    "secret": "s3cret",
    "src_number": "1189001",
}


def test_defaults() -> None:
    smgp = parse("ctcc", GOOD)
    assert (smgp.fee_type, smgp.fee_code, smgp.login_mode) == ("00", "000000", LoginMode.TRANSMIT)
    assert (smgp.window, smgp.connections, smgp.heartbeat_seconds) == (16, 1, 60)
    assert smgp.gateway_timezone == ZoneInfo("Asia/Shanghai")
    assert "s3cret" not in repr(smgp)


def test_send_only_login_and_rates() -> None:
    smgp = parse("ctcc", {**GOOD, "login_mode": "send", "rate": 300, "window": 32})
    assert smgp.login_mode == LoginMode.SEND and smgp.rate == 300 and smgp.window == 32


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"secret": None}, "secret"),
        ({"client_id": None}, "client_id"),
        ({"client_id": "123456789"}, "client_id"),
        ({"secret": "密码"}, "secret"),
        ({"host": ""}, "host"),
        ({"port": 0}, "port"),
        ({"src_number": "118abc"}, "src_number"),
        ({"login_mode": "receive"}, "login_mode"),
        ({"fee_type": "001"}, "fee_type"),
        ({"window": 0}, "window"),
        ({"heartbeat_seconds": -1}, "heartbeat_seconds"),
        ({"verify_server_auth": "yes"}, "verify_server_auth"),
        ({"source_addr": "901234"}, "source_addr"),
    ],
)
def test_bad_options_name_the_option(change: dict[str, Any], option: str) -> None:
    options = {**GOOD, **change}
    if change.get(option, "") is None:
        del options[option]
    with pytest.raises(CarrierError, match=f"channel 'ctcc': option '{option}'"):
        registry.create("smgp", "ctcc", options)


def test_registry_builds_the_smgp_carrier() -> None:
    carrier = registry.create("smgp", "ctcc", GOOD)
    assert isinstance(carrier, SessionCarrier) and carrier.name == "ctcc"
