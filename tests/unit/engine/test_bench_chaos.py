"""The chaos run (engine/bench/chaos.py) without running it: its summary (per kind of
fault, the duplicates of its windows beside the bound they were checked against, and a
recovery that never came shown as such whatever the other faults of its kind did), and
the engines' logs kept when a check failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hisms.engine.bench import chaos


def _window(
    kind: str, duplicates: int, bound: int, open_bound: int, recover: float | None
) -> dict[str, Any]:
    return {
        "fault": kind,
        "at_s": 0.0,
        "duplicates": duplicates,
        "bound": bound,
        "bound_with_open_faults": open_bound,
        "recover_s": recover,
    }


def test_each_kind_sums_its_windows_and_their_bounds() -> None:
    faults = [
        _window("kill_engine", 700, 880, 880, 12.0),
        # charged to the next window: the engine killed before it was still recovering
        _window("duplicate_reports", 100, 0, 880, 8.0),
        _window("duplicate_reports", 0, 0, 0, 3.5),
    ]
    kinds = chaos.by_kind(faults)
    assert kinds["duplicate_reports"] == {
        "injected": 2,
        "duplicates": 100,
        "bound_each": 0,
        "bound_windows": 880,
        "recover_s_max": 8.0,
    }
    assert kinds["kill_engine"]["bound_windows"] == 880


def test_a_fault_that_never_recovered_stays_unrecovered_in_its_line() -> None:
    faults = [
        _window("throttle", 0, 0, 0, None),
        _window("throttle", 0, 0, 0, 4.0),  # a later one that did must not hide it
    ]
    assert chaos.by_kind(faults)["throttle"]["recover_s_max"] is None


def test_the_table_prints_both_bounds() -> None:
    faults = [_window("duplicate_reports", 100, 0, 880, 8.0)]
    result: dict[str, Any] = {
        "by_fault": chaos.by_kind(faults),
        "rows": 10,
        "final": 10,
        "delivered": 10,
        "failed": 0,
        "duplicates": 100,
        "within_bounds": True,
        "replies": 0,
        "poisoned_mo_sent": 0,
        "ok": True,
    }
    head, line, _ = chaos.table(result).splitlines()
    assert head.split()[-7:] == ["bound", "each", "bound", "windows", "recover", "s", "(max)"]
    assert line.split() == ["duplicate_reports", "1", "100", "0", "880", "8.0"]


@pytest.mark.parametrize("result", [None, {"ok": False}])
def test_the_logs_of_a_run_that_failed_or_broke_off_are_kept(
    tmp_path: Path, result: dict[str, Any] | None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "engine-0.log").write_text("what happened")
    assert chaos.keep_logs(tmp_path, result) == str(tmp_path)
    assert (tmp_path / "engine-0.log").read_text() == "what happened"
    assert str(tmp_path) in capsys.readouterr().err


def test_the_logs_of_a_run_that_held_are_deleted(tmp_path: Path) -> None:
    logs = tmp_path / "run"
    logs.mkdir()
    (logs / "engine-0.log").write_text("fine")
    assert chaos.keep_logs(logs, {"ok": True}) is None
    assert not logs.exists()
