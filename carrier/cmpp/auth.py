"""CMPP login authenticators (spec 8.4.1).

AuthenticatorSource = MD5(Source_Addr + 9 NUL bytes + secret + MMDDHHMMSS) and
the CONNECT's Timestamp is the same ten digits as a u32, so both come from one
string. The ISMG answers MD5(Status + AuthenticatorSource + secret), Status
being 1 byte in 2.0 and 4 bytes in 3.0.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from hisms.carrier.cmpp import pdus
from hisms.carrier.wire import times


def source(source_addr: str, secret: str, stamp: str) -> bytes:
    data = source_addr.encode("ascii") + b"\x00" * 9 + secret.encode() + stamp.encode("ascii")
    return hashlib.md5(data).digest()


def ismg(status: int, authenticator_source: bytes, secret: str, version: int) -> bytes:
    width = 1 if version == pdus.V20 else 4
    return hashlib.md5(
        status.to_bytes(width, "big") + authenticator_source + secret.encode()
    ).digest()


def connect(
    sequence_id: int, source_addr: str, secret: str, version: int, now: datetime
) -> pdus.Connect:
    stamp = times.stamp(now)
    return pdus.Connect(
        sequence_id=sequence_id,
        source_addr=source_addr,
        authenticator=source(source_addr, secret, stamp),
        version=version,
        timestamp=int(stamp),
    )


def stamp_of(connect_pdu: pdus.Connect) -> str:
    """The ten digits a CONNECT's authenticator was computed over."""
    return f"{connect_pdu.timestamp:010d}"
