"""The real CLI: `hisms run` with [api] serving a signed send that reaches DELIVERED
through the CMPP simulator (`hisms simulate cmpp`), the secret from the environment."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from hisms.adapters.api import signing
from tests.waiting import wait_until

HISMS = [sys.executable, "-m", "hisms"]
ACCOUNT, SECRET, SRC = "901234", "sim-secret", "10690123"
API_SECRET = "api-secret-from-env"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def started(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen([*HISMS, *args], stdout=out, stderr=subprocess.STDOUT, env=env)


def logged(log: Path, pattern: str) -> re.Match[str] | None:
    return re.search(pattern, log.read_text("utf-8"))


def stopped(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM if proc.poll() is None else 0)
    return proc.wait(timeout=60)


def test_run_serves_a_signed_send_that_is_delivered(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HISMS_API__CALLERS__HIS__SECRET": API_SECRET}
    sim_log, engine_log = tmp_path / "simulator.log", tmp_path / "engine.log"
    sim = started(["simulate", "cmpp", "--port", "0", "--account", ACCOUNT, "--secret", SECRET,
                   "--report-delay", "0.05"], sim_log, env)  # fmt: skip
    engine = None
    try:
        wait_until(lambda: logged(sim_log, r"simulator on 127\.0\.0\.1:(\d+)"), 30, "simulator")
        sim_port = int(logged(sim_log, r"simulator on 127\.0\.0\.1:(\d+)").group(1))  # type: ignore[union-attr]
        port = free_port()
        config = tmp_path / "hisms.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "hisms.db"}"\n'
            "[engine]\npoll_min_seconds = 0.02\npoll_max_seconds = 0.2\n"
            "writeback_every_seconds = 0.05\n"
            '[validation]\ndefault_signature = "测试医院"\n'
            f'[[channels]]\nname = "cmcc"\nprotocol = "cmpp"\nhost = "127.0.0.1"\n'
            f'port = {sim_port}\nsource_addr = "{ACCOUNT}"\nsecret = "{SECRET}"\n'
            f'src_number = "{SRC}"\n'
            f"[monitoring]\nenabled = false\nport = {port}\n"
            "[alarms]\nenabled = false\n"
            "[api]\nenabled = true\n"
            '[api.callers.HIS]\nkey = "his-key-0001"\nsecret = "placeholder"\n',
            "utf-8",
        )
        subprocess.run([*HISMS, "--config", str(config), "db", "init"], check=True, env=env,
                       capture_output=True)  # fmt: skip
        engine = started(["--config", str(config), "run"], engine_log, env)
        wait_until(lambda: logged(engine_log, r"JSON API under /api/v1"), 30, "the API")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as http:
            wait_until(lambda: _answers(http), 30, "the API listening")
            body = json.dumps({"phone": "13800138000", "content": "检查结果已出",
                               "source_ref": "ACC-API-1"}, ensure_ascii=False).encode()  # fmt: skip
            headers = _signed("POST", "/api/v1/messages", body)
            headers["content-type"] = "application/json"
            sent = http.post("/api/v1/messages", content=body, headers=headers)
            assert sent.status_code == 200, sent.text

            def status() -> str:
                target = "/api/v1/messages/by-ref/HIS/ACC-API-1"
                answer = http.get(target, headers=_signed("GET", target, b"")).json()
                return str(answer["status_name"])

            wait_until(lambda: status() == "DELIVERED", 30, "the message DELIVERED")
    finally:
        codes = [stopped(p) for p in (engine, sim) if p is not None]
    output = engine_log.read_text("utf-8")
    assert codes[0] == 0, output
    assert API_SECRET not in output and "13800138000" not in output


def _signed(method: str, target: str, body: bytes) -> dict[str, str]:
    return signing.sign(signing.Algorithm.HMAC_SM3, "his-key-0001", API_SECRET, method, target,
                        body)  # fmt: skip


def _answers(http: httpx.Client) -> bool:
    try:
        return http.get("/api/v1/openapi.json").status_code == 200
    except httpx.TransportError:
        return False
