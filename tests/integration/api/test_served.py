"""The API served by uvicorn on 127.0.0.1: replay across engines, streamed batches, TLS."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hisms.adapters.http.server import Tls
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

from .conftest import Served

Serve = Callable[..., Served]
TEXT = "【示例医院】流感疫苗已到，请预约接种。"


def test_a_replayed_nonce_is_refused_by_a_second_engine(db_url: str, serve: Serve) -> None:
    """Two engines (two apps, two stores) on one database: the nonce is taken once."""
    first_store, second_store = open_store(db_url), open_store(db_url)
    try:
        first, second = serve(first_store).client(), serve(second_store).client()
        body = b'{"phone": "13800138000", "content": "\xe3\x80\x90H\xe3\x80\x91x"}'
        headers = first.headers("POST", "/api/v1/messages", body)
        headers["content-type"] = "application/json"
        assert first.http.post("/api/v1/messages", content=body, headers=headers).is_success
        replayed = second.http.post("/api/v1/messages", content=body, headers=headers)
        assert replayed.status_code == 401
        assert replayed.json() == {
            "code": "Client.Authentication",
            "message": "X-Hisms-Nonce already used (replay)",
        }
        assert first_store.status_counts()["PENDING"] == 1
    finally:
        first_store.close()
        second_store.close()


@pytest.fixture
def store(sqlite_url: str) -> Store:
    s = open_store(sqlite_url, pool_size=4)
    yield s  # type: ignore[misc]
    s.close()


def test_a_batch_is_streamed_in_and_a_repeat_adds_nothing(store: Store, serve: Serve) -> None:
    client = serve(store).client("ESB")
    numbers = [{"phone": f"139{i:08d}"} for i in range(20_000)]
    lines = [{"source_system": "LIS", "batch_ref": "FLU-1", "content": TEXT}, *numbers]
    answer = client.batch(lines, chunked=True).json()
    assert (answer["total"], answer["accepted"]) == (20_000, 20_000)
    again = client.batch(lines, chunked=True).json()
    assert again == {**answer, "accepted": 0}
    status = client.call("GET", "/messages/by-ref/LIS/FLU-1%2320000").json()
    assert (status["phone"], status["batch_id"]) == ("13900019999", answer["batch_id"])


def test_a_bad_number_anywhere_in_a_batch_writes_nothing(store: Store, serve: Serve) -> None:
    client = serve(store).client()
    lines = [{"content": TEXT}, *({"phone": f"139{i:08d}"} for i in range(5000)), {"phone": "1"}]
    response = client.batch(lines, chunked=True)
    assert (response.status_code, response.json()["code"]) == (400, "Client.InvalidPhone")
    assert "Items[5001].Phone" in response.json()["message"]
    assert store.status_counts().get("PENDING", 0) == 0


def test_a_streamed_batch_with_a_bad_signature_writes_nothing(store: Store, serve: Serve) -> None:
    client = serve(store).client()
    raw = b'{"content": "\xe3\x80\x90H\xe3\x80\x91x"}\n{"phone": "13800138000"}\n'
    headers = client.headers("POST", "/api/v1/batches", raw + b"tampered")
    response = client.http.post("/api/v1/batches", content=raw, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "Client.Authentication")
    assert store.status_counts().get("PENDING", 0) == 0


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all by openssl."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make test certificates"
    names = ("ca.pem", "ca.key", "srv.pem", "srv.key", "cli.pem", "cli.key", "srv.csr", "cli.csr")
    files = {n: str(tmp_path / n) for n in names}

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
        "-keyout", files["ca.key"], "-out", files["ca.pem"])  # fmt: skip
    for who, subject in (("srv", "/CN=127.0.0.1"), ("cli", "/CN=his")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout",
            files[f"{who}.key"], "-out", files[f"{who}.csr"])  # fmt: skip
        ext = tmp_path / f"{who}.ext"
        ext.write_text("subjectAltName=IP:127.0.0.1\n")
        run("x509", "-req", "-in", files[f"{who}.csr"], "-CA", files["ca.pem"], "-CAkey",
            files["ca.key"], "-CAcreateserial", "-days", "1", "-extfile", str(ext), "-out",
            files[f"{who}.pem"])  # fmt: skip
    return files


def test_mutual_tls_refuses_a_client_without_a_certificate(
    store: Store, serve: Serve, pki: dict[str, str]
) -> None:
    served = serve(store, tls=Tls(pki["srv.pem"], pki["srv.key"], pki["ca.pem"]))
    assert served.server.url.startswith("https://")
    trusted = ssl.create_default_context(cafile=pki["ca.pem"])
    with pytest.raises(httpx.HTTPError):
        served.client(verify=trusted).call("GET", "/replies")
    trusted.load_cert_chain(pki["cli.pem"], pki["cli.key"])
    response = served.client(verify=trusted).call("GET", "/replies")
    assert response.json() == {"replies": [], "next_cursor": 0}


@pytest.mark.parametrize("algorithm", ["HMAC-SHA256", "HMAC-SM3"])
def test_the_documented_curl_example_is_accepted(
    store: Store, serve: Serve, algorithm: str
) -> None:
    if not (shutil.which("curl") and shutil.which("openssl")):
        pytest.skip("curl and openssl are needed")
    caller = {"key": "esb-0f3a9c51", "secret": "change-me", "algorithm": algorithm}
    served = serve(store, ESB=caller)
    doc = (Path(__file__).parents[3] / "docs" / "integration.md").read_text("utf-8")
    script = re.search(r"```sh\n(KEY=.*?)```", doc, re.S)
    assert script, "docs/integration.md has no curl example"
    shell = script[1].replace("127.0.0.1:9108", f"127.0.0.1:{served.server.port}")
    if algorithm == "HMAC-SM3":
        shell = shell.replace("-sha256", "-sm3")
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == {"msg_id": 1}
