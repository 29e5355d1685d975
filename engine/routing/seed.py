"""The routing of a fresh install, from ``[routing]`` in etc/hisms.toml (or, without one,
from the channels' ``operators``): what an engine routes by while the database holds no
rule. ``hisms db init`` writes the ``[routing]`` rules to the database; the ones derived
from the channels stay in each engine (``hisms route apply`` writes them on request)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    templates: list[str] = []  # ready for template ids; no message carries one yet
    min_priority: int = Field(0, ge=0, le=9)
    max_priority: int = Field(9, ge=0, le=9)
    enabled: bool = True


class MemberConfig(_Strict):
    channel: str
    weight: int = Field(100, ge=0)  # 0: a backup, used in list order when no weighted one is


class RoutingConfig(_Strict):
    rules: list[RuleConfig] = []
    groups: dict[str, list[MemberConfig]] = {}

    @model_validator(mode="after")
    def _groups_exist(self) -> RoutingConfig:
        missing = sorted({r.group for r in self.rules} - set(self.groups))
        if missing:
            raise ValueError(f"rules name groups not in [routing.groups]: {missing}")
        return self


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
