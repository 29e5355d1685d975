"""SGIP message keys, 86 prefixes and report stats."""

from __future__ import annotations

from datetime import datetime

import pytest

from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.msgid import Sequence, SequenceGenerator, stamp

SEQ = Sequence(3000012345, 1125103000, 17)


def test_string_form_is_documented_and_reversible() -> None:
    assert str(SEQ) == "3000012345-1125103000-17"
    assert Sequence.parse("3000012345-1125103000-17") == SEQ
    assert str(Sequence(0, 301000000, 0)) == "0-0301000000-0"  # the time keeps 10 digits
    assert Sequence.parse("0-0301000000-0") == Sequence(0, 301000000, 0)


@pytest.mark.parametrize(
    "text", ["", "1-2-3", "1-1125103000", "a-1125103000-1", "4294967296-0000000000-0"]
)
def test_parse_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        Sequence.parse(text)


def test_wire_form_is_three_big_endian_u32s() -> None:
    raw = SEQ.pack()
    assert raw == (3000012345).to_bytes(4, "big") + (1125103000).to_bytes(4, "big") + bytes(
        [0, 0, 0, 17]
    )
    assert Sequence.unpack(raw) == SEQ


def test_stamp_is_the_spec_example() -> None:
    # Spec 3.4: 20:32:25 on 20 November is 1120203225.
    assert stamp(datetime(2001, 11, 20, 20, 32, 25)) == 1120203225


def test_generator_uses_the_injected_clock_and_counts_from_zero() -> None:
    moments = iter([datetime(2025, 11, 25, 10, 30, 0), datetime(2025, 11, 25, 10, 30, 1)])
    generator = SequenceGenerator(3000012345, clock=lambda: next(moments))
    assert generator.next() == Sequence(3000012345, 1125103000, 0)
    assert str(generator.next()) == "3000012345-1125103001-1"


def test_generator_counter_wraps_to_zero() -> None:
    generator = SequenceGenerator(1, clock=lambda: datetime(2025, 1, 2, 3, 4, 5), start=2**32 - 1)
    assert generator.next().counter == 2**32 - 1
    assert generator.next().counter == 0


def test_generator_refuses_a_node_id_beyond_32_bits() -> None:
    with pytest.raises(ValueError):
        SequenceGenerator(2**32)


@pytest.mark.parametrize(
    ("state", "error_code", "stat", "final"),
    [
        (0, 0, "DELIVRD", True),
        (1, 0, "ENROUTE", False),
        (2, 0, "UNDELIV", True),
        (2, 25, "SG:0025", True),
        (9, 0, "UNKNOWN", True),
    ],
)
def test_report_stat(state: int, error_code: int, stat: str, final: bool) -> None:
    report = pdus.Report(
        sequence=SEQ, submit_sequence=SEQ, user_number="86", state=state, error_code=error_code
    )
    assert (report.stat, report.final) == (stat, final)
    assert len(report.stat) == 7
