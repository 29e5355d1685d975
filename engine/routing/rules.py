"""Routing rules and channel groups: the data, and whether a rule matches a message.

A rule matches when each of its conditions holds; an empty condition holds for any
message. Rules are tried in ``position`` order (then name); the first that matches names
the channel group. A rule without conditions, last, is the default.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hisms.engine.numbering import NumberInfo

# The list-valued conditions, as (Rule field, Facts field, what explain calls it).
CONDITIONS = (
    ("operators", "operator", "operator"),
    ("provinces", "province", "province"),
    ("cities", "city", "city"),
    ("sources", "source", "source system"),
    ("accounts", "account", "account"),
    ("depts", "dept", "department"),
    ("signatures", "signature", "signature"),
    ("templates", "template", "template"),
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What rules look at in one message."""

    number: NumberInfo
    source: str = ""
    account: str = ""
    dept: str = ""
    signature: str = ""
    template: str = ""  # the template_code of a message rendered from a template
    priority: int = 5

    @property
    def operator(self) -> str:
        return self.number.operator

    @property
    def province(self) -> str:
        return self.number.province

    @property
    def city(self) -> str:
        return self.number.city


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    group: str
    position: int = 100
    operators: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    depts: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    min_priority: int = 0
    max_priority: int = 9
    enabled: bool = True

    def mismatch(self, facts: Facts) -> str | None:
        """Why this rule does not take the message; None when it does."""
        if not self.enabled:
            return "disabled"
        if not self.min_priority <= facts.priority <= self.max_priority:
            return f"priority {facts.priority} not in {self.min_priority}-{self.max_priority}"
        for mine, theirs, called in CONDITIONS:
            wanted: tuple[str, ...] = getattr(self, mine)
            value: str = getattr(facts, theirs)
            if wanted and value not in wanted:
                return f"{called} {value or '(none)'!r} not in {list(wanted)}"
        return None

    def conditions(self) -> str:
        """The conditions as one readable line."""
        said = [
            f"{called} in {list(getattr(self, mine))}"
            for mine, _, called in CONDITIONS
            if getattr(self, mine)
        ]
        if (self.min_priority, self.max_priority) != (0, 9):
            said.append(f"priority {self.min_priority}-{self.max_priority}")
        return ", ".join(said) or "any message (default)"


@dataclass(frozen=True, slots=True)
class Member:
    """A channel of a group: ``weight`` shares the traffic among the group's weighted
    channels; a weight of 0 makes it a backup, used in ``position`` order when no weighted
    channel can take traffic."""

    group: str
    channel: str
    weight: int = 100
    position: int = 0


@dataclass(frozen=True)
class RouteTable:
    rules: tuple[Rule, ...]
    members: tuple[Member, ...]
    overrides: Mapping[str, NumberInfo] = field(default_factory=dict)  # by number
    # The rule each set of facts matched: a bulk send repeats a few thousand of them, and a
    # reloaded table is a new table (so nothing here goes stale).
    _matched: dict[Facts, Rule | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Each group's members in order, sorted once: routing asks for a group per message.
    _groups: dict[str, tuple[Member, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rules, key=lambda r: (r.position, r.name)))
        object.__setattr__(self, "rules", ordered)
        self._groups.update((name, tuple(ms)) for name, ms in groups_of(self.members).items())

    def group(self, name: str) -> list[Member]:
        return list(self._groups.get(name, ()))

    def first_match(self, facts: Facts) -> Rule | None:
        if facts in self._matched:
            return self._matched[facts]
        if len(self._matched) >= 100_000:
            self._matched.clear()
        rule = next((r for r in self.rules if r.mismatch(facts) is None), None)
        self._matched[facts] = rule
        return rule

    def channels(self) -> set[str]:
        return {m.channel for m in self.members}

    @functools.cached_property
    def by_region(self) -> bool:
        """Whether a rule matches by province or city (else routing needs no region)."""
        return any(r.provinces or r.cities for r in self.rules)


def groups_of(members: Sequence[Member]) -> dict[str, list[Member]]:
    named: dict[str, list[Member]] = {}
    for m in sorted(members, key=lambda m: (m.group, m.position, m.channel)):
        named.setdefault(m.group, []).append(m)
    return named
