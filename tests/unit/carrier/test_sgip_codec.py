"""SGIP codec: round trips, h11-style feeding, layouts, tolerance, garbage, interop."""

from __future__ import annotations

import random
import struct

import pytest

from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.wire import udh
from hisms.carrier.wire.connection import NEED_DATA, Connection, Kind, Role
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.wire.text import ASCII, GBK, UCS2

from .samples import (
    LONG_PART,
    SGIP_BIND,
    SGIP_BIND_OK,
    SGIP_SEQ,
    SGIP_UNBIND,
    sgip_samples,
)

CODEC = SgipCodec()


def drain(conn: Connection[pdus.Pdu]) -> list[pdus.Pdu]:
    events = []
    while (event := conn.next_event()) is not NEED_DATA:
        events.append(event)
    return events


@pytest.mark.parametrize(
    ("pdu", "kind"),
    [
        (SGIP_BIND, Kind.LOGIN),
        (SGIP_BIND_OK, Kind.LOGIN_OK),
        (pdus.BindResp(sequence=SGIP_SEQ, result=1), Kind.LOGIN_FAILED),
        (SGIP_UNBIND, Kind.LOGOUT),
        (pdus.UnbindResp(sequence=SGIP_SEQ), Kind.LOGOUT_RESP),
        (pdus.SubmitResp(sequence=SGIP_SEQ), Kind.OTHER),
    ],
)
def test_kind(pdu: pdus.Pdu, kind: Kind) -> None:
    assert CODEC.kind(pdu) is kind


def test_bind_layout_spec_table_4_15() -> None:
    frame = CODEC.encode(SGIP_BIND)
    assert frame[8:20] == SGIP_SEQ.pack()
    body = frame[20:]
    assert body == b"\x01" + b"his".ljust(16, b"\0") + b"pw".ljust(16, b"\0") + bytes(8)


def test_fields_padded_with_spaces_are_accepted() -> None:
    frame = bytearray(CODEC.encode(SGIP_BIND))
    frame[21:37] = b"his".ljust(16, b" ")
    assert CODEC.decode(bytes(frame)).login_name == "his"


@pytest.mark.parametrize(
    ("coding", "content", "text"),
    [
        (ASCII, b"TD 1", "TD 1"),
        (UCS2, "取消".encode("utf-16-be"), "取消"),
        (GBK, "取消".encode("gbk"), "取消"),
    ],
)
def test_message_codings(coding: int, content: bytes, text: str) -> None:
    pdu = pdus.Deliver(
        sequence=SGIP_SEQ, user_number="86", sp_number="1", message_coding=coding, content=content
    )
    assert CODEC.decode(CODEC.encode(pdu)).text == text


@pytest.mark.parametrize("udhi", [1, 0x40])
@pytest.mark.parametrize(
    ("header", "concat"),
    [
        (udh.build(0x2A, 2, 1), udh.Concat(0x2A, 2, 1)),
        (bytes.fromhex("06 08 04 12 34 02 02"), udh.Concat(0x1234, 2, 2)),
    ],
)
def test_long_message_parts(udhi: int, header: bytes, concat: udh.Concat) -> None:
    body = "住院费用结算通知".encode("utf-16-be")
    pdu = pdus.Deliver(
        sequence=SGIP_SEQ, user_number="86", sp_number="1", tp_udhi=udhi, content=header + body
    )
    decoded = CODEC.decode(CODEC.encode(pdu))
    assert decoded.concat == concat
    assert decoded.text == "住院费用结算通知"


def test_without_udhi_the_content_is_all_text() -> None:
    pdu = pdus.Deliver(sequence=SGIP_SEQ, user_number="86", sp_number="1", content=LONG_PART)
    assert pdu.concat is None
    assert len(pdu.text) == len(LONG_PART) // 2


@pytest.mark.parametrize(
    "pdu",
    [
        pdus.Bind(sequence=SGIP_SEQ, login_type=1, login_name="x" * 17, login_password=""),
        pdus.Bind(sequence=SGIP_SEQ, login_type=256, login_name="", login_password=""),
        pdus.Submit(sequence=SGIP_SEQ, sp_number="1", user_numbers=(), content=b""),
        pdus.Submit(sequence=SGIP_SEQ, sp_number="1", user_numbers=("86",) * 101, content=b""),
        pdus.Report(
            sequence=SGIP_SEQ, submit_sequence=Sequence(1 << 32, 0, 0), user_number="", state=0
        ),
        pdus.Unbind(sequence=Sequence(0, 0, -1)),
        object(),
    ],
)
def test_encoding_what_the_protocol_cannot_carry_is_a_local_error(pdu: pdus.Pdu) -> None:
    with pytest.raises(LocalProtocolError):
        CODEC.encode(pdu)


