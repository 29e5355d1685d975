"""Sensitive words: spacing, width and case tricks are caught; medical vocabulary is not."""

from __future__ import annotations

from hisms.engine.bench import words as bench_words
from hisms.engine.policy.text import folded
from hisms.engine.policy.words import WordFilter

WORDS = ["大麻", "法轮功", "代开发票", "乳交", "falun", "冰毒"]
# Medical terms a naive match would flag: 大麻风 (leprosy) holds 大麻; "乳，交费" becomes 乳交费
# once the comma between the characters is removed; 冰毒 is not in 冰敷 (cold compress).
ALLOWED = ["大麻风", "交费"]
FILTER = WordFilter(WORDS, ALLOWED)


def words(text: str) -> list[str]:
    return [h.word for h in FILTER.hits(text)]


def test_words_hidden_by_spaces_punctuation_width_and_case_are_found() -> None:
    assert words("出售 大 麻，价格面议") == ["大麻"]
    assert words("法.轮*功") == ["法轮功"]
    assert words("代 开 发 票 请联系") == ["代开发票"]
    assert words("ＦＡＬＵＮ") == ["falun"]
    assert words("F-a-L-u-N") == ["falun"]


def test_medical_false_positive_traps_pass() -> None:
    assert words("您的大麻风复查结果已出，请到皮肤科就诊") == []
    assert words("请携带检查单到乳，交费处缴费后做乳腺彩超") == []
    assert words("扭伤后48小时内冰敷，之后热敷") == []
    assert words("您的血糖6.4mmol/L，请按时服药") == []


def test_a_word_next_to_an_allowed_term_still_counts_elsewhere_in_the_text() -> None:
    assert words("大麻风复查；另：出售大麻") == ["大麻"]


def test_masking_replaces_the_characters_of_the_word_and_what_was_between_them() -> None:
    assert FILTER.mask("出售 大 麻，价格面议") == "出售 ***，价格面议"
    assert FILTER.mask("复查大麻风") == "复查大麻风"


def test_an_empty_list_finds_nothing() -> None:
    assert not WordFilter([])
    assert WordFilter([]).hits("法轮功") == []


def test_one_character_words_are_found_too() -> None:
    assert [h.word for h in WordFilter(["毒"]).hits("有 毒")] == ["毒"]


def test_the_automaton_finds_what_a_plain_search_finds_in_a_long_list() -> None:
    """Matching runs over UTF-8 bytes: a word is found only where it stands as characters."""
    listed = bench_words.words(3000, seed=7)
    check, keys = WordFilter(listed), [(w, folded(w)) for w in listed]
    for i, text in enumerate(bench_words.messages(200, seed=7)):
        text = f"{text}{' '.join(listed[i])}" if i % 2 else text
        flat = folded(text)
        expected = {w for w, key in keys if key in flat}
        assert {h.word for h in check.hits(text)} == expected


def test_folding_sweeps_separators_that_normalising_or_case_folding_makes() -> None:
    assert folded("１½ ＴＤ，退。订") == "112td退订"
    assert folded("İ") == "i"
