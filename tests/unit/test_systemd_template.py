"""The template unit hisms@.service in etc/systemd/: several engines on one host, each with
its own worker id, otherwise run exactly as hisms.service runs one
(docs/ops.md#several-engines-on-one-host)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parents[2] / "etc" / "systemd"
# The lines an instance changes; every other line of [Service] is hisms.service's.
PER_INSTANCE = ("EnvironmentFile=-/etc/hisms/hisms@%i.env", "SyslogIdentifier=hisms@%i")


def _service(name: str) -> list[str]:
    text = (SYSTEMD / name).read_text("utf-8").split("[Service]", 1)[1].split("[Install]")[0]
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_each_instance_has_its_worker_id_and_its_own_settings_after_the_shared_ones() -> None:
    lines = _service("hisms@.service")
    env = next(line for line in lines if line.startswith("Environment="))
    assert "HISMS_ENGINE__WORKER_ID=%H-%i" in env.split()
    files = [line for line in lines if line.startswith("EnvironmentFile=")]
    assert files == ["EnvironmentFile=/etc/hisms/hisms.env", PER_INSTANCE[0]]  # later wins


def test_an_instance_runs_drains_and_restarts_as_the_single_engine_does() -> None:
    single = set(_service("hisms.service"))
    instance = {line for line in _service("hisms@.service") if line not in PER_INSTANCE}
    env = "Environment=HISMS_CONFIG=/etc/hisms/hisms.toml PYTHONUNBUFFERED=1"
    assert instance - single == {f"{env} HISMS_ENGINE__WORKER_ID=%H-%i"}
    assert single - instance == {env, "SyslogIdentifier=hisms"}


def test_systemd_accepts_an_instance(tmp_path: Path) -> None:
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not on this machine")
    text = (SYSTEMD / "hisms@.service").read_text("utf-8")
    unit = text.replace("/opt/hisms/bin/hisms", sys.executable)  # an executable that exists
    (tmp_path / "hisms@.service").write_text(unit, "utf-8")
    checked = subprocess.run(
        [verify, "verify", tmp_path / "hisms@2.service"], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stderr, checked.stderr
