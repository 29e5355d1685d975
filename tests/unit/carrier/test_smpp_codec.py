"""SMPP codec: round trips, h11-style feeding through Connection, byte layouts, garbage."""

from __future__ import annotations

import contextlib
import random
import struct

import pytest

from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import SmppCodec, UndecodablePdu, decode, encode
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import Tag
from hisms.carrier.smpp.report import from_deliver_sm
from hisms.carrier.wire.connection import NEED_DATA, Connection, Kind, Role, State
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError

from .samples import SMPP_RECEIPT, SMPP_SAMPLES, SMPP_SUBMIT

CODEC = SmppCodec()

IDS = [f"{type(p).__name__}-{p.sequence_number}" for p in SMPP_SAMPLES]


def feed(chunks: list[bytes], state: State = State.BOUND) -> list[pdus.Pdu]:
    conn = Connection(CODEC, Role.CLIENT)
    conn.state = state
    out: list[pdus.Pdu] = []
    for chunk in chunks:
        conn.receive_data(chunk)
        while (event := conn.next_event()) is not NEED_DATA:
            assert isinstance(event, pdus.Pdu)
            out.append(event)
    return out


def test_every_command_has_a_sample() -> None:
    assert {type(p) for p in SMPP_SAMPLES} == set(pdus.CLASSES.values())


def test_bind_transmitter_matches_spec_example() -> None:
    # SMPP 3.4 spec section 3.2.2, "00 00 00 2F 00 00 00 02 ..." data-stream example.
    spec = bytes.fromhex(
        "0000002F000000020000000000000001534D50503354455354007365637265743038"
        "005355424D4954310000010100"
    )
    bind = pdus.BindTransmitter(
        sequence_number=1,
        system_id="SMPP3TEST",
        password="secret08",
        system_type="SUBMIT1",
        interface_version=0,
        addr_ton=1,
        addr_npi=1,
    )
    assert decode(spec) == bind
    assert encode(bind) == spec


def test_submit_and_receipt_match_public_implementations() -> None:
    # Both made by the npm package smpp 0.5.1 (new smpp.PDU(...).toBuffer()); smpplib 2.2.4
    # (smpplib.smpp.make_pdu('submit_sm', ...).generate()) gives the same submit_sm bytes.
    submit = bytes.fromhex(
        "00000040000000040000000000000007000000313036393030303100010138363133383030313338"
        "303030004000000000010008000a050003ab02014f60597d"
    )
    receipt = bytes.fromhex(
        "000000b0000000050000000000000009000000383631333830303133383030300000003130363930"
        "3030310004000000000000010066"
        + b"id:0123456789 sub:001 dlvrd:001 submit date:2411251000 done date:2411251001"
        b" stat:DELIVRD err:000 text:".hex()
        + "001e000b30313233343536373839000427000102"
    )
    assert encode(SMPP_SUBMIT) == submit
    assert decode(receipt) == SMPP_RECEIPT
    assert encode(SMPP_RECEIPT) == receipt


def test_kinds() -> None:
    ok = pdus.BindTransceiverResp(sequence_number=1)
    failed = pdus.BindTransceiverResp(sequence_number=1, command_status=pdus.Status.RBINDFAIL)
    assert CODEC.kind(pdus.BindReceiver(sequence_number=1)) is Kind.LOGIN
    assert CODEC.kind(ok) is Kind.LOGIN_OK
    assert CODEC.kind(failed) is Kind.LOGIN_FAILED
    assert CODEC.kind(pdus.Unbind(sequence_number=2)) is Kind.LOGOUT
    assert CODEC.kind(pdus.UnbindResp(sequence_number=2)) is Kind.LOGOUT_RESP
    assert CODEC.kind(pdus.GenericNack(sequence_number=3)) is Kind.OTHER


def test_error_response_has_no_body_but_one_with_a_body_decodes() -> None:
    assert len(encode(pdus.SubmitSmResp(sequence_number=1, command_status=0x58))) == 16
    with_nul = struct.pack(">IIII", 17, pdus.CommandId.SUBMIT_SM_RESP, 0x58, 1) + b"\x00"
    assert decode(with_nul) == pdus.SubmitSmResp(sequence_number=1, command_status=0x58)


