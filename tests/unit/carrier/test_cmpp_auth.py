"""Authenticators and Msg_Id, against values computed by hand (md5sum, bit sums)."""

from __future__ import annotations

from datetime import datetime

from hisms.carrier.cmpp import auth, msgid, pdus

# printf '901234\0\0\0\0\0\0\0\0\0secret01231015959' | md5sum
SOURCE_HEX = "ffac0e4837b8d9958c66769eeab3d36e"
# MD5(Status + AuthenticatorSource + "secret"), Status as 4 bytes (3.0) or 1 byte (2.0)
ISMG_V30_HEX = "07514e6e333fa30144d68ad7d6bbde97"
ISMG_V20_HEX = "521e97f4fb622ca217db1d8dc3438c99"


def test_connect_authenticator_and_timestamp() -> None:
    connect = auth.connect(1, "901234", "secret", pdus.V30, datetime(2024, 1, 23, 10, 15, 59))
    assert connect.authenticator.hex() == SOURCE_HEX
    assert connect.timestamp == 123101559
    assert auth.stamp_of(connect) == "0123101559"


def test_ismg_authenticator_per_version() -> None:
    source = bytes.fromhex(SOURCE_HEX)
    assert auth.ismg(0, source, "secret", pdus.V30).hex() == ISMG_V30_HEX
    assert auth.ismg(0, source, "secret", pdus.V20).hex() == ISMG_V20_HEX


def test_msg_id_parts_and_string_form() -> None:
    value = msgid.make(datetime(2024, 1, 2, 3, 4, 5), gateway=6, sequence=7)
    # 1<<60 | 2<<55 | 3<<50 | 4<<44 | 5<<38 | 6<<16 | 7, summed by hand
    assert value == 0x110C414000060007
    assert msgid.to_str(value) == "110c414000060007"
    assert msgid.from_str("110c414000060007") == value
    parts = msgid.split(value)
    assert (parts.month, parts.day, parts.hour, parts.minute, parts.second) == (1, 2, 3, 4, 5)
    assert (parts.gateway, parts.sequence) == (6, 7)
    assert msgid.join(parts) == value


def test_msg_id_extremes_round_trip() -> None:
    top = msgid.make(datetime(2024, 12, 31, 23, 59, 59), gateway=0x3FFFFF, sequence=0xFFFF)
    assert msgid.join(msgid.split(top)) == top
    assert len(msgid.to_str(top)) == 16 and len(msgid.to_str(1)) == 16
