"""SGIP channel options: defaults, the listener, idle time, and errors naming the option."""

from __future__ import annotations

from typing import Any

import pytest

from hisms.carrier import registry
from hisms.carrier.base import CarrierError
from hisms.carrier.sgip.client import SgipCarrier
from hisms.carrier.sgip.options import parse

GOOD = {
    "host": "10.1.2.3",
    "port": 8801,
    "node_id": 3020012345,
    "login_name": "hisms",
    "login_password": "s3cret",
    "src_number": "10655001",
}


def test_defaults() -> None:
    sgip = parse("cucc", GOOD)
    assert (sgip.listen_host, sgip.listen_port) == ("0.0.0.0", 8801)
    assert (sgip.smg_login_name, sgip.smg_login_password) == ("hisms", "s3cret")
    assert sgip.charge_number == "0" * 21 and sgip.fee_type == 1
    assert sgip.heartbeat_seconds == 60 and sgip.window == 16
    assert "s3cret" not in repr(sgip)


def test_listener_and_idle_time() -> None:
    options = {**GOOD, "listen_port": 0, "idle_seconds": 5, "smg_login_name": "smg"}
    sgip = parse("cucc", options)
    assert sgip.listen_port == 0 and sgip.smg_login_name == "smg"
    assert sgip.heartbeat_seconds == 5


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"node_id": None}, "node_id"),
        ({"node_id": 1 << 32}, "node_id"),
        ({"login_name": None}, "login_name"),
        ({"login_password": "x" * 17}, "login_password"),
        ({"src_number": "1065x"}, "src_number"),
        ({"corp_id": "123456"}, "corp_id"),
        ({"fee_type": 9}, "fee_type"),
        ({"listen_port": 70000}, "listen_port"),
        ({"idle_seconds": 0}, "idle_seconds"),
        ({"heartbeat_seconds": 30}, "heartbeat_seconds"),
        ({"charge_number": "86130abc"}, "charge_number"),
        ({"port": None}, "port"),
    ],
)
def test_bad_options_name_the_option(change: dict[str, Any], option: str) -> None:
    options = {**GOOD, **change}
    if change.get(option, "") is None:
        del options[option]
    with pytest.raises(CarrierError, match=f"channel 'cucc': option '{option}'"):
        registry.create("sgip", "cucc", options)


def test_registry_builds_the_sgip_carrier() -> None:
    carrier = registry.create("sgip", "cucc", GOOD)
    assert isinstance(carrier, SgipCarrier) and carrier.listen_port == 8801
