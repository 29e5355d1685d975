"""Intake through the WebService: SendBatch over real HTTP on 127.0.0.1.

The service runs in this process (waitress threads, as ``hisms run`` serves it)
with a throw-away client account; each writer thread posts raw SOAP envelopes,
as a .NET or Java client of the integration platform would.
"""

from __future__ import annotations

import concurrent.futures
import secrets
import time
import urllib.request
from typing import Any

from pydantic import SecretStr

from hisms.adapters.webservice.server import Server, wsgi_app
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.engine.store import open_store

CLIENT = "BENCH"
_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


def sendbatch(url: str, rows: int, writers: int, batch_size: int) -> dict[str, Any]:
    """Rows/s accepted by SendBatch: ``writers`` clients, ``batch_size`` numbers a request."""
    password = secrets.token_urlsafe(16)
    cfg = WebServiceConfig(clients={CLIENT: ClientConfig(password=SecretStr(password))})
    store = open_store(url, pool_size=writers + 2)
    server = Server(wsgi_app(cfg, store), "127.0.0.1", 0, threads=writers).start()
    requests = [(start, min(batch_size, rows - start)) for start in range(0, rows, batch_size)]
    try:
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            accepted = sum(pool.map(lambda r: _post(server.url, password, *r), requests))
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
        store.close()
    return {
        "benchmark": "intake",
        "via": "sendbatch",
        "database": store.dialect,
        "rows": accepted,
        "writers": writers,
        "batch_size": batch_size,
        "requests": len(requests),
        "seconds": round(elapsed, 3),
        "rows_per_second": round(accepted / elapsed, 1),
    }


def _post(url: str, password: str, start: int, count: int) -> int:
    items = "".join(
        f"<h:BatchItem><h:Phone>139{n:08d}</h:Phone></h:BatchItem>"
        for n in range(start, start + count)
    )
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:hisms:sms:1">
 <soap:Header><wsse:Security
   xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
  <wsse:UsernameToken><wsse:Username>{CLIENT}</wsse:Username>
   <wsse:Password Type="{_TEXT}">{password}</wsse:Password></wsse:UsernameToken>
 </wsse:Security></soap:Header>
 <soap:Body><h:SendBatch><h:Items>{items}</h:Items><h:Content>体检通知：请于周五上午空腹到体检中心。</h:Content>
  <h:BatchRef>BENCH-{start}</h:BatchRef><h:Priority>8</h:Priority></h:SendBatch></soap:Body>
</soap:Envelope>""".encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        text = answer.read().decode()
    return int(text.split("<tns:Accepted>")[1].split("<")[0])