def _with_length(frame: bytes) -> bytes:
    return struct.pack(">I", len(frame)) + frame[4:]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b"\0\0\0\x10" + bytes(12), "shorter than its header"),
        (struct.pack(">I", 99) + CODEC.encode(SGIP_UNBIND)[4:], "Message Length 99"),
        (_with_length(CODEC.encode(SGIP_UNBIND)[:4] + b"\0\0\0\x99" + bytes(12)), "unknown SGIP"),
        (_with_length(CODEC.encode(SGIP_BIND)[:-1]), "truncated"),
        (_with_length(CODEC.encode(sgip_samples()[6])[:-12]), "truncated"),
    ],
)
def test_malformed_frames_are_remote_errors(frame: bytes, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        CODEC.decode(frame)


@pytest.mark.parametrize("pdu", [pdus.UnbindResp(sequence=SGIP_SEQ), SGIP_BIND_OK])
def test_bytes_after_a_complete_body_are_ignored(pdu: pdus.Pdu) -> None:
    """go_sgip's UNBIND_RESP carries a generic response's 9 bytes (Result, Reserve)."""
    assert CODEC.decode(_with_length(CODEC.encode(pdu) + bytes(9))) == pdu


def _mutate(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.5 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.75:
            del data[rng.randrange(len(data) + 1) :]
        else:
            data += rng.randbytes(rng.randint(1, 30))
    if rng.random() < 0.8 and len(data) >= 4:
        data[:4] = struct.pack(">I", len(data))
    return bytes(data)


def test_garbage_only_ever_raises_remote_protocol_error() -> None:
    rng = random.Random(20251125)
    frames = [CODEC.encode(pdu) for pdu in sgip_samples()]
    decoded = 0
    for _ in range(4000):
        try:
            pdu = CODEC.decode(_mutate(rng, rng.choice(frames)))
            if isinstance(pdu, pdus.Submit | pdus.Deliver):
                assert isinstance(pdu.text, str)
                assert pdu.concat is None or pdu.concat.total >= 0
            decoded += 1
        except RemoteProtocolError:
            pass
    assert decoded > 100  # the mutations also hit harmless bytes


def test_random_streams_only_ever_raise_remote_protocol_error() -> None:
    rng = random.Random(7)
    for _ in range(500):
        conn = Connection(CODEC, Role.SERVER)
        try:
            conn.receive_data(rng.randbytes(rng.randint(0, 200)))
            drain(conn)
        except RemoteProtocolError:
            pass


# Interop: a SUBMIT captured from a real SP/SMG exchange and published in the
# Java SMSGate project, Lihuanghe/SMSGate,
# src/test/java/com/zx/sms/codec/sgip/TestSGIPcodec.java (test(): the decoder
# must give SPNumber "106559125028" and content "233a").
SMSGATE_SUBMIT = bytes.fromhex(
    "000000a8000000030000000011f333f26ebb10dd3130363535393132353032380000000000000000"
    "00000000000000000000000000000000000000000000013836313836353731313836333600000000"
    "00000000363131313800000000000000000000020000000000000000000000000000090000000000"
    "00000000000000000000000000000000000000000000000000000001000000000000000432333361"
    "0000000000000000"
)


def test_decodes_the_smsgate_submit_sample() -> None:
    pdu = CODEC.decode(SMSGATE_SUBMIT)
    assert isinstance(pdu, pdus.Submit)
    assert pdu.sequence == Sequence(0, 301151218, 0x6EBB10DD)  # 1 March 15:12:18
    assert pdu.sp_number == "106559125028"
    assert pdu.user_numbers == ("8618657118636",)
    assert (pdu.corp_id, pdu.fee_type, pdu.priority, pdu.report_flag) == ("61118", 2, 9, 1)
    assert (pdu.message_coding, pdu.text) == (ASCII, "233a")
    assert CODEC.encode(pdu) == SMSGATE_SUBMIT