def test_unknown_tlvs_survive_and_fixed_sizes_are_checked() -> None:
    resp = pdus.SubmitSmResp(sequence_number=1, message_id="7", tlvs={0x1401: b"vendor"})
    assert decode(encode(resp)) == resp
    bad = pdus.DeliverSmResp(sequence_number=1, tlvs={Tag.MESSAGE_STATE: b"\x00\x02"})
    with pytest.raises(RemoteProtocolError, match="must be 1 bytes"):
        decode(encode(bad))


@pytest.mark.parametrize(
    "pdu",
    [
        pdus.BindTransmitter(sequence_number=1, system_id="x" * 16),
        pdus.BindTransmitter(sequence_number=1, password="nul\x00"),
        pdus.SubmitSm(sequence_number=1, destination_addr="八六"),
        pdus.SubmitSm(sequence_number=1, esm_class=256),
        pdus.SubmitSm(sequence_number=1, short_message=b"x" * 255),
        pdus.SubmitSm(sequence_number=1, short_message=b"x", tlvs={Tag.MESSAGE_PAYLOAD: b"y"}),
        pdus.SubmitSm(sequence_number=1, tlvs={Tag.MESSAGE_PAYLOAD: b"y" * 0x10000}),
        pdus.SubmitSmResp(sequence_number=1, tlvs={0x10000: b""}),
        pdus.EnquireLink(sequence_number=-1),
        pdus.EnquireLink(sequence_number=2**32),
    ],
)
def test_encode_refuses_what_the_spec_forbids(pdu: pdus.Pdu) -> None:
    with pytest.raises(LocalProtocolError):
        encode(pdu)


def _header(command_id: int, body: bytes = b"", seq: int = 5) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, 0, seq) + body


@pytest.mark.parametrize(
    ("frame", "status"),
    [
        (_header(0x00000003), pdus.Status.RINVCMDID),  # query_sm: not implemented
        (_header(0x12345678), pdus.Status.RINVCMDID),
        (_header(pdus.CommandId.ENQUIRE_LINK, b"\x00"), pdus.Status.RINVCMDLEN),
        (_header(pdus.CommandId.BIND_TRANSMITTER, b"hisms"), pdus.Status.RINVCMDLEN),
        (_header(pdus.CommandId.BIND_TRANSMITTER, b"x" * 17 + b"\x00"), pdus.Status.RINVCMDLEN),
        (encode(SMPP_SUBMIT)[:-1], pdus.Status.RINVCMDLEN),  # command_length says one more
        (_header(pdus.CommandId.SUBMIT_SM_RESP, b"1\x00\x04\x27\x00"), pdus.Status.RINVCMDLEN),
    ],
)
def test_garbage_with_a_header_names_the_nack(frame: bytes, status: int) -> None:
    with pytest.raises(UndecodablePdu) as info:
        decode(frame)
    assert info.value.sequence_number == struct.unpack_from(">I", frame, 12)[0]
    assert info.value.status == status


def test_truncated_short_message_and_short_frame() -> None:
    data = bytearray(encode(SMPP_SUBMIT))
    cut = bytes(data[:-2])
    with pytest.raises(RemoteProtocolError):
        decode(struct.pack(">I", len(cut)) + cut[4:])
    with pytest.raises(RemoteProtocolError):
        decode(b"\x00\x00\x00\x10")


def test_bad_command_length_on_the_stream() -> None:
    with pytest.raises(RemoteProtocolError, match="outside"):
        feed([struct.pack(">I", 15) + b"\x00" * 12])
    with pytest.raises(RemoteProtocolError, match="outside"):
        feed([struct.pack(">IIII", 1_000_000, 4, 0, 1)])


