from hisms.engine.validate import Message, Rejection, Rules, check

RULES = Rules(max_chars=100, require_signature=True, default_signature="")


def test_signature_from_the_row_is_prepended() -> None:
    assert check("13800138000", "复诊提醒", "市一院", RULES) == Message(
        "13800138000", "【市一院】复诊提醒"
    )


def test_existing_signature_is_kept() -> None:
    got = check("13800138000", "复诊提醒【市一院】", None, RULES)
    assert got == Message("13800138000", "复诊提醒【市一院】")


def test_default_signature_from_configuration() -> None:
    rules = Rules(100, True, "市一院")
    assert check("13800138000", "x", None, rules) == Message("13800138000", "【市一院】x")


def test_default_signature_is_not_added_when_signatures_are_not_required() -> None:
    rules = Rules(100, False, "市一院")
    assert check("13800138000", "x", None, rules) == Message("13800138000", "x")
    assert check("13800138000", "x", "二院", rules) == Message("13800138000", "【二院】x")


def test_missing_signature_is_rejected_when_required() -> None:
    got = check("13800138000", "x", None, RULES)
    assert isinstance(got, Rejection) and got.code == "SIGNATURE_MISSING"
    assert isinstance(check("13800138000", "x", None, Rules(100, False, "")), Message)


def test_empty_and_whitespace_content_is_rejected() -> None:
    for content in (None, "", "  \n\t", "\x00\x01"):
        got = check("13800138000", content, "s", RULES)
        assert isinstance(got, Rejection) and got.code == "CONTENT_EMPTY"


def test_content_over_the_limit_is_rejected_with_its_length() -> None:
    got = check("13800138000", "字" * 100, "s", RULES)
    assert isinstance(got, Rejection) and got.code == "CONTENT_TOO_LONG"
    assert "103 characters" in got.text


def test_control_characters_are_removed_newlines_kept() -> None:
    got = check("13800138000", "第一行\r\n第二行\x07\x1b", "s", RULES)
    assert got == Message("13800138000", "【s】第一行\n第二行")


def test_sql_looking_text_and_emoji_pass_through_unchanged() -> None:
    text = "'); DROP TABLE sms_outbox; -- 😀"
    assert check("+86 138 0013 8000", text, "s", RULES) == Message("13800138000", f"【s】{text}")


def test_invalid_phone_is_rejected_with_its_code() -> None:
    got = check("010-62345678", "x", "s", RULES)
    assert isinstance(got, Rejection) and got.code == "PHONE_NOT_MOBILE"
