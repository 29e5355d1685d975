"""SMPP channel options: defaults, and a clear CarrierError naming each bad option."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hisms.carrier import registry
from hisms.carrier.base import CarrierError, Outcome, Submission, SubmitKey
from hisms.carrier.smpp.client import SmppCarrier, from_config
from hisms.carrier.smpp.options import BindMode, LongMode, parse

GOOD = {
    "host": "10.1.2.3",
    "port": 2775,
    "system_id": "hisms",
    "password": "S3cr3t!",
    "src_number": "10690123",
}


def test_defaults() -> None:
    smpp = parse("intl", GOOD)
    assert smpp.bind is BindMode.TRANSCEIVER and smpp.long_messages is LongMode.UDH
    assert (smpp.data_coding, smpp.dest_addr_ton, smpp.dest_addr_npi) == (8, 1, 1)
    assert (smpp.window, smpp.connections, smpp.heartbeat_seconds) == (16, 1, 60)
    assert smpp.gateway_timezone == ZoneInfo("Asia/Shanghai")
    assert "S3cr3t!" not in repr(smpp)


def test_choices_and_session_options() -> None:
    options = {**GOOD, "bind": "Transmitter+Receiver", "long_messages": "SAR", "window": 32}
    smpp = parse("intl", {**options, "heartbeat_seconds": 15, "rate": 300})
    assert smpp.bind is BindMode.PAIR and smpp.long_messages is LongMode.SAR
    assert (smpp.window, smpp.heartbeat_seconds, smpp.rate) == (32, 15, 300)
    assert parse("intl", {**GOOD, "receipt_ids": "hex->decimal"}).receipt_ids.value == (
        "hex->decimal"
    )


@pytest.mark.parametrize(
    ("change", "option", "problem"),
    [
        ({"password": None}, "password", "is required"),
        ({"password": "toolong123"}, "password", "at most 8"),
        ({"system_id": "x" * 16}, "system_id", "at most 15"),
        ({"bind": "trx"}, "bind", "'transceiver' or 'transmitter+receiver'"),
        ({"long_messages": "split"}, "long_messages", "'udh' or 'sar' or 'payload'"),
        ({"data_coding": 3}, "data_coding", "must be 8 (UCS2) or 0"),
        ({"receipt_ids": "hex"}, "receipt_ids", "'as-is' or 'hex->decimal' or 'decimal->hex'"),
        ({"dest_addr_ton": 9}, "dest_addr_ton", "from 0 to 6"),
        ({"port": "x"}, "port", "integer"),
        ({"window": 0}, "window", "from 1 to 1024"),
        ({"gateway_timezone": "CST"}, "gateway_timezone", "unknown time zone 'CST'"),
        ({"secret": "x"}, "secret", "unknown option"),
    ],
)
def test_bad_options_name_the_channel_and_option(
    change: dict[str, Any], option: str, problem: str
) -> None:
    options = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(CarrierError) as info:
        parse("intl", options)
    message = str(info.value)
    assert "'intl'" in message and f"'{option}'" in message and problem in message
    assert "S3cr3t!" not in message


def test_registry_builds_the_carrier_and_pairs_get_receivers() -> None:
    carrier = registry.create("SMPP", "intl", GOOD)
    assert isinstance(carrier, SmppCarrier) and carrier.receivers is None
    pair = from_config("intl", {**GOOD, "bind": "transmitter+receiver"})
    assert pair.receivers is not None and pair.receivers.adapter is not pair.session.adapter


def test_submit_before_start_is_retry() -> None:
    carrier = from_config("intl", GOOD)
    part = Submission(SubmitKey(1, 1, 1), "13800138000", "x", b"\x00x")
    (result,) = asyncio.run(carrier.submit([part]))
    assert result.outcome is Outcome.RETRY


def test_a_channel_knows_the_service_number_it_sends_from() -> None:
    """What a blacklist entry scoped by service number is matched against (with the
    source's ext): a session protocol's src_number, an aggregator's, none for a cloud API."""
    import asyncio as aio

    from hisms.carrier.aggregator.client import from_config as aggregator
    from hisms.carrier.loopback.client import LoopbackCarrier
    from tests.unit.carrier.test_aggregator import sample

    assert from_config("intl", GOOD).src_number == "10690123"
    assert LoopbackCarrier("lb", src_number="1069012").src_number == "1069012"
    http = aggregator("agg", sample(src_number="10690999"))
    assert http.src_number == "10690999"
    without = sample()
    without.pop("src_number", None)
    bare = aggregator("agg", without)
    assert bare.src_number == ""
    for carrier in (http, bare):
        if carrier.client is not None:
            aio.run(carrier.client.aclose())
