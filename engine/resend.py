"""What a failed delivery report does to its message: send it again, or let it fail.

The ``[resend]`` section of the configuration holds stat patterns (``fnmatch``, any
case: ``MK:*``) in rules by operator of the number, by protocol of the channel and for
every channel, looked up in that order: the first rule with a pattern matching the stat
decides, its ``final`` patterns before its ``resend`` ones. A stat no rule names is
final. A message is sent again at most ``max_resends`` times (docs/status.md): 0 unless
configured, the shipped etc/hisms.toml says 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hisms.carrier.base import utcnow
from hisms.engine import numbering

# Worth another try: the handset was off, out of coverage, full, or the network failed.
DEFAULT_RESEND = ["UNDELIV", "EXPIRED", "MK:*", "MB:*"]
# Another try gives the same answer: a blacklisted or empty number, a refused message.
DEFAULT_FINAL = ["DB:0141", "MN:0001", "*BLACK*", "REJECTD", "DELETED", "UNKNOWN"]


class ResendRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resend: list[str] = []  # stats that send the message again
    final: list[str] = []  # stats that fail it; checked before ``resend``

    def verdict(self, stat: str) -> bool | None:
        """True: resend, False: final, None: this rule does not name the stat."""
        if any(fnmatchcase(stat, p.upper()) for p in self.final):
            return False
        if any(fnmatchcase(stat, p.upper()) for p in self.resend):
            return True
        return None


class ResendConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Off unless configured (etc/hisms.toml sets 1): a failed report is final, as before.
    max_resends: int = Field(0, ge=0, le=10)
    delay_seconds: float = Field(30.0, ge=0)
    stats: ResendRule = ResendRule(resend=DEFAULT_RESEND, final=DEFAULT_FINAL)
    operators: dict[str, ResendRule] = {}  # mobile, unicom, telecom, broadnet, unknown
    protocols: dict[str, ResendRule] = {}  # cmpp, sgip, smgp, smpp


class ResendPolicy:
    """Decides, for messages whose every part has a report and one failed, which go again.

    ``protocols`` maps a channel name to its protocol; ``number`` gives a number's operator
    (the router's, which knows ported numbers)."""

    def __init__(
        self,
        config: ResendConfig,
        protocols: Mapping[str, str],
        number: Callable[[str], numbering.NumberInfo] = numbering.lookup,
    ) -> None:
        self.config = config
        self._protocols = dict(protocols)
        self._number = number

    def resends(self, stat: str, number: str, channel: str) -> bool:
        stat = stat.strip().upper()
        rules = (
            self.config.operators.get(self._number(number).operator),
            self.config.protocols.get(self._protocols.get(channel, "")),
            self.config.stats,
        )
        for rule in rules:
            verdict = None if rule is None else rule.verdict(stat)
            if verdict is not None:
                return verdict
        return False

    def __call__(self, failed: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The ``resend_reported`` rows for the ``failed_reports`` rows that go again."""
        limit, at = self.config.max_resends, utcnow()
        at += timedelta(seconds=self.config.delay_seconds)
        again = []
        for row in failed:
            stat, channel = row["failed_stat"], row["failed_channel"]
            if row["report_resends"] >= limit or not self.resends(stat, row["phone"], channel):
                continue
            again.append(
                {
                    "id": row["id"],
                    "resend_from": channel,
                    "next_attempt_at": at,
                    "error_code": stat[:32],
                    "error_text": f"delivery report {stat} on {channel}: sent again "
                    f"({row['report_resends'] + 1} of {limit})",
                }
            )
        return again
