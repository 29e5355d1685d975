"""Message text encodings the Chinese gateways and SMPP peers use."""

from __future__ import annotations

# Message format / data_coding values: CMPP Msg_Fmt, SMGP MsgFormat, SGIP
# MessageCoding and SMPP data_coding share these numbers.
ASCII = 0
BINARY = 4
UCS2 = 8
GBK = 15

_CODECS = {0: "ascii", 1: "ascii", 3: "latin-1", 8: "utf-16-be", 15: "gbk"}


def decode(data: bytes, coding: int) -> str:
    """Text of a received payload; unknown codings fall back to GBK, then Latin-1."""
    codec = _CODECS.get(coding, "gbk")
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec if codec == "utf-16-be" else "latin-1", errors="replace")


def encode_ucs2(text: str) -> bytes:
    return text.encode("utf-16-be")
