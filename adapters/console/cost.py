"""What a send will cost and whether it fits its account's quotas, for the send page's preview
and the bulk upload's summary. The rules are billing's (engine/billing): the account a
message counts under (:class:`Owners`), the price of a segment by the number's operator
(:meth:`Account.price_of`), the quotas a charge must fit (:func:`quota.limits`). Over a
quota is a warning here, not a refusal: the engine holds or rejects as the account says."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.billing.quota import limits
from hisms.engine.billing.statement import accounts_by_name
from hisms.engine.numbering import OPERATORS
from hisms.engine.policy.check import Passed, Policy
from hisms.engine.policy.sync import PolicySync
from hisms.engine.reports.rollup import operator_of
from hisms.engine.store.base import Claimed, NewMessage, Store
from hisms.engine.validate import Rejection, Rules

OPERATOR_NAMES = {"mobile": "移动", "unicom": "联通", "telecom": "电信", "broadnet": "广电",
                  "unknown": "未知"}  # fmt: skip
PERIOD_NAMES = {"D": "今日", "M": "本月"}


@dataclass(frozen=True, slots=True)
class Line:
    """The numbers of one operator: their billed segments at that operator's price."""

    operator: str
    numbers: int
    segments: int
    price: Decimal
    amount: Decimal

    @property
    def name(self) -> str:
        return OPERATOR_NAMES.get(self.operator, self.operator)


@dataclass(frozen=True, slots=True)
class QuotaCheck:
    """One quota of the account: what is used of it, what this send would charge."""

    period: str  # D or M
    quota: int
    used: int
    wanted: int

    @property
    def left(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def fits(self) -> bool:
        return self.used + self.wanted <= self.quota

    @property
    def name(self) -> str:
        return PERIOD_NAMES[self.period]


@dataclass(frozen=True, slots=True)
class Cost:
    account: str | None  # the account charged; None: no account (not billed)
    settings: Account | None  # its sms_account row; None: unknown, no price, no quota
    parts: int  # segments per message
    messages: int
    lines: tuple[Line, ...]  # per operator, in OPERATORS order
    quotas: tuple[QuotaCheck, ...]

    @property
    def segments(self) -> int:
        return self.parts * self.messages

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def per_operator(self) -> bool:
        """Whether the account prices operators differently (show each operator's line)."""
        return bool(self.settings and self.settings.prices)

    @property
    def prices(self) -> list[tuple[str, Decimal]]:
        """The price of a segment: one, or each operator's when the account has several."""
        if self.settings is None:
            return [("", Decimal(0))]
        if not self.settings.prices:
            return [("", self.settings.price)]
        return [(OPERATOR_NAMES[o], self.settings.price_of(o)) for o in OPERATORS]

    @property
    def over(self) -> tuple[QuotaCheck, ...]:
        return tuple(q for q in self.quotas if not q.fits)


def estimate(
    numbers: Iterable[str],
    parts: int,
    account: str | None,
    settings: Account | None,
    usage: Iterable[Mapping[str, Any]],
    today: date,
) -> Cost:
    """The cost of ``parts`` segments to each number, if every one is delivered (billing
    counts delivered segments), and the account's quotas against its ``usage`` rows."""
    operators = Counter(operator_of(n) for n in numbers)
    messages = sum(operators.values())
    lines = []
    for operator in sorted(operators, key=_rank):
        price = settings.price_of(operator) if settings else Decimal(0)
        count = operators[operator]
        lines.append(Line(operator, count, count * parts, price, count * parts * price))
    quotas: list[QuotaCheck] = []
    if settings is not None:
        used = {(str(r["period"]), str(r["starts"])[:10]): int(r["segments"]) for r in usage
                if r["account"] == settings.account}  # fmt: skip
        for limit in limits(settings, today):
            taken = used.get((limit.period, limit.starts.isoformat()), 0)
            quotas.append(QuotaCheck(limit.period, limit.quota, taken, parts * messages))
    return Cost(account, settings, parts, messages, tuple(lines), tuple(quotas))


def _rank(operator: str) -> int:
    return OPERATORS.index(operator) if operator in OPERATORS else len(OPERATORS)


def yuan(value: Decimal) -> str:
    """An amount or a price in yuan: two decimals, up to four when a price has them."""
    whole, _, decimals = f"{value.quantize(Decimal('0.0001')):,.4f}".partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


class EngineView:
    """What the engine will make of a message: the text it sends (the content policy's
    check: template, signature, masked words) and the account it charges (the source
    profiles, the database's over the configuration's; the accounts; ``[billing]
    default_account``)."""

    def __init__(self, profiles: PolicySync, rules: Rules, default_account: str) -> None:
        self._profiles = profiles
        self._rules = rules
        self._default = default_account

    def check(self, store: Store, message: NewMessage, number: str) -> Passed | Rejection:
        """The content policy's verdict on ``message`` to ``number``, as the engine's."""
        row = Claimed(0, 1, message.source_system, message.account, message.dept_code, number,
                      message.content, message.signature, message.priority or 5, False,
                      message.template_code, message.params)  # fmt: skip
        return self._policy(store).check(row, self._rules, datetime.now(UTC))

    def cost(
        self, store: Store, message: NewMessage, parts: int, numbers: Sequence[str], today: date
    ) -> Cost:
        """The cost of sending ``message`` in ``parts`` segments to ``numbers`` (reads the
        profiles, the accounts and this month's quota counters)."""
        accounts = accounts_by_name(store.accounts())
        owners = Owners(self._policy(store).profiles, accounts, self._default)
        account, _ = owners.of(message.source_system, message.account, message.dept_code)
        settings = accounts.get(account or "")
        usage = store.usage(today.replace(day=1)) if settings and settings.limited else []
        return estimate(numbers, parts, account, settings, usage, today)

    def _policy(self, store: Store) -> Policy:
        return self._profiles.policy_of(store.load_policy())
