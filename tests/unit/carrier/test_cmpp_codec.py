"""CMPP codec: round trips, h11-style feeding, byte layouts, garbage."""

from __future__ import annotations

import contextlib
import random
import struct

import pytest

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.cmpp.report import build_report
from hisms.carrier.wire.connection import NEED_DATA, Connection, Kind, Role, State
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError

from .samples import CMPP_REPORT, cmpp_samples

VERSIONS = [pdus.V20, pdus.V30]


def test_connect_resp_and_submit_resp_widths_per_version() -> None:
    resp = pdus.ConnectResp(1, 0, b"\x01" * 16, 0x30)
    assert len(CmppCodec(pdus.V20).encode(resp)) == 12 + 18
    assert len(CmppCodec(pdus.V30).encode(resp)) == 12 + 21
    submit_resp = pdus.SubmitResp(1, 5, 8)
    assert CmppCodec(pdus.V20).encode(submit_resp)[12:] == struct.pack(">QB", 5, 8)
    assert CmppCodec(pdus.V30).encode(submit_resp)[12:] == struct.pack(">QI", 5, 8)


def test_submit_v30_byte_layout_matches_spec_table() -> None:
    content = "复诊".encode("utf-16-be")
    submit = pdus.Submit(
        0x01020304,
        ("13800138000",),
        content,
        src_id="1069012301",
        service_id="HIS",
        msg_src="901234",
        link_id="LINK",
    )
    data = CmppCodec(pdus.V30).encode(submit)
    # Spec 8.4.3.1: 128 fixed bytes up to Src_Id, DestUsr_tl, 32-byte id, type,
    # Msg_Length, content, LinkID 20.
    assert len(data) == 12 + 128 + 1 + 32 + 1 + 1 + len(content) + 20
    assert data[:12] == struct.pack(">III", len(data), 0x00000004, 0x01020304)
    body = data[12:]
    assert body[8:12] == bytes([1, 1, 1, 0])  # Pk_total, Pk_number, Registered_Delivery, level
    assert body[12:22] == b"HIS".ljust(10, b"\x00")
    assert body[22] == 2  # Fee_UserType: SP pays
    assert body[56:59] == bytes([0, 0, 8])  # TP_pId, TP_udhi, Msg_Fmt (UCS2)
    assert body[59:65] == b"901234"
    assert body[65:67] == b"01" and body[67:73] == b"000000"
    assert body[107:128] == b"1069012301".ljust(21, b"\x00")
    assert body[128] == 1 and body[129:161] == b"13800138000".ljust(32, b"\x00")
    assert body[161] == 0 and body[162] == len(content)
    assert body[163 : 163 + len(content)] == content
    assert body[-20:] == b"LINK".ljust(20, b"\x00")


def test_submit_v20_byte_layout() -> None:
    submit = pdus.Submit(1, ("13800138000",), b"hi", msg_fmt=0, src_id="10690123")
    body = CmppCodec(pdus.V20).encode(submit)[12:]
    # 2.0: Fee_terminal_Id 21, no type bytes, Dest_terminal_Id 21, Reserve 8.
    assert len(body) == 8 + 4 + 10 + 1 + 21 + 3 + 6 + 2 + 6 + 17 + 17 + 21 + 1 + 21 + 1 + 2 + 8
    assert body[95:116] == b"10690123".ljust(21, b"\x00")
    assert body[116] == 1 and body[117:138] == b"13800138000".ljust(21, b"\x00")


def test_report_layout_follows_msg_length_not_session_version() -> None:
    for id_width in (21, 32):
        deliver = pdus.Deliver(1, 5, "10690123", "13800138000", build_report(CMPP_REPORT, id_width))
        deliver = pdus.Deliver(**{**_as_dict(deliver), "registered_delivery": 1})
        for version in VERSIONS:
            codec = CmppCodec(version)
            decoded = codec.decode(codec.encode(deliver))
            assert isinstance(decoded, pdus.Deliver)
            assert decoded.report == CMPP_REPORT


def test_fields_padded_with_spaces_are_trimmed() -> None:
    codec = CmppCodec(pdus.V30)
    data = bytearray(codec.encode(pdus.Deliver(1, 5, "10690123", "13800138000", b"x", msg_fmt=0)))
    data[12 + 8 : 12 + 29] = b"10690123".ljust(21, b" ")
    decoded = codec.decode(bytes(data))
    assert isinstance(decoded, pdus.Deliver) and decoded.dest_id == "10690123"


def test_empty_active_test_resp_is_tolerated() -> None:
    frame = struct.pack(">III", 12, 0x80000008, 9)
    assert CmppCodec(pdus.V30).decode(frame) == pdus.ActiveTestResp(9)


