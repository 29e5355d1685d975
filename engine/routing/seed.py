"""The routing of a fresh install, from ``[routing]`` in etc/hisms.toml (or, without one,
from the channels' ``operators``): what an engine routes by while the database holds no
rule. ``hisms db init`` writes the ``[routing]`` rules to the database; the ones derived
from the channels stay in each engine (``hisms route apply`` writes them on request)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hisms.engine.numbering import OPERATORS
from hisms.engine.routing.rules import Member, RouteTable, Rule


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleConfig(_Strict):
    """One rule; an empty list matches anything. Rules are tried in the file's order."""

    name: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=32)
    operators: list[str] = []
    provinces: list[str] = []  # "广东省", "北京市"
    cities: list[str] = []  # "深圳市"
    sources: list[str] = []  # source_system
    accounts: list[str] = []
    depts: list[str] = []  # dept_code
    signatures: list[str] = []  # without 【】
    templates: list[str] = []  # template codes (sms_template.code)
    min_priority: int = Field(0, ge=0, le=9)
    max_priority: int = Field(9, ge=0, le=9)
    enabled: bool = True

    @field_validator("operators")
    @classmethod
    def _known_operators(cls, operators: list[str]) -> list[str]:
        unknown = [o for o in operators if o not in OPERATORS]
        if unknown:  # a misspelt operator would match nothing, silently
            raise PydanticCustomError(
                "unknown_operator",
                "unknown operators {unknown}: each one of {known}",
                {"unknown": unknown, "known": list(OPERATORS)},
            )
        return operators

    @model_validator(mode="after")
    def _priorities_in_order(self) -> RuleConfig:
        if self.min_priority > self.max_priority:
            raise PydanticCustomError(
                "priority_order",
                "min_priority {low} is above max_priority {high}: the rule matches nothing",
                {"low": self.min_priority, "high": self.max_priority},
            )
        return self


class MemberConfig(_Strict):
    channel: str
    weight: int = Field(100, ge=0)  # 0: a backup, used in list order when no weighted one is


GroupName = Annotated[str, Field(min_length=1, max_length=32)]


class RoutingConfig(_Strict):
    rules: list[RuleConfig] = []
    groups: dict[GroupName, list[MemberConfig]] = {}

    @model_validator(mode="after")
    def _groups_exist(self) -> RoutingConfig:
        missing = sorted({r.group for r in self.rules} - set(self.groups))
        if missing:
            raise PydanticCustomError(
                "unknown_group",
                "rules name groups not in [routing.groups]: {missing}",
                {"missing": missing},
            )
        return self

    @model_validator(mode="after")
    def _one_of_each(self) -> RoutingConfig:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise PydanticCustomError(
                "duplicate_rule", "rules named twice: {twice}", {"twice": twice}
            )
        for group, members in self.groups.items():
            channels = [m.channel for m in members]
            again = sorted({c for c in channels if channels.count(c) > 1})
            if again:
                raise PydanticCustomError(
                    "duplicate_channel",
                    "routing group {group!r} names channels twice: {again}",
                    {"group": group, "again": again},
                )
        return self


def unknown_channels(routing: RoutingConfig, known: Collection[str]) -> dict[str, list[str]]:
    """Each group's channels that are not among ``known`` (the configured channels)."""
    return {
        group: unknown
        for group, members in routing.groups.items()
        if (unknown := sorted({m.channel for m in members} - set(known)))
    }


class _Channel(Protocol):
    name: str
    enabled: bool
    operators: list[str]


def seed_table(routing: RoutingConfig, channels: Sequence[_Channel]) -> RouteTable:
    """The configured rules; without any, one rule per operator whose group is the enabled
    channels serving it: the first takes the traffic, the others are its backups."""
    if not routing.rules:
        return _from_channels(channels)
    rules = tuple(_rule(r, 10 * (i + 1)) for i, r in enumerate(routing.rules))
    members = tuple(
        Member(group, m.channel, m.weight, i)
        for group, listed in routing.groups.items()
        for i, m in enumerate(listed)
    )
    return RouteTable(rules, members)


def _rule(r: RuleConfig, position: int) -> Rule:
    return Rule(
        r.name,
        r.group,
        position,
        tuple(r.operators),
        tuple(r.provinces),
        tuple(r.cities),
        tuple(r.sources),
        tuple(r.accounts),
        tuple(r.depts),
        tuple(r.signatures),
        tuple(r.templates),
        r.min_priority,
        r.max_priority,
        r.enabled,
    )


def _from_channels(channels: Sequence[_Channel]) -> RouteTable:
    rules, members = [], []
    for n, operator in enumerate(OPERATORS):
        serving = [c.name for c in channels if c.enabled and operator in c.operators]
        if not serving:
            continue
        rules.append(Rule(operator, operator, 10 * (n + 1), operators=(operator,)))
        members += [
            Member(operator, name, 100 if i == 0 else 0, i) for i, name in enumerate(serving)
        ]
    return RouteTable(tuple(rules), tuple(members))
