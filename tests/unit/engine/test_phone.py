import pytest

from hisms.engine import numbering, phone


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+8613800138000",
        "008613800138000",
        "8613800138000",
        "138 0013 8000",
        "138-0013-8000",
        " +86 138 0013 8000 ",
        "１３８００１３８０００",  # full-width, as Chinese input methods type it
        "＋８６ 138 0013 8000",
        "(+86) 138\t0013\u30008000",  # tab and ideographic space
    ],
)
def test_normalises_prefixes_and_separators(raw: str) -> None:
    assert phone.normalise(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "PHONE_EMPTY"),
        ("  ", "PHONE_EMPTY"),
        ("12345", "PHONE_LENGTH"),
        ("138001380001", "PHONE_LENGTH"),
        ("010-62345678", "PHONE_NOT_MOBILE"),
        ("12800138000", "PHONE_NOT_MOBILE"),
        ("1380013800a", "PHONE_FORMAT"),
        ("'; DROP TABLE x", "PHONE_FORMAT"),
        ("1٣٨00138000", "PHONE_FORMAT"),  # Arabic-Indic digits are digits, not ASCII ones
        ("+86 138 0013 80001", "PHONE_LENGTH"),
        ("0755-8888 1234", "PHONE_NOT_MOBILE"),  # landline with area code
        ("88881234", "PHONE_LENGTH"),  # landline without
    ],
)
def test_rejects_with_a_specific_code(raw: str | None, code: str) -> None:
    with pytest.raises(phone.InvalidPhone) as err:
        phone.normalise(raw)
    assert err.value.code == code


def test_error_text_never_holds_the_full_number() -> None:
    with pytest.raises(phone.InvalidPhone) as err:
        phone.normalise("12800138000")
    assert "12800138000" not in err.value.text
    assert "128****8000" in err.value.text


@pytest.mark.parametrize(
    ("number", "operator"),
    [
        ("13800138000", "mobile"),
        ("18612345678", "unicom"),
        ("18912345678", "telecom"),
        ("19212345678", "broadnet"),
        ("16212345678", "unknown"),
    ],
)
def test_operator_by_number_segment(number: str, operator: str) -> None:
    assert numbering.lookup(number).operator == operator
    assert numbering.operator_of(number) == operator  # the same without the region tables
    assert numbering.operator_of("+1 650 253 0000") == "unknown"


@pytest.mark.parametrize(
    "raw",
    [
        "¹³⁸⁰⁰¹³⁸⁰⁰⁰",  # superscripts: NFKC would make them ASCII digits
        "₁₃₈₀₀₁₃₈₀₀₀",  # subscripts
        "①③⑧00138000",  # circled digits
        "𝟏𝟑𝟖00138000",  # mathematical bold digits
        "⁺⁸⁶13800138000",
    ],
)
def test_only_ascii_and_full_width_digits_are_digits(raw: str) -> None:
    with pytest.raises(phone.InvalidPhone) as err:
        phone.normalise(raw)
    assert err.value.code == "PHONE_FORMAT"
