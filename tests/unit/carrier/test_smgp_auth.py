"""SMGP LOGIN authenticators against values computed outside Python."""

from __future__ import annotations

from datetime import datetime

from hisms.carrier.smgp import auth, pdus
from hisms.carrier.smgp.codec import SmgpCodec
from hisms.carrier.wire import times

MARCH_1 = datetime(2025, 3, 1, 0, 0, 0)
# printf '10690001\0\0\0\0\0\0\0s3cret0301000000' | md5sum
CLIENT_AUTH = bytes.fromhex("a3d9012b347d27000e83a13bfe5ea1c4")
# (printf '\0\0\0\0'; <CLIENT_AUTH bytes>; printf 's3cret') | md5sum
SERVER_AUTH = bytes.fromhex("bd0ff942d674f3935bfb85d0a01896b7")


def test_timestamp_is_the_spec_example() -> None:
    # Spec 6.2.2 / 6.2.4: 1 March 00:00:00 is "0301000000", the field 0x11F0E540.
    assert times.stamp(MARCH_1) == "0301000000"
    assert int(times.stamp(MARCH_1)) == 0x11F0E540


def test_client_authenticator_pads_with_seven_nuls() -> None:
    assert auth.client_authenticator("10690001", "s3cret", "0301000000") == CLIENT_AUTH


def test_server_authenticator() -> None:
    assert auth.server_authenticator(0, CLIENT_AUTH, "s3cret") == SERVER_AUTH


def test_make_login_uses_one_clock_reading_for_both_fields() -> None:
    login = auth.make_login(7, "10690001", "s3cret", MARCH_1)
    assert login == pdus.Login(
        sequence_id=7,
        client_id="10690001",
        authenticator=CLIENT_AUTH,
        login_mode=pdus.LoginMode.TRANSMIT,
        timestamp=0x11F0E540,
        client_version=0x30,
    )
    assert SmgpCodec().encode(login)[12:] == (
        b"10690001" + CLIENT_AUTH + b"\x02" + bytes.fromhex("11f0e540") + b"\x30"
    )
