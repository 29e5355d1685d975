import pytest

from hisms.carrier.wire import udh
from hisms.carrier.wire.text import ASCII, UCS2
from hisms.engine import segment


def test_up_to_70_units_is_one_part_without_udh() -> None:
    parts = segment.split("字" * 70, ref=7)
    assert len(parts) == 1
    assert parts[0].udh == b""
    assert parts[0].body == ("字" * 70).encode("utf-16-be")


def test_71_units_need_two_parts_of_at_most_67() -> None:
    parts = segment.split("字" * 71, ref=7)
    assert [len(p.text) for p in parts] == [67, 4]
    assert [p.udh for p in parts] == [bytes([5, 0, 3, 7, 2, 1]), bytes([5, 0, 3, 7, 2, 2])]
    assert all(len(p.udh) + len(p.body) <= 140 for p in parts)


def test_a_1000_character_message_round_trips() -> None:
    text = "".join(chr(0x4E00 + i % 500) for i in range(1000))
    parts = segment.split(text, ref=300)
    assert len(parts) == segment.count(text) == 15
    assert "".join(p.text for p in parts) == text
    concat, rest = udh.split(parts[3].udh + parts[3].body)
    assert concat == udh.Concat(ref=300 & 0xFF, total=15, seq=4)
    assert rest == parts[3].body


def test_emoji_is_never_split_across_parts() -> None:
    text = "a" * 66 + "😀" + "b" * 10
    parts = segment.split(text, ref=1)
    assert parts[0].text == "a" * 66  # the surrogate pair would not fit: it moves on whole
    assert parts[1].text.startswith("😀")
    assert all(len(p.body) <= 134 for p in parts)


def test_too_many_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="maximum"):
        segment.split("x" * (67 * 256), ref=1)


def test_the_default_alphabet_holds_160_characters_or_153_per_part() -> None:
    assert [(p.text, p.coding, p.udh) for p in segment.split("a" * 160, 5, ASCII)] == [
        ("a" * 160, ASCII, b"")
    ]
    parts = segment.split("a" * 171, ref=5, coding=ASCII)
    assert [(len(p.text), p.coding, len(p.body)) for p in parts] == [(153, 0, 153), (18, 0, 18)]
    assert parts[0].body == b"a" * 153 and parts[1].udh == bytes([5, 0, 3, 5, 2, 2])
    assert [p.coding for p in segment.split("a" * 171, ref=5)] == [UCS2] * 3  # 67 per part
