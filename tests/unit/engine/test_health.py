"""Channel health: DOWN, the hold time before UP again, DEGRADED rates, operators' modes."""

from __future__ import annotations

from hisms.engine.health import ChannelHealth, HealthConfig, Mode, State, WindowShare


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health(**cfg: float) -> tuple[ChannelHealth, Clock]:
    clock = Clock()
    config = HealthConfig(**{"up_after_seconds": 30, "min_samples": 10, **cfg})  # type: ignore[arg-type]
    return ChannelHealth("cm", config, clock), clock


def test_link_loss_is_down_and_up_again_only_after_the_hold_time() -> None:
    h, clock = health()
    h.link(True, "1 of 1 connections up")
    assert h.standing().state is State.UP
    h.link(False, "connection closed by the gateway")
    assert h.standing().state is State.DOWN and not h.standing().takes_new
    h.link(True, "1 of 1 connections up")
    clock.now += 29
    assert h.standing().state is State.DOWN and "back in 1s" in h.standing().reason
    h.link(False, "flap")  # a flap starts the hold time again
    h.link(True, "up")
    clock.now += 29
    assert h.standing().state is State.DOWN
    clock.now += 2
    assert h.standing().state is State.UP


def test_consecutive_submit_errors_make_it_down_and_an_accept_resets_the_count() -> None:
    h, clock = health(down_after_errors=3)
    for _ in range(2):
        h.submitted(False, "timeout")
    h.submitted(True)
    h.submitted(False, "timeout")
    h.submitted(False, "timeout")
    assert h.standing().state is not State.DOWN
    h.submitted(False, "no answer in time")
    assert h.standing().state is State.DOWN
    assert "3 submit errors in a row, last: no answer in time" in h.standing().reason
    clock.now += 31
    assert h.standing().state is not State.DOWN


def test_low_submit_or_report_rates_over_the_window_are_degraded() -> None:
    h, clock = health(down_after_errors=100)
    for i in range(20):
        h.submitted(i % 10 != 0)  # 90% accepted
    standing = h.standing()
    assert standing.state is State.DEGRADED and standing.takes_new
    assert "90.0% of submits accepted" in standing.reason
    clock.now += 301  # the window slides past them
    assert h.standing().state is State.UP
    for i in range(20):
        h.reported(i % 20 != 0)  # 95% delivered < 97%
    assert "95.0% of reports DELIVRD" in h.standing().reason


def test_too_few_samples_make_no_rate() -> None:
    h, _ = health()
    for _ in range(5):
        h.submitted(False)
    assert h.standing().state is State.UP


def test_disabled_and_draining_take_no_new_traffic() -> None:
    h, _ = health()
    h.set_mode(Mode.DISABLED, "maintenance")
    assert h.standing().state is State.DISABLED and not h.standing().takes_new
    h.set_mode(Mode.DRAINING, "")
    assert h.standing().state is State.UP and not h.standing().takes_new
    assert "draining" in h.standing().reason
    h.set_mode(Mode.ENABLED, "")
    assert h.standing().takes_new


def test_no_word_from_any_link_is_not_down() -> None:
    """A standby engine (engine.share_limits: other engines hold every connection) opens no
    link, so its carrier never sends a ChannelState."""
    h, clock = health()
    clock.now += 3600
    assert h.standing().state is State.UP and h.standing().takes_new


def test_a_standby_engine_is_not_down_and_leaves_the_traffic_to_the_engines_with_links() -> None:
    h, clock = health()
    h.link(True, "1 of 1 connections up")
    h.link(False, "connection closed by the gateway")
    h.standby(True)  # its slot went to another engine: what its link said is old news
    standing = h.standing()
    assert standing.state is State.UP and not standing.takes_new
    assert "standby" in standing.reason
    clock.now += 3600
    assert h.standing().state is State.UP
    h.standby(False)  # a slot again: sends as soon as its link is asked to
    assert h.standing().state is State.UP and h.standing().takes_new
    h.link(False, "connection refused")
    assert h.standing().state is State.DOWN


def test_a_disabled_channel_stays_disabled_on_standby() -> None:
    h, _ = health()
    h.set_mode(Mode.DISABLED, "maintenance")
    h.standby(True)
    assert h.standing().state is State.DISABLED


def test_the_window_keeps_counts_per_second_not_every_event() -> None:
    clock = Clock()
    share = WindowShare(300, clock)
    for i in range(100_000):  # 10,000 submits a second for ten seconds
        clock.now = 1000 + i / 10_000
        share.add(i % 100 != 0)
    assert share.seconds_kept() == 10
    assert share.share(10) == 0.99
    clock.now = 1000 + 300.5  # part of the first second is still in the window
    assert share.share(10) is not None and share.seconds_kept() == 10
    clock.now = 1000 + 301  # now all of it is older
    assert share.share(10) is not None and share.seconds_kept() == 9
    clock.now = 1000 + 311
    assert share.share(1) is None and share.seconds_kept() == 0
