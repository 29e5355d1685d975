"""Templates render named variables; a missing or extra one is named in the refusal."""

from __future__ import annotations

import json

from hisms.engine.errors import ErrorCode
from hisms.engine.policy.templates import Refused, Template, render

TEMPLATES = {
    "APPT": Template(
        "APPT", "{patient}您好，您预约了{time}{dept}门诊{{请准时}}", "notice", "APPROVED"
    ),
    "DRAFT": Template("DRAFT", "x", "notice", "DRAFT"),
}


def params(**values: object) -> str:
    return json.dumps(values, ensure_ascii=False)


def test_a_template_renders_its_variables_and_literal_braces() -> None:
    got = render(TEMPLATES, "APPT", params(patient="张三", time="明天9点", dept="内科"))
    assert got == "张三您好，您预约了明天9点内科门诊{请准时}"


def test_a_missing_or_extra_variable_is_named() -> None:
    got = render(TEMPLATES, "APPT", params(patient="张三", time="明天", room="3"))
    assert got == Refused(
        ErrorCode.TEMPLATE_PARAMS, "template 'APPT': missing variable dept; extra variable room"
    )


def test_unknown_unapproved_and_malformed_are_refused() -> None:
    assert isinstance(render(TEMPLATES, "NOPE", None), Refused)
    draft = render(TEMPLATES, "DRAFT", None)
    assert isinstance(draft, Refused) and draft.code is ErrorCode.TEMPLATE_UNKNOWN
    for bad in ("{not json", "[1, 2]", params(patient={"x": 1})):
        got = render(TEMPLATES, "APPT", bad)
        assert isinstance(got, Refused) and got.code is ErrorCode.TEMPLATE_PARAMS
