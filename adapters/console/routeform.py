"""The routing table as the console edits it: the rules in order and the groups' members as
``[routing]`` in the configuration spells them, checked by the same models
(:class:`RoutingConfig`, :func:`unknown_channels`), with the refusals said in Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pydantic
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from hisms.engine.routing.rules import CONDITIONS, RouteTable, groups_of
from hisms.engine.routing.seed import RoutingConfig, seed_table, unknown_channels

LISTS = [mine for mine, _, _ in CONDITIONS]
FIELDS = {
    "name": "规则名", "group": "通道组", "operators": "运营商", "provinces": "省份",
    "cities": "城市", "sources": "来源系统", "accounts": "账户", "depts": "科室",
    "signatures": "签名", "templates": "模板", "min_priority": "优先级下限",
    "max_priority": "优先级上限", "enabled": "启用", "channel": "通道", "weight": "权重",
}  # fmt: skip
OPERATOR_NAMES = {"mobile": "移动", "unicom": "联通", "telecom": "电信", "broadnet": "广电",
                  "unknown": "未知"}  # fmt: skip
SAID = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "最多 {max_length} 个字符",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "unknown_operator": "未知的运营商 {unknown}（可选：{known}）",
    "priority_order": "优先级下限 {low} 大于上限 {high}，此规则不会匹配任何短信",
    "unknown_group": "规则使用的通道组 {missing} 不存在",
    "duplicate_rule": "规则名重复：{twice}",
    "duplicate_channel": "通道组「{group}」中通道重复：{again}",
}
_SPLIT = re.compile(r"[\s,，、;；]+")


class RouteError(ValueError):
    """A change the routing refuses, in Chinese, naming the field; nothing was saved."""


@dataclass
class Editable:
    """The rules in the order they are tried and each group's members (channel, weight)."""

    rules: list[dict[str, Any]]
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: RouteTable) -> Editable:
        rules = [
            {"name": r.name, "group": r.group, **{k: list(getattr(r, k)) for k in LISTS},
             "min_priority": r.min_priority, "max_priority": r.max_priority,
             "enabled": r.enabled}
            for r in table.rules
        ]  # fmt: skip
        groups = {
            g: [{"channel": m.channel, "weight": m.weight} for m in ms]
            for g, ms in groups_of(table.members).items()
        }
        for r in table.rules:  # a group without members is not stored, but rules name it
            groups.setdefault(r.group, [])
        return cls(rules, groups)

    def index(self, name: str) -> int:
        found = next((i for i, r in enumerate(self.rules) if r["name"] == name), None)
        if found is None:
            raise RouteError(f"没有名为「{name}」的规则（可能已被他人删除，请刷新）")
        return found

    def users_of(self, group: str) -> list[str]:
        return [r["name"] for r in self.rules if r["group"] == group]

    def checked(self, channels: tuple[str, ...]) -> RouteTable:
        """The table to save, validated as ``[routing]`` is, or RouteError."""
        if not self.rules:
            raise RouteError("至少保留一条规则：没有规则时引擎会改按配置文件的 [routing] 路由")
        try:
            routing = RoutingConfig.model_validate({"rules": self.rules, "groups": self.groups})
        except pydantic.ValidationError as exc:
            raise RouteError("；".join(self._said(e) for e in exc.errors())) from None
        unknown = unknown_channels(routing, channels)
        if unknown:
            named = "；".join(f"通道组「{g}」的通道 {', '.join(cs)}" for g, cs in unknown.items())
            raise RouteError(f"{named} 未在配置文件的 [[channels]] 中定义")
        return seed_table(routing, ())

    def _said(self, error: ErrorDetails) -> str:
        """One refusal in Chinese: where (rule, group, field), then what."""
        template = SAID.get(error["type"])
        ctx = {
            k: "、".join(v) if isinstance(v, list) else v for k, v in error.get("ctx", {}).items()
        }
        what = template.format(**ctx) if template else error["msg"]
        where = self._where(error["loc"])
        return f"{where}：{what}" if where else what

    def _where(self, loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            name = self.rules[loc[1]].get("name") or f"第 {loc[1] + 1} 条"
            said = f"的{FIELDS.get(str(loc[2]), loc[2])}" if len(loc) > 2 else ""
            return f"规则「{name}」{said}"
        if len(loc) >= 3 and loc[0] == "groups" and loc[2] == "[key]":
            return "通道组名"
        if len(loc) >= 4 and loc[0] == "groups" and isinstance(loc[2], int):
            return f"通道组「{loc[1]}」第 {loc[2] + 1} 个通道的{FIELDS.get(str(loc[3]), loc[3])}"
        return ""


def rule_of_form(form: FormData) -> dict[str, Any]:
    """A rule as the form gives it (lists split at commas, spaces or 、), for RuleConfig."""
    rule: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in ("name", "group")}
    rule["operators"] = [str(o) for o in form.getlist("operators")]
    for key in LISTS[1:]:
        rule[key] = [v for v in _SPLIT.split(str(form.get(key) or "")) if v]
    for key, default in (("min_priority", "0"), ("max_priority", "9")):
        rule[key] = str(form.get(key) or "").strip() or default
    rule["enabled"] = form.get("enabled") == "1"
    return rule


def members_of_form(form: FormData) -> list[dict[str, Any]]:
    """A group's members from the form's rows (repeated ``channel`` and ``weight``); a row
    without a channel is dropped, which is how a member is taken out."""
    channels, weights = form.getlist("channel"), form.getlist("weight")
    return [
        {"channel": str(c).strip(), "weight": str(w).strip() or "100"}
        for c, w in zip(channels, weights, strict=False)
        if str(c).strip()
    ]
