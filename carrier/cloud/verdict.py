"""What a provider's answer code means for the message and for the channel.

Each provider has a table (:mod:`hisms.carrier.aliyun.errors`,
:mod:`hisms.carrier.tencent.errors`) from its codes to a :class:`Kind`; the carrier turns
the kind into the engine's :class:`~hisms.carrier.base.Outcome`, and an ``AUTH`` kind
also takes the channel down for a while, so a wrong secret is not retried in a hot loop.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hisms.carrier.base import Outcome


class Kind(enum.Enum):
    OK = "ok"
    THROTTLE = "throttle"  # flow control: the same message later
    TRANSIENT = "transient"  # the provider's own trouble: later
    REFUSED = "refused"  # this message never goes out as it is: FAILED with the code
    AUTH = "auth"  # the account is refused (secret, balance, permission): channel down

    @property
    def outcome(self) -> Outcome:
        return {Kind.OK: Outcome.ACCEPTED, Kind.REFUSED: Outcome.FAILED}.get(self, Outcome.RETRY)


@dataclass(frozen=True, slots=True)
class Table:
    """Exact codes first, then the longest matching prefix (``LimitExceeded.``), then
    ``default``: a provider adds codes over time, and an unknown one must not be lost."""

    exact: Mapping[str, Kind]
    prefixes: Sequence[tuple[str, Kind]]
    default: Kind = Kind.TRANSIENT

    def kind(self, code: str) -> Kind:
        found = self.exact.get(code)
        if found is not None:
            return found
        matches = [(len(p), k) for p, k in self.prefixes if code.startswith(p)]
        return max(matches, key=lambda m: m[0])[1] if matches else self.default
