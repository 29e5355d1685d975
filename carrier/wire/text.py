"""Message text encodings the Chinese gateways and SMPP peers use.

Every text a carrier PDU carries to the engine (MO content, SMPP receipt text)
is decoded here, and only here, so that it is storable: no supported database
keeps U+0000 (PostgreSQL text refuses it) or a lone surrogate (no UTF-8 column
can); a reply holding one used to block every reply after it (issue 12).
"""

from __future__ import annotations

import re

# Message format / data_coding values: CMPP Msg_Fmt, SMGP MsgFormat, SGIP
# MessageCoding and SMPP data_coding share these numbers.
ASCII = 0
LATIN1 = 3
BINARY = 4
UCS2 = 8
GBK = 15
# Not a data coding: the channel's provider splits long text itself (the HTTP carriers), so
# the engine hands it the whole message as one part, and the provider bills the parts.
PROVIDER_SPLITS = -1

_CODECS = {0: "ascii", 1: "ascii", 3: "latin-1", 8: "utf-16-be", 15: "gbk"}
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def decode(data: bytes, coding: int) -> str:
    """Storable text of a received payload; unknown codings fall back to GBK, then Latin-1.

    NULs are dropped (a handset never means one; C-minded gateways pad with them)
    and so is any lone surrogate.
    """
    codec = _CODECS.get(coding, "gbk")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec if codec == "utf-16-be" else "latin-1", errors="replace")
    return _UNSTORABLE.sub("", text)


def encode_ucs2(text: str) -> bytes:
    return text.encode("utf-16-be")
