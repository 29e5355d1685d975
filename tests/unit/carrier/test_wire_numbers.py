"""The +86 rule and the log mask, shared by every protocol and the engine."""

from __future__ import annotations

import pytest

from hisms.carrier.wire.numbers import mask, national, sender, with_86


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("13800138000", "8613800138000"),
        ("8613800138000", "8613800138000"),
        ("+8613800138000", "8613800138000"),
        ("008613800138000", "8613800138000"),
        (" 13800138000 ", "8613800138000"),
    ],
)
def test_with_86(given: str, wire: str) -> None:
    assert with_86(given) == wire


@pytest.mark.parametrize(
    ("wire", "bare"),
    [
        ("8613800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("13800138000", "13800138000"),
        ("8610655", "8610655"),  # an SP access code that starts with 86: keep it
        ("861065501234", "861065501234"),  # 12 digits: not 86 and a whole number
    ],
)
def test_national(wire: str, bare: str) -> None:
    assert national(wire) == bare


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13800138000", "138****8000"),
        (" 13800138000 ", "138****8000"),
        ("8613800138000", "861****8000"),
        ("12345678", "123****5678"),
        ("1234567", "*******"),  # showing 3 + 4 digits would show all of it
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask(number: str | None, masked: str) -> None:
    assert mask(number) == masked


@pytest.mark.parametrize(
    ("wire", "stored"),
    [
        ("8613912345678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("13912345678 ", "13912345678"),
        # Not a mainland mobile number: kept as the gateway gave it, never dropped.
        ("+86139", "+86139"),
        ("139", "139"),
        ("01012345678", "01012345678"),  # a landline
        ("+85291234567", "+85291234567"),
        ("1391234567x", "1391234567x"),
        ("１３９１２３４５６７８", "１３９１２３４５６７８"),  # digits, but not ASCII ones
        ("", ""),
    ],
)
def test_sender_is_a_mobile_number_or_kept_as_given(wire: str, stored: str) -> None:
    assert sender(wire) == stored
