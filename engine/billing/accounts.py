"""A billing account's settings, and which account and department a message counts under.

A message's account is its row's, else its source profile's, else ``[billing]
default_account``; its department is its row's, else the profile's, else the account's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hisms.adapters.his.profiles import Profiles
from hisms.engine.numbering import OPERATORS

NONE = "-"  # a missing dimension in sms_rollup (Oracle stores '' as NULL)


class Account(BaseModel):
    """One row of ``sms_account``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    account: str = Field(min_length=1, max_length=32, pattern=r"^[^\s]+$")
    name: str | None = Field(None, max_length=100)
    dept_code: str | None = Field(None, max_length=32)
    price: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=4)
    prices: dict[str, Decimal] = {}  # per operator, over price
    daily_quota: int | None = Field(None, ge=0)
    monthly_quota: int | None = Field(None, ge=0)
    over_quota: Literal["HOLD", "REJECT"] = "HOLD"
    enabled: bool = True

    @field_validator("prices")
    @classmethod
    def _known_operators(cls, prices: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = sorted(set(prices) - set(OPERATORS))
        if unknown:
            raise ValueError(f"unknown operators {unknown}: use {', '.join(OPERATORS)}")
        if any(p < 0 for p in prices.values()):
            raise ValueError("a price cannot be negative")
        return prices

    @property
    def limited(self) -> bool:
        return self.daily_quota is not None or self.monthly_quota is not None

    def price_of(self, operator: str) -> Decimal:
        """The price of one billed segment sent to ``operator``'s numbers."""
        return self.prices.get(operator, self.price)

    def row(self) -> dict[str, Any]:
        """As a ``sms_account`` row."""
        prices = {k: str(v) for k, v in self.prices.items()}
        return {
            **self.model_dump(exclude={"prices", "enabled"}),
            "price": str(self.price),  # exact in every driver (SQLite has no Decimal)
            "prices": json.dumps(prices, sort_keys=True) if prices else None,
            "enabled": int(self.enabled),
        }

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Account:
        values = dict(row)
        values["prices"] = json.loads(values["prices"]) if values.get("prices") else {}
        values["price"] = Decimal(str(values["price"]))
        values["enabled"] = bool(values["enabled"])
        return cls(**values)


class Owners:
    """Which account and department a message counts under."""

    def __init__(
        self, profiles: Profiles, accounts: Mapping[str, Account], default_account: str = ""
    ) -> None:
        self.profiles = profiles
        self.accounts = dict(accounts)
        self.default_account = default_account

    def of(
        self, source_system: str, account: str | None, dept_code: str | None
    ) -> tuple[str | None, str | None]:
        profile = self.profiles.of(source_system)
        account = account or profile.account or self.default_account or None
        known = self.accounts.get(account or "")
        dept_code = dept_code or profile.dept_code or (known.dept_code if known else None)
        return account, dept_code or None
