"""The status report carried in a CMPP_DELIVER's Msg_Content.

2.0 and 3.0 differ only in Dest_terminal_Id (21 vs 32 bytes): 60 vs 71 bytes in
all. Real 3.0 gateways sometimes send the 60-byte form, so the layout is chosen
from the content length, never from the session's version.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.fields import pad, unpad

LENGTH_V20 = 60
LENGTH_V30 = 71
_HEAD = struct.Struct(">Q7s10s10s")  # Msg_Id, Stat, Submit_time, Done_time


@dataclass(frozen=True, slots=True)
class Report:
    msg_id: int  # the Msg_Id the SUBMIT_RESP gave
    stat: str  # DELIVRD, UNDELIV, MK:0001, ...
    submit_time: str  # YYMMDDHHMM
    done_time: str  # YYMMDDHHMM
    dest_terminal_id: str
    smsc_sequence: int = 0


def parse_report(content: bytes) -> Report:
    if len(content) == LENGTH_V30:
        id_width = 32
    elif len(content) == LENGTH_V20:
        id_width = 21
    else:
        raise RemoteProtocolError(
            f"status report of {len(content)} bytes (expected {LENGTH_V20} or {LENGTH_V30})"
        )
    msg_id, stat, submit_time, done_time = _HEAD.unpack_from(content)
    dest = content[_HEAD.size : _HEAD.size + id_width]
    (smsc_sequence,) = struct.unpack_from(">I", content, _HEAD.size + id_width)
    return Report(
        msg_id=msg_id,
        stat=unpad(stat),
        submit_time=unpad(submit_time),
        done_time=unpad(done_time),
        dest_terminal_id=unpad(dest),
        smsc_sequence=smsc_sequence,
    )


def build_report(report: Report, id_width: int) -> bytes:
    """Msg_Content for ``report``; ``id_width`` is 21 (2.0 layout) or 32 (3.0)."""
    return (
        _HEAD.pack(
            report.msg_id,
            pad(report.stat, 7),
            pad(report.submit_time, 10),
            pad(report.done_time, 10),
        )
        + pad(report.dest_terminal_id, id_width)
        + struct.pack(">I", report.smsc_sequence)
    )
