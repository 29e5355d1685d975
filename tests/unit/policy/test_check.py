"""The checks in order over one claimed row (pure; the database parts are integration tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hisms.adapters.his import Profiles, SourceProfile
from hisms.engine.errors import ErrorCode
from hisms.engine.policy.blacklist import Blacklist, Entry
from hisms.engine.policy.check import Passed, Policy
from hisms.engine.policy.templates import Template
from hisms.engine.policy.words import WordFilter
from hisms.engine.store.base import Claimed
from hisms.engine.validate import Rejection, Rules

NOW = datetime(2024, 5, 1, tzinfo=UTC)
RULES = Rules(default_signature="测试医院")
POLICY = Policy(
    Profiles(
        {
            "APPT": SourceProfile(signature="市一院", duplicate_seconds=300),
            "CV": SourceProfile(category="transactional", duplicate_seconds=300),
            "ADS": SourceProfile(words="mask", signature="市一院", signature_at="end"),
            "LAB": SourceProfile(templates=("CODE", "FZ")),
        }
    ),
    signatures={"ward9": "市一院九病区"},
    templates={"CODE": Template("CODE", "验证码{code}", "transactional", "APPROVED")},
    blacklist=Blacklist([Entry(3, "13800138000", False, None, None, "complaint", None)]),
    words=WordFilter(["大麻"]),
    hospitals=frozenset({"市一院", "市一院九病区", "别家医院"}),
)


def row(content: str | None = "复诊提醒", source: str = "APPT", **more: object) -> Claimed:
    values: dict[str, object] = {"phone": "13900139000", "account": None, "signature": None}
    values.update(more)
    return Claimed(
        1,
        1,
        source,
        values["account"],
        None,
        values["phone"],
        content,
        values["signature"],
        5,
        False,
        values.get("template_code"),
        values.get("params"),
    )  # type: ignore[arg-type]


def code(got: Passed | Rejection) -> str:
    return got.code if isinstance(got, Rejection) else "passed"


def test_each_check_in_order() -> None:
    assert code(POLICY.check(row(phone="123", template_code="NOPE"), RULES, NOW)) == "PHONE_LENGTH"
    not_its = row(None, "LAB", template_code="NOPE")
    assert code(POLICY.check(not_its, RULES, NOW)) == ErrorCode.TEMPLATE_NOT_ALLOWED
    assert code(POLICY.check(row(None, template_code="NOPE"), RULES, NOW)) == "TEMPLATE_UNKNOWN"
    assert code(POLICY.check(row("【别家医院】复诊"), RULES, NOW)) == ErrorCode.SIGNATURE_FOREIGN
    assert code(POLICY.check(row("【危急值】血钾6.8"), RULES, NOW)) == "passed"  # a tag
    assert code(POLICY.check(row(phone="13800138000"), RULES, NOW)) == ErrorCode.BLACKLISTED
    assert code(POLICY.check(row("大 麻"), RULES, NOW)) == ErrorCode.SENSITIVE_WORD


def test_signatures_of_the_row_account_and_source_in_their_place() -> None:
    got = POLICY.check(row(account="ward9"), RULES, NOW)
    assert isinstance(got, Passed) and got.message.text == "【市一院九病区】复诊提醒"
    assert code(POLICY.check(row("【市一院】复诊", account="ward9"), RULES, NOW)) == "passed"
    masked = POLICY.check(row("出售大麻", "ADS"), RULES, NOW)
    assert isinstance(masked, Passed) and masked.message.text == "出售**【市一院】"


def test_templates_render_and_take_their_category() -> None:
    params = json.dumps({"code": "123456"})
    got = POLICY.check(row(None, template_code="CODE", params=params), RULES, NOW)
    assert isinstance(got, Passed) and got.message.text == "【市一院】验证码123456"
    assert got.category == "transactional" and got.template == "CODE"


def test_duplicates_are_keyed_by_source_number_and_text_and_transactional_is_exempt() -> None:
    first, again = POLICY.check(row(), RULES, NOW), POLICY.check(row(), RULES, NOW)
    other = POLICY.check(row("复诊提醒2"), RULES, NOW)
    assert isinstance(first, Passed) and isinstance(again, Passed) and isinstance(other, Passed)
    assert first.digest == again.digest != other.digest and first.window == 300
    cv = POLICY.check(row(source="CV"), RULES, NOW)
    assert isinstance(cv, Passed) and cv.digest is None


def test_a_source_limited_to_some_templates_may_use_only_those() -> None:
    params = json.dumps({"code": "123456"})
    listed = POLICY.check(row(None, "LAB", template_code="CODE", params=params), RULES, NOW)
    assert isinstance(listed, Passed) and listed.template == "CODE"
    other = POLICY.check(row(None, "LAB", template_code="JC", params=params), RULES, NOW)
    assert isinstance(other, Rejection) and other.code == ErrorCode.TEMPLATE_NOT_ALLOWED
    assert other.text == "template 'JC' is not one source LAB may use (CODE, FZ)"
    assert code(POLICY.check(row("复诊提醒", "LAB"), RULES, NOW)) == "passed"  # no template
    anyone = POLICY.check(row(None, "APPT", template_code="CODE", params=params), RULES, NOW)
    assert isinstance(anyone, Passed)  # a profile listing none: any template
