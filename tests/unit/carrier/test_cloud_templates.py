"""Our templates as the provider's: codes, sign names, named and ordered parameters."""

from __future__ import annotations

import json

import pytest

from hisms.carrier.cloud.templates import Call, Unmapped, parse

OPTIONS = {
    "templates": {"FZ": {"code": "1234", "params": ["patient", "time"]}, "JG": "SMS_9"},
    "text_template": "SMS_TEXT",
    "sign_name": "默认医院",
}
PARAMS = json.dumps({"time": "明天", "patient": "张三"})


def test_a_template_maps_to_the_provider_code_with_params_by_name_and_in_order() -> None:
    call = parse("c", OPTIONS).call("FZ", PARAMS, "【一院】张三明天复诊")
    assert call == Call("1234", "一院", {"time": "明天", "patient": "张三"}, ["张三", "明天"])


def test_a_text_without_a_template_goes_through_the_text_template_unsigned() -> None:
    call = parse("c", OPTIONS).call("", None, "【一院】请按时服药")
    assert call == Call("SMS_TEXT", "一院", {"content": "请按时服药"}, ["请按时服药"])
    at_end = parse("c", OPTIONS).call("", None, "请按时服药【一院】")
    assert isinstance(at_end, Call) and at_end.ordered == ["请按时服药"]


def test_the_channel_sign_name_stands_in_for_a_text_without_a_signature() -> None:
    call = parse("c", OPTIONS).call("JG", json.dumps({"v": "1"}), "结果已出")
    assert call == Call("SMS_9", "默认医院", {"v": "1"}, ["1"])


@pytest.mark.parametrize(
    ("options", "template", "params", "why"),
    [
        (OPTIONS, "XX", None, "'XX' has no provider template"),
        ({"sign_name": "a"}, "", None, "no text_template"),
        ({"templates": {"FZ": "9"}}, "", None, "no sign_name"),
        (OPTIONS, "FZ", json.dumps({"patient": "张"}), "no value for time"),
        ({**OPTIONS, "templates": {"FZ": "9"}}, "FZ", PARAMS, "no params order"),
    ],
)
def test_what_cannot_be_mapped_says_why(
    options: dict[str, object], template: str, params: str | None, why: str
) -> None:
    found = parse("c", options, by_position=True).call(template, params, "无签名文本")
    assert isinstance(found, Unmapped) and why in found.text


@pytest.mark.parametrize(
    "options",
    [{"templates": ["FZ"]}, {"templates": {"FZ": {"params": ["a"]}}}, {"text_template": {}}],
)
def test_malformed_options_name_the_channel(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="channel 'c'"):
        parse("c", options)


def test_named_parameters_need_no_order() -> None:
    call = parse("c", {**OPTIONS, "templates": {"FZ": "SMS_1"}}).call("FZ", PARAMS, "【院】x")
    assert isinstance(call, Call) and call.named == {"time": "明天", "patient": "张三"}
