"""What a gateway simulator is told and what it counts: fault knobs, the report mix, counters.

:class:`SimConfig` is the account and the mix, :class:`Faults` the knobs tests
turn, :class:`Counters` what tests read (logins, submits, keep-alives,
duplicates...), and :class:`ReportPlan` the deterministic sequence of stats and
faults for one seed.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hisms.carrier.wire.times import GATEWAY_TZ

FAILURE_STATS = ("UNDELIV", "EXPIRED", "REJECTD", "MK:0005", "MB:0008")


@dataclass(frozen=True, slots=True)
class MoRule:
    """An MT whose text contains ``keyword`` gets ``reply`` from the handset."""

    keyword: str
    reply: str


DEFAULT_MO_RULES = (MoRule("预约", "1"), MoRule("appointment", "1"), MoRule("退订", "TD"))


@dataclass(slots=True)
class Faults:
    throttle_ratio: float = 0.0  # this fraction of submits is answered "flow control"
    throttle_until: float = 0.0  # monotonic time: every submit before it is throttled
    drop_after_submits: int = 0  # close the connection on this (global) submit, once
    resp_delay: float = 0.0  # seconds before each submit answer
    no_resp: bool = False  # never answer submits (resend tests)
    lose_answers: int = 0  # accept (and report) this many submits but never answer them (CMPP)
    duplicate_ratio: float = 0.0  # reports sent twice
    shuffle_reports: bool = False  # reports in random order (random extra delay)
    unknown_report_ratio: float = 0.0  # extra reports for ids never issued
    drop_idle_after: float = 0.0  # close a connection silent this long, as gateways do (0: never)
    close_after_login: bool = False  # accept every login, then hang up at once


@dataclass(slots=True)
class SimConfig:
    account: str
    secret: str
    report_delay: float = 0.05
    fail_ratio: float = 0.0
    seed: int = 0
    mo_delay: float = 0.05
    mo_rules: tuple[MoRule, ...] = DEFAULT_MO_RULES
    faults: Faults = field(default_factory=Faults)
    timezone: ZoneInfo = GATEWAY_TZ  # the gateway's clock, never the host's


@dataclass(slots=True)
class Counters:
    connections: int = 0
    logins: int = 0  # login attempts, good or bad
    login_failures: int = 0
    keepalives: int = 0  # keep-alive requests answered (ACTIVE_TEST, enquire_link)
    idle_drops: int = 0  # connections closed for silence (drop_idle_after)
    submits: int = 0  # submit PDUs received
    accepted: int = 0
    throttled: int = 0
    unanswered: int = 0
    reports_sent: int = 0  # report DELIVERs sent, duplicates, unknown ids and re-sends included
    report_acks: int = 0  # reports and MO (DELIVER, deliver_sm) the client answered
    duplicate_reports: int = 0  # reports scheduled a second time (duplicate_ratio)
    unknown_reports: int = 0  # reports for ids never issued (unknown_report_ratio)
    redelivered: int = 0  # reports/MO sent again: their connection closed unacknowledged
    mo_sent: int = 0
    per_phone: Counter[str] = field(
        default_factory=Counter, repr=False
    )  # accepted submits per number

    @property
    def duplicates(self) -> int:
        """Accepted submits beyond the first per number (meaningful with one part per number)."""
        return sum(n - 1 for n in self.per_phone.values() if n > 1)


@dataclass(frozen=True, slots=True)
class PendingReport:
    msg_id: Any  # the protocol's own id value
    phone: str
    stat: str
    submitted_at: datetime
    service_number: str


@dataclass(frozen=True, slots=True)
class PendingMo:
    phone: str
    service_number: str
    content: str
    udh: bytes = b""  # a part of a long reply: its concatenation header (CMPP simulator)
    # The protocol's id of this DELIVER, given when first sent and kept when sent again, as
    # a gateway does (CMPP simulator); None until first sent.
    msg_id: Any = None


class ReportPlan:
    """The deterministic sequence of stats and faults for one seed."""

    def __init__(self, config: SimConfig) -> None:
        self._rng = random.Random(config.seed)
        self._config = config

    def stat(self) -> str:
        if self._rng.random() < self._config.fail_ratio:
            return self._rng.choice(FAILURE_STATS)
        return "DELIVRD"

    def chance(self, ratio: float) -> bool:
        return ratio > 0 and self._rng.random() < ratio

    def jitter(self, delay: float) -> float:
        return delay * (1 + self._rng.random()) if self._config.faults.shuffle_reports else delay
