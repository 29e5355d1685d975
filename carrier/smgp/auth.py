"""SMGP LOGIN authenticators (spec 6.2.2, 6.2.4, 6.2.7).

AuthenticatorClient = MD5(ClientID + 7 NUL bytes + shared secret + MMDDHHMMSS),
the time as 10 ASCII digits; the TimeStamp field carries the same number as a
u32 (3 March 00:00:00 -> "0301000000" -> 0x11F0E540). The server answers with
AuthenticatorServer = MD5(Status u32 + AuthenticatorClient + shared secret).
Whether a wrong server authenticator fails the login is the session's choice
(docs/protocols.md#q3), so this module only computes.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import datetime

from hisms.carrier.smgp.pdus import VERSION, Login, LoginMode
from hisms.carrier.wire import times


def client_authenticator(client_id: str, secret: str, stamp: str) -> bytes:
    raw = client_id.encode("ascii") + bytes(7) + secret.encode("ascii") + stamp.encode("ascii")
    return hashlib.md5(raw).digest()


def server_authenticator(status: int, client_auth: bytes, secret: str) -> bytes:
    return hashlib.md5(struct.pack(">I", status) + client_auth + secret.encode("ascii")).digest()


def make_login(
    sequence_id: int,
    client_id: str,
    secret: str,
    now: datetime,
    login_mode: int = LoginMode.TRANSMIT,
) -> Login:
    """A LOGIN with its authenticator and timestamp computed from one clock reading."""
    stamp = times.stamp(now)  # int() of it is the TimeStamp field
    return Login(
        sequence_id=sequence_id,
        client_id=client_id,
        authenticator=client_authenticator(client_id, secret, stamp),
        login_mode=login_mode,
        timestamp=int(stamp),
        client_version=VERSION,
    )
