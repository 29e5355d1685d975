"""The real CLI: `hisms mode show/set`, and `hisms run` serving SOAP and pushing results."""

from __future__ import annotations

import base64
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hisms.adapters.webservice.fakeplatform import FakePlatform
from hisms.adapters.webservice.security import DIGEST, digest
from tests.waiting import wait_until

PASSWORD = "his-secret"


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform().start()
    yield fake
    fake.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def soap_send(port: int) -> str:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    nonce = b"acceptance-nonce"
    body = f"""<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:h="urn:hisms:sms:1"><soap:Header>
 <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
  xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
 <wsse:UsernameToken><wsse:Username>HIS</wsse:Username>
 <wsse:Password Type="{DIGEST}">{digest(nonce, created, PASSWORD)}</wsse:Password>
 <wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>
 </wsse:UsernameToken></wsse:Security></soap:Header>
 <soap:Body><h:SendSms><h:Phone>13800138000</h:Phone><h:Content>检查结果已出</h:Content>
 <h:SourceRef>ACC-1</h:SourceRef></h:SendSms></soap:Body></soap:Envelope>"""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body.encode(), headers={"Content-Type": "text/xml"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.read().decode())


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_mode_switch_and_run_with_the_webservice(
    cli: Any, tmp_path: Path, pg_url: str, platform: FakePlatform
) -> None:
    port = free_port()
    config = cli.write_config(tmp_path / "hisms.toml", pg_url, report_delay=0.01)
    with config.open("a", encoding="utf-8") as f:
        f.write(
            f"[webservice]\nenabled = true\nport = {port}\n"
            f'[webservice.clients.HIS]\npassword = "{PASSWORD}"\n'
            f'[platform]\nenabled = true\nwsdl = "{platform.wsdl}"\nsources = ["HIS"]\n'
            "interval_seconds = 0.1\n"
        )
    assert "no source system uses the platform" in cli.run("mode", "show", config=config).stdout
    assert cli.run("mode", "set", "table", "--source", "HIS", config=config).stdout.strip() == (
        "HIS: table mode"
    )
    shown = cli.run("mode", "show", config=config).stdout
    assert shown.startswith("HIS") and " table " in shown and "set by operator" in shown
    assert cli.run("mode", "set", "platform", config=config).stdout.strip() == "HIS: platform mode"

    engine = cli.spawn("run", config=config)
    try:
        wait_until(lambda: listening(port), 30, "the SOAP service listening")
        answer = soap_send(port)
        msg_id = int(answer.split("<tns:MsgId>")[1].split("<")[0])

        def delivered() -> list[dict[str, Any]]:
            return [
                c.fields
                for c in platform.state.received
                if c.fields["MsgId"] == msg_id and c.fields["StatusName"] == "DELIVERED"
            ]

        wait_until(delivered, 30, "the DELIVERED result pushed to the platform")
        assert delivered()[0]["SourceRef"] == "ACC-1"
    finally:
        engine.send_signal(signal.SIGTERM)
        output, _ = engine.communicate(timeout=30)
    assert engine.returncode == 0, output
    assert PASSWORD not in output
    assert "SOAP service on http://127.0.0.1" in output
