"""The return to platform mode: only after probes answered for the whole configured time."""

from __future__ import annotations

from typing import Any

from hisms.adapters.webservice.comeback import Comeback
from hisms.adapters.webservice.settings import PlatformConfig


class Modes:
    """The two store calls the comeback uses, over a dict."""

    def __init__(self, **rows: tuple[str, str]) -> None:
        self.rows = rows  # source -> (mode, reason)

    def source_modes(self) -> list[dict[str, Any]]:
        return [
            {"source_system": s, "mode": m, "reason": r, "unpushed": 3}
            for s, (m, r) in self.rows.items()
        ]

    def set_mode(self, mode: str, sources: list[str], actor: str, reason: str) -> list[str]:
        self.rows |= {s: (mode, reason) for s in sources}
        return sources


def test_switches_back_only_what_it_switched_after_answers_for_the_whole_time() -> None:
    store = Modes(HIS=("table", "auto: 5 consecutive push failures"), CV=("table", "by ops"))
    now, answers = [0.0], [True]
    cfg = PlatformConfig(auto_return=True, return_after_seconds=10)
    comeback = Comeback(cfg, store, "w", probe=lambda: answers[0], clock=lambda: now[0])  # type: ignore[arg-type]
    for at, answering, switched in [
        (0, True, []), (6, False, []), (7, True, []), (16, True, []), (17, True, ["HIS"]),
    ]:  # fmt: skip
        now[0], answers[0] = at, answering
        assert comeback.run_once() == switched, at
    assert store.rows["HIS"][0] == "platform" and store.rows["CV"] == ("table", "by ops")


def test_nothing_is_probed_while_no_source_waits() -> None:
    probed = []
    cfg = PlatformConfig(auto_return=True, return_after_seconds=0)
    store = Modes(HIS=("platform", "configured"), CV=("table", "by ops"))
    comeback = Comeback(cfg, store, "w", probe=lambda: probed.append(1) or True)  # type: ignore[arg-type]
    assert comeback.run_once() == [] and not probed
