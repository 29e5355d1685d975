"""Every protocol's codec through the shared framing, as h11 tests its readers: each
sample PDU fed whole, one byte at a time, followed by the next PDU, and followed by
garbage; and a frame longer than its length field says is refused."""

from __future__ import annotations

from typing import Any

import pytest

from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.cmpp.pdus import V20, V30
from hisms.carrier.sgip.codec import SgipCodec
from hisms.carrier.smgp.codec import SmgpCodec
from hisms.carrier.smpp.codec import SmppCodec
from hisms.carrier.wire.connection import Codec
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.framing import FrameBuffer

from .samples import SMPP_SAMPLES, cmpp_samples, sgip_samples, smgp_samples

CODECS: dict[str, tuple[Codec[Any], list[Any]]] = {
    "cmpp20": (CmppCodec(V20), cmpp_samples(V20)),
    "cmpp30": (CmppCodec(V30), cmpp_samples(V30)),
    "sgip": (SgipCodec(), sgip_samples()),
    "smgp": (SmgpCodec(), smgp_samples()),
    "smpp": (SmppCodec(), SMPP_SAMPLES),
}
CASES = [
    pytest.param(codec, pdu, id=f"{name}-{i}-{type(pdu).__name__}")
    for name, (codec, samples) in CODECS.items()
    for i, pdu in enumerate(samples)
]
# A length no protocol allows: refused at once, never waited on.
GARBAGE = b"\xff\xff\xff\xffnot a PDU"


def decode_all(codec: Codec[Any], chunks: list[bytes]) -> list[Any]:
    buffer = FrameBuffer(codec.min_length, codec.max_length)
    out = []
    for chunk in chunks:
        buffer.feed(chunk)
        while (frame := buffer.next_frame()) is not None:
            out.append(codec.decode(frame))
    assert buffer.pending == 0
    return out


@pytest.mark.parametrize(("codec", "pdu"), CASES)
def test_whole_bytewise_and_followed_by_the_next(codec: Codec[Any], pdu: Any) -> None:
    data = codec.encode(pdu)
    assert int.from_bytes(data[:4], "big") == len(data)
    assert decode_all(codec, [data]) == [pdu]
    assert decode_all(codec, [data[i : i + 1] for i in range(len(data))]) == [pdu]
    joined = data + data
    assert decode_all(codec, [joined]) == [pdu, pdu]
    assert decode_all(codec, [joined[:5], joined[5:]]) == [pdu, pdu]


@pytest.mark.parametrize(("codec", "pdu"), CASES)
def test_followed_by_garbage(codec: Codec[Any], pdu: Any) -> None:
    buffer = FrameBuffer(codec.min_length, codec.max_length)
    buffer.feed(codec.encode(pdu) + GARBAGE)
    frame = buffer.next_frame()
    assert frame is not None and codec.decode(frame) == pdu
    with pytest.raises(RemoteProtocolError, match="outside"):
        buffer.next_frame()


@pytest.mark.parametrize(("codec", "pdu"), CASES)
def test_a_frame_longer_than_its_length_field_is_refused(codec: Codec[Any], pdu: Any) -> None:
    data = codec.encode(pdu)
    lying = (len(data) - 1).to_bytes(4, "big") + data[4:]
    with pytest.raises(RemoteProtocolError):
        codec.decode(lying)
