"""Channel health as one engine sees it: UP, DEGRADED, DOWN, or DISABLED by an operator.

DOWN comes from the carrier (every link lost, login refused) or from
``down_after_errors`` submit errors or lost answers in a row; a DOWN channel comes back
once it has been fine for ``up_after_seconds`` (a link that flaps stays DOWN). DEGRADED
comes from the share of accepted submits, or of DELIVRD reports, over the last
``window_seconds`` falling below its threshold (with at least ``min_samples``).
An operator's mode (``hisms channel disable|drain|enable``) is shared by every engine
through the database; DISABLED and DRAINING channels take no new traffic, and a
DISABLED one hands back what it has queued. An engine with no link of a channel because
other engines hold all its connections (hisms.engine.shares) is its standby: it knows
nothing of the gateway, so the channel is not DOWN, but takes no new traffic here.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class State(enum.StrEnum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    DISABLED = "DISABLED"


class Mode(enum.StrEnum):
    """An operator's say over a channel, stored in sms_channel_admin."""

    ENABLED = "ENABLED"  # follows its health (no row)
    DISABLED = "DISABLED"  # no traffic; what it has queued moves to the next channel
    DRAINING = "DRAINING"  # no new traffic; what it has queued or in flight finishes there


class HealthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Submit errors or lost answers in a row that make a channel DOWN.
    down_after_errors: int = Field(10, ge=1)
    # A DOWN channel is UP again after being fine this long (no flapping).
    up_after_seconds: float = Field(30.0, ge=0)
    # Sliding window of the DEGRADED rates, and the fewest results that make a rate.
    window_seconds: float = Field(300.0, gt=0)
    min_samples: int = Field(50, ge=1)
    # DEGRADED below these shares of accepted submits (MT) and DELIVRD reports; 0 = never.
    submit_success_min: float = Field(0.95, ge=0, le=1)
    report_success_min: float = Field(0.97, ge=0, le=1)
    # How often engines read rules, overrides and operators' modes, and write their health.
    poll_seconds: float = Field(2.0, gt=0)


@dataclass(frozen=True, slots=True)
class Standing:
    """A channel's state as routing sees it: may it take new traffic, and why (not)."""

    state: State
    reason: str
    takes_new: bool
    # DOWN, but its links are up again and it is only serving the hold time: routing uses
    # it when no other channel of the group takes traffic (a lone channel is not held).
    recovering: bool = False
    standby: bool = False  # other engines hold its connections: they take its traffic

    def __str__(self) -> str:
        return f"{self.state}{' (' + self.reason + ')' if self.reason else ''}"


NOT_HERE = Standing(State.DOWN, "not configured on this engine", False)


class WindowShare:
    """The share of good outcomes over a sliding time window, counted per second: the
    memory is the window's seconds, not its events (300 s at 10,000 submits/s would be
    three million of them)."""

    def __init__(self, window: float, clock: Callable[[], float]) -> None:
        self._window = window
        self._clock = clock
        self._seconds: deque[list[int]] = deque()  # [second, good, all]
        self._good = 0
        self._all = 0

    def add(self, good: bool) -> None:
        second = int(self._clock())
        if self._seconds and self._seconds[-1][0] == second:
            counts = self._seconds[-1]
            counts[1] += good
            counts[2] += 1
        else:
            self._seconds.append([second, int(good), 1])
        self._good += good
        self._all += 1
        self._prune()

    def share(self, min_samples: int) -> float | None:
        self._prune()
        return self._good / self._all if self._all >= min_samples else None

    def seconds_kept(self) -> int:
        return len(self._seconds)

    def _prune(self) -> None:
        # A second leaves once all of it is older than the window.
        oldest = self._clock() - self._window
        while self._seconds and self._seconds[0][0] + 1 <= oldest:
            _, good, all_ = self._seconds.popleft()
            self._good -= good
            self._all -= all_