def test_a_frame_longer_than_its_total_length_is_refused() -> None:
    # 13 bytes read as an ACTIVE_TEST_RESP with its reserved byte, but Total_Length says 12
    frame = struct.pack(">III", 12, 0x80000008, 9) + b"\x00"
    with pytest.raises(RemoteProtocolError, match="Total_Length 12 but 13 bytes"):
        CmppCodec(pdus.V30).decode(frame)


@pytest.mark.parametrize("version", VERSIONS)
def test_bytes_beyond_the_layout_are_a_protocol_error_event(version: int) -> None:
    codec = CmppCodec(version)
    resp = codec.encode(pdus.SubmitResp(5, 0x110C414000060007, 0)) + b"\x00\x00"
    conn = Connection(codec, Role.CLIENT)
    conn.state = State.BOUND
    conn.receive_data(struct.pack(">I", len(resp)) + resp[4:])
    with pytest.raises(RemoteProtocolError, match="2 unexpected trailing bytes"):
        conn.next_event()


def test_kinds() -> None:
    codec = CmppCodec(pdus.V30)
    assert codec.kind(pdus.Connect(1, "1", b"", 0x30, 0)) is Kind.LOGIN
    assert codec.kind(pdus.ConnectResp(1, 0, b"", 0x30)) is Kind.LOGIN_OK
    assert codec.kind(pdus.ConnectResp(1, 3, b"", 0x30)) is Kind.LOGIN_FAILED
    assert codec.kind(pdus.Terminate(1)) is Kind.LOGOUT
    assert codec.kind(pdus.TerminateResp(1)) is Kind.LOGOUT_RESP
    assert codec.kind(pdus.Submit(1, ("1",), b"")) is Kind.OTHER


def test_local_errors_for_values_that_do_not_fit() -> None:
    codec = CmppCodec(pdus.V30)
    with pytest.raises(LocalProtocolError):
        codec.encode(pdus.Submit(1, ("1" * 33,), b""))
    with pytest.raises(LocalProtocolError):
        codec.encode(pdus.Submit(1, ("1",), b"x" * 256))
    with pytest.raises(LocalProtocolError):
        codec.encode(pdus.Submit(1, ("1",), b"", src_id="一"))


@pytest.mark.parametrize(
    "frame",
    [
        struct.pack(">III", 12, 0x00000099, 1),  # unknown Command_Id
        struct.pack(">III", 13, 0x00000008, 1) + b"\x00",  # ACTIVE_TEST with a body
        struct.pack(">III", 20, 0x80000004, 1) + b"\x00" * 8,  # SUBMIT_RESP without Result
        struct.pack(">III", 16, 0x80000004, 1) + b"\x00" * 4,  # truncated
        struct.pack(">III", 99, 0x80000008, 1) + b"\x00",  # Total_Length disagrees
        b"\x00\x00\x00\x0c\x00",  # shorter than its header
    ],
)
def test_malformed_frames(frame: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        CmppCodec(pdus.V30).decode(frame)


def test_report_of_wrong_size_is_remote_error() -> None:
    codec = CmppCodec(pdus.V30)
    deliver = pdus.Deliver(1, 5, "1", "2", b"\x00" * 59, registered_delivery=1)
    decoded = codec.decode(codec.encode(deliver))  # the frame is fine: the session answers it
    assert isinstance(decoded, pdus.Deliver)
    with pytest.raises(RemoteProtocolError):
        decoded.report  # noqa: B018


def _drain(version: int, data: bytes) -> None:
    """Feed ``data`` then EOF to a gateway-side connection until it needs data."""
    conn = Connection(CmppCodec(version), Role.SERVER)
    conn.receive_data(data)
    conn.receive_data(b"")
    for _ in range(len(data) + 2):
        if conn.next_event() is NEED_DATA:
            return
    raise AssertionError("connection kept producing events")


@pytest.mark.parametrize("version", VERSIONS)
def test_random_garbage_only_raises_remote_protocol_error(version: int) -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        data = rng.randbytes(rng.randrange(0, 80))
        if rng.random() < 0.5:  # plausible header: small length, known or unknown id
            length = rng.randrange(0, 120)
            command = rng.choice([*pdus.PDU_TYPES, rng.getrandbits(32)])
            data = struct.pack(">II", length, command) + data
        with contextlib.suppress(RemoteProtocolError):
            _drain(version, data)


@pytest.mark.parametrize("version", VERSIONS)
def test_mutated_valid_pdus_only_raise_remote_protocol_error(version: int) -> None:
    rng = random.Random(99)
    codec = CmppCodec(version)
    encoded = [codec.encode(p) for p in cmpp_samples(version)]
    for _ in range(3000):
        data = bytearray(rng.choice(encoded))
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        with contextlib.suppress(RemoteProtocolError):
            codec.decode(bytes(data))


def _as_dict(pdu: pdus.Deliver) -> dict[str, object]:
    return {name: getattr(pdu, name) for name in pdu.__dataclass_fields__}
