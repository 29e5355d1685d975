"""Text decoded from a carrier PDU: every coding, and nothing a database cannot store.

PostgreSQL text cannot hold U+0000 and no UTF-8 column holds a lone surrogate; one such
reply used to block every later one (issue 12), so :func:`text.decode` drops them for all
protocols in one place.
"""

from __future__ import annotations

import pytest

from hisms.carrier.wire import text


@pytest.mark.parametrize(
    ("data", "coding", "decoded"),
    [
        (b"See you at 9", text.ASCII, "See you at 9"),
        ("预约".encode("utf-16-be"), text.UCS2, "预约"),
        ("取消".encode("gbk"), text.GBK, "取消"),
        ("café".encode("latin-1"), text.LATIN1, "café"),
    ],
)
def test_each_coding(data: bytes, coding: int, decoded: str) -> None:
    assert text.decode(data, coding) == decoded


@pytest.mark.parametrize(
    ("data", "coding", "decoded"),
    [
        ("第二\x00条".encode("utf-16-be"), text.UCS2, "第二条"),
        (b"\x00\x00" + "好".encode("utf-16-be") + b"\x00\x00", text.UCS2, "好"),
        (b"a\x00b", text.ASCII, "ab"),
        (b"a\x00b", text.LATIN1, "ab"),
        ("第\x00二".encode("gbk"), text.GBK, "第二"),
        (b"\xff\xfea\x00\x00", 99, "ÿþa"),  # unknown coding: GBK, then Latin-1
    ],
)
def test_nul_is_dropped_in_every_coding(data: bytes, coding: int, decoded: str) -> None:
    assert text.decode(data, coding) == decoded


def test_no_lone_surrogate_survives() -> None:
    lone = b"\xd8\x3d" + "好".encode("utf-16-be") + b"\xdc\x00"  # a pair torn in two
    got = text.decode(lone, text.UCS2)
    assert "好" in got and not any(0xD800 <= ord(c) <= 0xDFFF for c in got)
    got.encode("utf-8")  # storable in any UTF-8 column


def test_a_whole_surrogate_pair_is_kept() -> None:
    assert text.decode("😀".encode("utf-16-be"), text.UCS2) == "😀"
