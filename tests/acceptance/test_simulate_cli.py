"""``hisms simulate``: the protocols come from the carrier registry and every level has help."""

from __future__ import annotations

from hisms.carrier.registry import SIMULATORS


def test_simulate_help_lists_the_registry_s_simulators(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "--help")
    assert result.returncode == 0, result.stderr
    for protocol in SIMULATORS:
        assert f"  {protocol} " in result.stdout


def test_each_simulator_has_its_own_help(cli) -> None:  # type: ignore[no-untyped-def]
    for protocol, flag in {"cmpp": "--version", "sgip": "--sp-port"}.items():
        result = cli.run("simulate", protocol, "--help")
        assert result.returncode == 0, result.stderr
        assert flag in result.stdout and "--drop-after" in result.stdout


def test_an_unknown_protocol_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "ucp", check=False)
    assert result.returncode == 2 and "No such command 'ucp'" in result.stderr


def test_the_gateway_s_zone_is_checked(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.run("simulate", "smgp", "--timezone", "Beijing", check=False)
    assert result.returncode == 2 and "unknown time zone 'Beijing'" in result.stderr
    assert "Asia/Shanghai" in cli.run("simulate", "smgp", "--help").stdout


def test_http_simulator_checks_the_signature_the_aggregator_s_way() -> None:
    """``hisms simulate http``: a wrong secret is answered 103 (HTTP 200), the right one
    gets an id and the parts billed per number; an invalid number gets 104."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from hisms.carrier.aggregator.simulator import md5_sign

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hisms", "simulate", "http", "--port", str(port), "--secret", "S"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/sms/send"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "did not listen"
                time.sleep(0.1)

        def send(secret: str, mobile: str) -> dict[str, object]:
            stamp = str(int(time.time() * 1000))
            body = {"account": "hisms", "mobile": mobile, "content": "复诊提醒", "extno": ""}
            body |= {"timestamp": stamp, "sign": md5_sign("hisms", secret, stamp)}
            answer = httpx.post(url, json=body, timeout=5)
            assert answer.status_code == 200
            result: dict[str, object] = answer.json()
            return result

        assert send("wrong", "13800138000")["code"] == "103"
        good = send("S", "13800138000,12345")
        assert good["code"] == "0"
        first, second = good["data"]  # type: ignore[misc]
        assert first["code"] == "0" and first["msgid"] and first["fee"] == 1
        assert second["code"] == "104"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
