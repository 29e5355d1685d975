"""Short message text over SMPP: what to send, and what a deliver_sm says.

On send (option ``data_coding = 0``) we use data_coding 0 for a message whose
every character the SMSC default alphabet surely holds and 8 (UCS2) for any
other, chosen once for the whole message, which the engine then splits by it
(160 characters, or 153 per part; else 70, or 67 per part); a long message
goes as parts with esm_class 0x40 and a UDH. On receive peers choose: data_coding 0, 1, 3 or 8
(docs/protocols.md#q8), and concatenation by UDH, by the sar_* TLVs, or the
whole text in one message_payload (docs/protocols.md#q9).
"""

from __future__ import annotations

import string

from hisms.carrier.smpp.pdus import ESM_UDHI, ShortMessagePdu, Tag
from hisms.carrier.wire import text as coding
from hisms.carrier.wire import udh
from hisms.carrier.wire.tlv import int_value

# Characters at the same place in ASCII and the GSM 03.38 basic table, so an
# SMSC that passes data_coding 0 octets through unconverted still shows them.
# '@', '$', '_', backquote and the bracket family sit elsewhere or need escapes.
_GSM_SAFE = frozenset(string.ascii_letters + string.digits + " \n\r!\"#%&'()*+,-./:;<=>?")


def choose_coding(text: str) -> int:
    """The data_coding of a whole message: every part of it is sent in the same one."""
    return coding.ASCII if _GSM_SAFE.issuperset(text) else coding.UCS2


def with_udh(header: bytes, body: bytes) -> tuple[int, bytes]:
    """(esm_class, short_message) for one part: the UDHI bit is set only with a header."""
    return (ESM_UDHI if header else 0), header + body


def sar_tlvs(ref: int, total: int, seq: int) -> dict[int, bytes]:
    """The sar_* TLVs some SMSCs want instead of a UDH."""
    return {
        Tag.SAR_MSG_REF_NUM: int_value(ref, 2),
        Tag.SAR_TOTAL_SEGMENTS: int_value(total, 1),
        Tag.SAR_SEGMENT_SEQNUM: int_value(seq, 1),
    }


def read_text(pdu: ShortMessagePdu) -> tuple[udh.Concat | None, str]:
    """The concatenation info (None for a whole message) and the text of ``pdu``.

    Raises RemoteProtocolError only for a UDH that overruns the message; a part
    number outside 1..total is treated as a whole message rather than lost.
    """
    data = pdu.message_payload if pdu.message_payload is not None else pdu.short_message
    concat = None
    if pdu.esm_class & ESM_UDHI:
        concat, data = udh.split(data)
    if concat is None:
        concat = _sar(pdu)
    if concat is not None and not 1 <= concat.seq <= concat.total:
        concat = None
    return concat, coding.decode(data, pdu.data_coding)


def _sar(pdu: ShortMessagePdu) -> udh.Concat | None:
    ref, total, seq = pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum
    if ref is None or total is None or seq is None:
        return None
    return udh.Concat(ref=ref, total=total, seq=seq)
