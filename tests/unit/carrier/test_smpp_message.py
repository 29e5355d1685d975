"""SMPP text: data_coding on send and receive, and the three ways of long messages."""

from __future__ import annotations

import pytest

from hisms.adapters.his import Profiles
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.adapter import SmppAdapter
from hisms.carrier.smpp.client import from_config
from hisms.carrier.smpp.codec import decode, encode
from hisms.carrier.smpp.message import choose_coding, read_text, sar_tlvs, with_udh
from hisms.carrier.smpp.pdus import Tag
from hisms.carrier.wire import udh
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.engine import process
from hisms.engine.config import ChannelConfig
from hisms.engine.health import Standing, State
from hisms.engine.policy.check import Policy
from hisms.engine.retry import RetryPolicy
from hisms.engine.router import Router
from hisms.engine.routing.seed import RoutingConfig, seed_table
from hisms.engine.store.base import Claimed
from hisms.engine.validate import Rules

SMPP = {"host": "gw", "port": 1, "system_id": "hisms", "password": "pw", "src_number": "106901"}


def deliver(data: bytes, data_coding: int = 0, esm_class: int = 0, **tlvs: bytes) -> pdus.DeliverSm:
    pdu = pdus.DeliverSm(
        sequence_number=1,
        esm_class=esm_class,
        data_coding=data_coding,
        short_message=data,
        tlvs={Tag[name.upper()]: value for name, value in tlvs.items()},
    )
    decoded = decode(encode(pdu))  # every case also goes over the wire
    assert isinstance(decoded, pdus.DeliverSm)
    return decoded


@pytest.mark.parametrize(
    ("text", "coding"),
    [
        ("Your appointment: 10:30, room 3.", 0),
        ("复诊提醒：明天上午九点", 8),
        ("user@example.org", 8),  # '@' is not where ASCII has it in GSM 03.38
        ("😷 take care", 8),
    ],
)
def test_choose_coding(text: str, coding: int) -> None:
    assert choose_coding(text) == coding


@pytest.mark.parametrize(
    ("data", "coding", "text"),
    [
        (b"Hello", 0, "Hello"),
        (b"Hello", 1, "Hello"),  # IA5, what the npm smpp package picks for ASCII
        ("Café".encode("latin-1"), 3, "Café"),
        ("您好".encode("utf-16-be"), 8, "您好"),
    ],
)
def test_receive_codings(data: bytes, coding: int, text: str) -> None:
    assert read_text(deliver(data, coding)) == (None, text)


def test_udh_part_round_trip() -> None:
    header = udh.build(0xAB, 3, 2)
    esm_class, data = with_udh(header, "第二段".encode("utf-16-be"))
    assert esm_class == pdus.ESM_UDHI
    assert read_text(deliver(data, 8, esm_class)) == (udh.Concat(0xAB, 3, 2), "第二段")
    assert with_udh(b"", b"x") == (0, b"x")


def test_sixteen_bit_reference_udh() -> None:
    data = bytes.fromhex("06080412340201") + b"tail"
    assert read_text(deliver(data, 0, pdus.ESM_UDHI)) == (udh.Concat(0x1234, 2, 1), "tail")


def test_sar_tlvs() -> None:
    pdu = pdus.DeliverSm(sequence_number=1, short_message=b"part two", tlvs=sar_tlvs(0x0102, 2, 2))
    decoded = decode(encode(pdu))
    assert isinstance(decoded, pdus.DeliverSm)
    assert (decoded.sar_msg_ref_num, decoded.sar_total_segments, decoded.sar_segment_seqnum) == (
        0x0102,
        2,
        2,
    )
    assert read_text(decoded) == (udh.Concat(0x0102, 2, 2), "part two")


def test_message_payload_carries_the_whole_text() -> None:
    text = "长" * 300
    pdu = deliver(b"", 8, message_payload=text.encode("utf-16-be"))
    assert read_text(pdu) == (None, text)


def test_part_number_out_of_range_reads_as_a_whole_message() -> None:
    data = udh.build(1, 2, 3) + b"odd"
    assert read_text(deliver(data, 0, pdus.ESM_UDHI)) == (None, "odd")


def test_udh_overrunning_the_message_is_a_remote_error() -> None:
    with pytest.raises(RemoteProtocolError):
        read_text(deliver(b"\x09\x00\x03", 0, pdus.ESM_UDHI))


# -- data_coding 0: the coding is chosen once per message, then the text is split ----------

PLAIN = ("Your appointment is on Friday at 9. Please bring your ID card and arrive early. " * 3)[
    :171
]


def _submits(content: str) -> list[pdus.SubmitSm]:
    """The submit_sm of each part of ``content`` on an SMPP channel with data_coding 0, as
    the engine splits it and the adapter frames it."""
    channel = from_config("intl", {**SMPP, "data_coding": 0})
    config = ChannelConfig(name="intl", protocol="smpp", operators=["mobile"])
    router = Router(seed_table(RoutingConfig(), [config]), lambda _: Standing(State.UP, "", True))
    row = Claimed(7, 1, "HIS", None, None, "13800138000", content, None, 5, False)
    (message,), _ = process.plan(
        [row], Rules(1000, False, ""), router, Policy(Profiles({})), RetryPolicy(3, 1, 60),
        lambda _, text: channel.coding(text),
    )  # fmt: skip
    adapter = SmppAdapter("intl", channel.options)
    return [adapter.submit(part, seq) for seq, part in enumerate(message.parts, 1)]


def test_171_plain_characters_go_as_two_default_alphabet_parts() -> None:
    assert len(PLAIN) == 171
    submits = _submits(PLAIN)
    assert [(s.data_coding, len(s.short_message)) for s in submits] == [(0, 6 + 153), (0, 6 + 18)]
    assert b"".join(s.short_message[6:] for s in submits) == PLAIN.encode("ascii")


@pytest.mark.parametrize("odd", ["_", "中"])  # '_' is not where ASCII has it in GSM 03.38
def test_one_character_outside_the_default_alphabet_makes_every_part_ucs2(odd: str) -> None:
    text = odd + PLAIN[1:]
    submits = _submits(text)
    assert [s.data_coding for s in submits] == [8, 8, 8]  # 171 UCS2 units: 3 parts of <= 67
    assert b"".join(s.short_message[6:] for s in submits) == text.encode("utf-16-be")


def test_a_160_character_plain_message_is_one_default_alphabet_part() -> None:
    short = PLAIN[:159] + "."
    (submit,) = _submits(short)
    assert (submit.data_coding, submit.esm_class) == (0, 0)
    assert submit.short_message == short.encode("ascii")