def test_fuzz_raises_only_remote_protocol_error() -> None:
    rng = random.Random(3)
    seeds = [encode(p) for p in SMPP_SAMPLES]
    for _ in range(5000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            del data[rng.randrange(16, len(data) + 1) :]
            data[:4] = struct.pack(">I", len(data))
        with contextlib.suppress(RemoteProtocolError):
            feed([bytes(data)], State.CLOSING)
        with contextlib.suppress(RemoteProtocolError):
            _read_everything(decode(bytes(data)))


def _read_everything(pdu: pdus.Pdu) -> None:
    """The helpers that look inside a received PDU must fail the same clean way."""
    if isinstance(pdu, pdus.ShortMessagePdu):
        read_text(pdu)
    if isinstance(pdu, pdus.DeliverSm):
        from_deliver_sm(pdu)


class TestGenericNackInEveryState:
    """A generic_nack may come at any time; it must never leave a state it cannot leave."""

    NACK = encode(pdus.GenericNack(sequence_number=1, command_status=pdus.Status.RINVCMDLEN))

    @pytest.mark.parametrize("state", [State.BOUND, State.CLOSING])
    def test_passes_through_once_bound(self, state: State) -> None:
        conn = Connection(CODEC, Role.CLIENT)
        conn.state = state
        conn.receive_data(self.NACK)
        assert isinstance(conn.next_event(), pdus.GenericNack)
        assert conn.state is state

    @pytest.mark.parametrize("state", [State.UNBOUND, State.BINDING])
    def test_before_bound_is_an_error_that_keeps_the_connection_usable(self, state: State) -> None:
        conn = Connection(CODEC, Role.CLIENT)
        conn.state = state
        conn.receive_data(self.NACK + encode(pdus.BindTransmitterResp(sequence_number=1)))
        with pytest.raises(RemoteProtocolError, match="not allowed"):
            conn.next_event()
        assert conn.state is state
        if state is State.BINDING:
            assert isinstance(conn.next_event(), pdus.BindTransmitterResp)
            assert conn.state is State.BOUND

    def test_an_unknown_command_is_consumed_so_the_session_can_nack_and_go_on(self) -> None:
        conn = Connection(CODEC, Role.SERVER)
        conn.state = State.BOUND
        conn.receive_data(_header(0x00000103) + encode(pdus.EnquireLink(sequence_number=6)))
        with pytest.raises(UndecodablePdu) as info:
            conn.next_event()
        nack = pdus.GenericNack(
            sequence_number=info.value.sequence_number, command_status=info.value.status
        )
        assert decode(conn.send(nack)) == nack
        assert conn.next_event() == pdus.EnquireLink(sequence_number=6)


def test_full_session_client_side() -> None:
    conn = Connection(CODEC, Role.CLIENT)
    conn.send(pdus.BindTransceiver(sequence_number=1, system_id="hisms", password="pw"))
    conn.receive_data(encode(pdus.BindTransceiverResp(sequence_number=1, system_id="SMSC")))
    assert isinstance(conn.next_event(), pdus.BindTransceiverResp)
    assert conn.state is State.BOUND
    conn.send(SMPP_SUBMIT)
    conn.receive_data(
        encode(pdus.SubmitSmResp(sequence_number=7, message_id="1")) + encode(SMPP_RECEIPT)
    )
    assert conn.next_event() == pdus.SubmitSmResp(sequence_number=7, message_id="1")
    assert conn.next_event() == SMPP_RECEIPT
    conn.send(pdus.DeliverSmResp(sequence_number=9))
    conn.send(pdus.Unbind(sequence_number=10))
    conn.receive_data(encode(pdus.UnbindResp(sequence_number=10)))
    conn.next_event()
    assert conn.state.value == "closed"  # a literal: mypy narrowed state to BOUND above


def test_failed_bind_closes() -> None:
    conn = Connection(CODEC, Role.CLIENT)
    conn.send(pdus.BindTransmitter(sequence_number=1))
    conn.receive_data(encode(pdus.BindTransmitterResp(sequence_number=1, command_status=0x0E)))
    assert conn.next_event() == pdus.BindTransmitterResp(sequence_number=1, command_status=0x0E)
    assert conn.state is State.CLOSED
