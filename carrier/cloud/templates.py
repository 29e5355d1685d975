"""Our templates as the provider's: template code, sign name and parameters. Pure.

Aliyun and Tencent send only texts registered with them: a template (Aliyun ``SMS_123``,
Tencent ``1234567``) and a sign name (签名) the provider approved. A channel maps each of
our templates (``sms_template``, docs/policy.md) to the provider's, and may name one
provider template whose single variable takes the whole text, for messages without a
template of ours. Aliyun takes the parameters by name (a JSON object, ``${name}`` in its
template, so register it with our variable names); Tencent by position (``{1}``, ``{2}``:
the mapping lists our names in that order).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hisms.engine import validate

UNMAPPED = "TEMPLATE_UNMAPPED"


@dataclass(frozen=True, slots=True)
class ProviderTemplate:
    code: str  # the provider's template code (Aliyun) or id (Tencent)
    params: tuple[str, ...] = ()  # our variable names in the provider's order (Tencent)


@dataclass(frozen=True, slots=True)
class Call:
    """What one message becomes at the provider."""

    template: str
    sign: str
    named: dict[str, str]  # the parameters by name (Aliyun's TemplateParam)
    ordered: list[str]  # the parameters in order (Tencent's TemplateParamSet)


@dataclass(frozen=True, slots=True)
class Unmapped:
    """The message cannot go through this channel as it is (``UNMAPPED`` + why)."""

    text: str


@dataclass(frozen=True, slots=True)
class TemplateMap:
    """A channel's template options, checked once at start."""

    templates: Mapping[str, ProviderTemplate]
    text_template: ProviderTemplate | None  # for messages without a template of ours
    text_param: str  # the name of that template's one variable (Aliyun)
    sign_name: str  # when the text carries no 【signature】
    by_position: bool = False  # the provider takes parameters in order (Tencent)

    def call(self, template: str, params: str | None, text: str) -> Call | Unmapped:
        """``template``/``params``: the row's (``""``/None without); ``text``: as signed."""
        sign = validate.signature_of(text) or self.sign_name
        if not sign:
            return Unmapped("no 【signature】 in the text and no sign_name for the channel")
        if not template:
            return self._free_text(sign, text)
        mapped = self.templates.get(template)
        if mapped is None:
            return Unmapped(f"template {template!r} has no provider template on this channel")
        values = {str(k): str(v) for k, v in json.loads(params or "{}").items()}
        if mapped.params:
            missing = [name for name in mapped.params if name not in values]
            if missing:
                return Unmapped(f"template {template!r}: no value for {', '.join(missing)}")
            ordered = [values[name] for name in mapped.params]
        elif len(values) > 1 and self.by_position:
            return Unmapped(f"template {template!r}: several variables, and no params order")
        else:
            ordered = list(values.values())
        return Call(mapped.code, sign, values, ordered)

    def _free_text(self, sign: str, text: str) -> Call | Unmapped:
        if self.text_template is None:
            return Unmapped("a message without a template, and no text_template on the channel")
        bare = _unsigned(text, sign)
        return Call(self.text_template.code, sign, {self.text_param: bare}, [bare])


def _unsigned(text: str, sign: str) -> str:
    """The text without its 【sign】: the provider puts the sign name on itself."""
    mark = f"【{sign}】"
    if text.startswith(mark):
        return text[len(mark) :]
    return text[: -len(mark)] if text.endswith(mark) else text


def parse(name: str, options: Mapping[str, Any], by_position: bool = False) -> TemplateMap:
    """The ``templates``, ``text_template``, ``text_param`` and ``sign_name`` options;
    ValueError naming the channel and key for a malformed one."""
    try:
        templates = table(options.get("templates", {}))
        text = options.get("text_template")
        text_template = None if text is None or text == "" else _one("text_template", text)
    except ValueError as exc:
        raise ValueError(f"channel {name!r}: {exc}") from None
    return TemplateMap(
        templates,
        text_template,
        str(options.get("text_param", "content")),
        str(options.get("sign_name", "")),
        by_position,
    )


def table(raw: Any) -> dict[str, ProviderTemplate]:
    """The ``templates`` option read; ValueError naming the entry that is malformed."""
    if not isinstance(raw, Mapping):
        raise ValueError("templates must be a table of OUR_CODE = ...")
    return {str(k): _one(f"templates.{k}", v) for k, v in raw.items()}


def _one(key: str, value: Any) -> ProviderTemplate:
    if isinstance(value, str | int) and str(value):
        return ProviderTemplate(str(value))
    if isinstance(value, Mapping) and value.get("code"):
        params = value.get("params", [])
        if isinstance(params, list) and all(isinstance(p, str) for p in params):
            return ProviderTemplate(str(value["code"]), tuple(params))
    raise ValueError(
        f"{key} must be the provider's template code, or "
        '{ code = "...", params = ["our", "names", "in order"] }'
    )
