"""An operator's path to a cloud SMS channel, all real commands: ``hisms simulate aliyun``
(or ``tencent``) pushing to the engine, ``hisms db init``, ``hisms template add``,
``hisms run`` with the channel, ``hisms send`` with a template and without; both rows end
DELIVERED by the pushed reports, the template sent as the provider's template."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_until

HISMS = [sys.executable, "-m", "hisms"]
KEY, SECRET = "cli-key", "cli-secret"
CHANNELS = {
    "aliyun": (
        ["--access-key-id", KEY, "--template", "SMS_TEXT=${content}",
         "--template", "SMS_FZ=${patient}您好，请于${time}复诊"],
        'templates = { FZ = "SMS_FZ" }\ntext_template = "SMS_TEXT"',
    ),
    "tencent": (
        ["--secret-id", KEY, "--template", "100000={1}",
         "--template", "200000={1}您好，请于{2}复诊"],
        'templates = { FZ = { code = "200000", params = ["patient", "time"] } }\n'
        'text_template = "100000"\napp_id = "1400000000"',
    ),
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


@pytest.mark.parametrize("provider", sorted(CHANNELS))
def test_a_cloud_channel_from_the_command_line(
    provider: str, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    sim_port, engine_port = _free_port(), _free_port()
    hooks = f"http://127.0.0.1:{engine_port}/callbacks/cloud"
    flags, options = CHANNELS[provider]
    with (tmp_path / "sim.log").open("w") as log:
        procs.append(
            subprocess.Popen(
                [*HISMS, "simulate", provider, "--port", str(sim_port), *flags, "--secret",
                 SECRET, "--sign", "测试医院", "--report-delay", "0.1", "--report-url",
                 f"{hooks}/report", "--mo-url", f"{hooks}/mo"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    db = tmp_path / "hisms.db"
    config = tmp_path / "hisms.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        '[validation]\ndefault_signature = "测试医院"\n'
        f"[monitoring]\nport = {engine_port}\n[alarms]\nenabled = false\n"
        f'[[channels]]\nname = "cloud"\nprotocol = "{provider}"\nkey = "{KEY}"\n'
        f'scheme = "http"\nendpoint = "127.0.0.1:{sim_port}"\n{options}\n',
        "utf-8",
    )
    env = {**os.environ, "HISMS_CHANNELS__CLOUD__SECRET": SECRET, "PYTHONUNBUFFERED": "1"}

    def hisms(*args: str) -> str:
        done = subprocess.run(
            [*HISMS, "--config", str(config), *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    hisms("db", "init")
    hisms("template", "add", "FZ", "{patient}您好，请于{time}复诊", "--approved")
    with (tmp_path / "engine.log").open("w") as engine_log:
        procs.append(
            subprocess.Popen(
                [*HISMS, "--config", str(config), "run"], env=env, stdout=engine_log,
                stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    wait_until(lambda: _listening(sim_port) and _listening(engine_port), 30, "both listening")
    hisms("send", "--phone", "13800138000", "--template", "FZ", "--param", "patient=张三",
          "--param", "time=周五")  # fmt: skip
    hisms("send", "--phone", "13800138001", "--content", "您的检验报告已出")

    def rows() -> list[tuple[int, str, str]]:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT status, report_stat, carrier_msg_id FROM sms_outbox ORDER BY id"
            ).fetchall()

    wait_until(
        lambda: [r[0] for r in rows()] == [3, 3],
        60,
        "both rows DELIVERED",
        lambda: (rows(), (tmp_path / "engine.log").read_text()[-2000:]),
    )
    assert all(stat == "DELIVRD" and msg_id for _, stat, msg_id in rows())
