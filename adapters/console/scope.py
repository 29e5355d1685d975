"""The department scope: a department user's accounts are the billing accounts whose
``dept_code`` is its department. It sends only with one of them, and sees the messages,
replies, reports and bills of those accounts, plus the messages whose own ``dept_code`` is
its department. The SQL says the same (the ``scope`` parameter of console_messages,
console_replies, rollup_days and mo_hours_of); this is the Python side of one message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hisms.adapters.console.users import User
from hisms.engine.billing.accounts import Account
from hisms.engine.store.base import Store


@dataclass(frozen=True, slots=True)
class Scope:
    dept: str | None  # None: every department (not a department user)
    accounts: tuple[Account, ...]  # the accounts this user may see: its department's, or all

    @classmethod
    def of(cls, store: Store, user: User) -> Scope:
        every = [Account.of_row(r) for r in store.accounts()]
        dept = user.scope
        return cls(dept, tuple(a for a in every if dept is None or a.dept_code == dept))

    @property
    def names(self) -> set[str]:
        return {a.account for a in self.accounts}

    def sees(self, message: dict[str, Any]) -> bool:
        """Whether this user may see a message (or a reply to it)."""
        if self.dept is None:
            return True
        return message.get("dept_code") == self.dept or message.get("account") in self.names

    def sees_account(self, name: str | None) -> bool:
        return self.dept is None or name in self.names

    def senders(self) -> list[Account]:
        """The enabled accounts this user may send with."""
        return [a for a in self.accounts if a.enabled]