class ChannelHealth:
    """One channel's health in this engine; the engine feeds it and reads ``standing``."""

    def __init__(
        self, name: str, config: HealthConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.cfg = config
        self._clock = clock
        self.mode = Mode.ENABLED
        self.mode_reason = ""
        self._link_up: bool | None = None  # None: no word from the carrier yet
        self._standby = False  # other engines hold every connection of the channel
        self._link_detail = ""
        self._errors = 0  # submit errors in a row
        self._down: str | None = None  # why it is (or was last) DOWN
        self._fine_since: float | None = None  # when the cause of DOWN went away
        self._submits = WindowShare(config.window_seconds, clock)
        self._reports = WindowShare(config.window_seconds, clock)
        self.since = clock()
        self._last = self._compute()

    # -- inputs ---------------------------------------------------------------

    def link(self, up: bool, detail: str) -> None:
        """The carrier says its links are up (any) or all down."""
        self._link_up, self._link_detail = up, detail
        if not up:
            self._go_down(f"link down: {detail}" if "down" not in detail else detail)
        elif self._down is not None and self._fine_since is None:
            self._fine_since = self._clock()

    def submitted(self, good: bool, error: str = "") -> None:
        """One part's answer: accepted (good), or refused / unanswered."""
        self._submits.add(good)
        if good:
            self._errors = 0
            return
        self._errors += 1
        if self._errors >= self.cfg.down_after_errors and self._down is None:
            self._go_down(f"{self._errors} submit errors in a row, last: {error}")

    def reported(self, delivered: bool) -> None:
        self._reports.add(delivered)

    def set_mode(self, mode: Mode, reason: str) -> None:
        self.mode, self.mode_reason = mode, reason

    def standby(self, on: bool) -> None:
        """This engine holds no connection of the channel (on), or holds some again. What
        its links said before is forgotten: new links report anew."""
        if on and not self._standby:
            self._link_up, self._link_detail = None, ""
            self._down, self._fine_since, self._errors = None, None, 0
        self._standby = on

    # -- outputs --------------------------------------------------------------

    def standing(self) -> Standing:
        """The standing now; a change of state moves ``since``."""
        now = self._compute()
        if now.state != self._last.state:
            self.since = self._clock()
        self._last = now
        return now

    def _compute(self) -> Standing:
        if self.mode is Mode.DISABLED:
            return Standing(State.DISABLED, self.mode_reason or "disabled by an operator", False)
        if self._standby:
            return Standing(
                State.UP, "standby: other engines hold its connections", False, standby=True
            )
        state, reason = self._health()
        if self.mode is Mode.DRAINING:
            return Standing(state, f"draining: {self.mode_reason or 'by an operator'}", False)
        recovering = state is State.DOWN and self._fine_since is not None
        return Standing(state, reason, state is not State.DOWN, recovering)

    def _health(self) -> tuple[State, str]:
        if self._down is not None and not self._recovered():
            return State.DOWN, self._down_reason()
        submits = self._submits.share(self.cfg.min_samples)
        if submits is not None and submits < self.cfg.submit_success_min:
            return State.DEGRADED, f"{submits:.1%} of submits accepted in the window"
        reports = self._reports.share(self.cfg.min_samples)
        if reports is not None and reports < self.cfg.report_success_min:
            return State.DEGRADED, f"{reports:.1%} of reports DELIVRD in the window"
        return State.UP, self._link_detail if self._link_up else ""

    def _recovered(self) -> bool:
        if self._link_up is False or self._fine_since is None:
            return False
        if self._clock() - self._fine_since < self.cfg.up_after_seconds:
            return False
        self._down, self._fine_since, self._errors = None, None, 0
        return True

    def _down_reason(self) -> str:
        assert self._down is not None
        if self._fine_since is None:
            return self._down
        left = self.cfg.up_after_seconds - (self._clock() - self._fine_since)
        return f"{self._down}; fine again, back in {max(left, 0):.0f}s"

    def _go_down(self, reason: str) -> None:
        self._down = reason
        # Errors clear by themselves (nothing is sent to a DOWN channel to prove otherwise):
        # the channel is tried again after the hold time. A link comes back when it is up.
        self._fine_since = None if self._link_up is False else self._clock()
