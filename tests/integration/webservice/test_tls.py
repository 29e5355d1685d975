"""HTTPS when a certificate is configured (cheroot: waitress has no TLS of its own)."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest

from hisms.adapters.webservice.server import serve
from hisms.engine.store import open_store

from .conftest import config, envelope, wsse_header


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make a test certificate"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_send_over_https(pg_url: str, certificate: tuple[str, str]) -> None:
    cert, key = certificate
    store = open_store(pg_url)
    server = serve(config(port=0, tls_certfile=cert, tls_keyfile=key), store)
    try:
        assert server.url.startswith("https://")
        body = envelope(
            "<h:SendSms><h:Phone>13800138000</h:Phone><h:Content>x</h:Content></h:SendSms>",
            wsse_header("HIS", "his-secret"),
        )
        request = urllib.request.Request(
            server.url, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}
        )
        context = ssl.create_default_context(cafile=cert)
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            assert answer.status == 200
            msg_id = re.search(rb"<tns:MsgId>(\d+)</tns:MsgId>", answer.read())
        assert msg_id and store.get_message(int(msg_id[1])) is not None
    finally:
        server.stop()
        store.close()
