"""Intake through the WebService: SendSms and SendBatch over real HTTP on 127.0.0.1.

The service runs in a child process (waitress threads, as ``hisms run`` serves it)
with a throw-away client account, so its CPU seconds and memory are its own: the
clients, in this process, post raw SOAP envelopes as a .NET or Java client of the
integration platform would (SendSms on kept-alive connections).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import multiprocessing
import os
import secrets
import time
import urllib.parse
from multiprocessing.connection import Connection
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from hisms.adapters.webservice.server import serve
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.adapters.webservice.workers import Workers, batch_semaphore
from hisms.engine import app
from hisms.engine.config import DatabaseConfig, Settings

CLIENT = "BENCH"
_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
_CONTENT = "体检通知：请于周五上午空腹到体检中心。"


def sendbatch(
    url: str, rows: int, writers: int, batch_size: int, workers: int = 1
) -> dict[str, Any]:
    """Rows/s accepted by SendBatch: ``writers`` clients, ``batch_size`` numbers a request;
    the server's CPU seconds, peak RSS and RSS once the last answer is in."""
    requests = [(start, min(batch_size, rows - start)) for start in range(0, rows, batch_size)]
    with _Service(url, writers, workers) as service, _Database(url) as database:
        before = service.usage()
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            answers = pool.map(lambda r: _batch(service.url, service.password, *r), requests)
            accepted = sum(answers)
        elapsed = time.perf_counter() - started
        after = service.usage()
        database_figures = database.figures(len(requests))
    return {
        "benchmark": "intake",
        "via": "sendbatch",
        "database": service.dialect,
        "rows": accepted,
        "writers": writers,
        "workers": workers,
        "batch_size": batch_size,
        "requests": len(requests),
        "seconds": round(elapsed, 3),
        "rows_per_second": round(accepted / elapsed, 1),
        **_server_figures(before, after, len(requests)),
        **database_figures,
    }


def sendsms(url: str, requests: int, writers: int, workers: int = 1) -> dict[str, Any]:
    """SendSms requests/s: ``writers`` clients, each on one kept-alive connection, to
    ``workers`` server processes."""
    shares = [requests // writers + (i < requests % writers) for i in range(writers)]
    with _Service(url, writers, workers) as service, _Database(url) as database:
        before = service.usage()
        client = time.process_time()
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            sent = sum(pool.map(lambda n: _sms(service.url, service.password, n), shares))
        elapsed = time.perf_counter() - started
        client = time.process_time() - client
        after = service.usage()
        database_figures = database.figures(requests)
    return {
        "benchmark": "intake",
        "via": "sendsms",
        "database": service.dialect,
        "rows": sent,
        "writers": writers,
        "workers": workers,
        "requests": requests,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(sent / elapsed, 1),
        "requests_per_second": round(sent / elapsed, 1),
        **_server_figures(before, after, requests),
        "client_cpu_ms_per_request": round(1000 * client / requests, 3),
        **database_figures,
    }


def _server_figures(
    before: dict[str, float], after: dict[str, float], requests: int
) -> dict[str, Any]:
    cpu = after["cpu_seconds"] - before["cpu_seconds"]
    return {
        "server_cpu_seconds": round(cpu, 3),
        "server_cpu_ms_per_request": round(1000 * cpu / requests, 3),
        "server_rss_before_mb": before["rss_mb"],  # the largest worker's, with several
        "server_peak_rss_mb": after["peak_rss_mb"],
        "server_rss_after_mb": after["rss_mb"],
    }


class _Database:
    """CPU seconds of PostgreSQL's backends for the bench's database (a server on this
    machine; None elsewhere), from the ``with`` to :meth:`figures`."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self._url = (
            parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            if parsed.get_backend_name() == "postgresql"
            else None
        )

    def __enter__(self) -> _Database:
        # Imported here: the server's process imports this module, and its RSS is a figure.
        import psycopg

        from hisms.engine.bench.e2e import _backends_cpu

        self._cpu = _backends_cpu
        if self._url is not None:
            self._conn = psycopg.connect(self._url, autocommit=True)
            self._since = self._cpu(self._conn)
        return self

    def figures(self, requests: int) -> dict[str, Any]:
        cpu = self._cpu(self._conn, self._since) if self._url is not None else None
        return {
            "database_cpu_seconds": None if cpu is None else round(cpu, 3),
            "database_cpu_ms_per_request": None if cpu is None else round(1000 * cpu / requests, 3),
        }

    def __exit__(self, *exc: object) -> None:
        if self._url is not None:
            self._conn.close()


class _Service:
    """The WebService in a spawned child process (and its ``workers - 1`` worker processes),
    for the duration of a ``with``."""

    def __init__(self, url: str, writers: int, workers: int = 1) -> None:
        self.password = secrets.token_urlsafe(16)
        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        args = (url, self.password, writers, workers, child)
        self._process = ctx.Process(target=_serve, args=args, name="hisms-bench-soap")

    def __enter__(self) -> _Service:
        self._process.start()
        self.url, self.dialect = self._pipe.recv()
        return self

    def usage(self) -> dict[str, float]:
        self._pipe.send("usage")
        answer: dict[str, float] = self._pipe.recv()
        return answer

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=30)


def _serve(url: str, password: str, writers: int, workers: int, pipe: Connection) -> None:
    """Serve as ``hisms run`` does with ``[webservice] workers = workers``."""
    cfg = WebServiceConfig(
        host="127.0.0.1", port=0, threads=writers, workers=workers,
        clients={CLIENT: ClientConfig(password=SecretStr(password))},
    )  # fmt: skip
    settings = Settings(
        database=DatabaseConfig(url=SecretStr(url), pool_size=writers + 2), webservice=cfg
    )
    store = app.store_for(settings)
    slots = batch_semaphore(cfg.max_concurrent_batches) if workers > 1 else None
    server = serve(cfg, store, None, slots)
    more = Workers(settings, server.port, workers - 1, slots, None) if slots else None
    pids = [os.getpid()]
    if more is not None:
        pids += [p.pid for p in more.start().processes if p.pid is not None]
    pipe.send((server.url, store.dialect))
    try:
        while pipe.recv() == "usage":
            pipe.send(_usage(pids))
    finally:
        if more is not None:
            more.stop()
        server.stop()
        store.close()


def _usage(pids: list[int]) -> dict[str, float]:
    """The processes' CPU seconds (all threads, summed), and the largest one's peak and
    current RSS (Linux's /proc: the bench's platform)."""
    cpu = peak = rss = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/status") as status:
            kb = dict(line.split(":", 1) for line in status)
        peak = max(peak, int(kb["VmHWM"].split()[0]) / 1024)  # kB
        rss = max(rss, int(kb["VmRSS"].split()[0]) / 1024)
    return {"cpu_seconds": cpu, "peak_rss_mb": round(peak, 1), "rss_mb": round(rss, 1)}


def _envelope(password: str, body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:hisms:sms:1">
 <soap:Header><wsse:Security
   xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
  <wsse:UsernameToken><wsse:Username>{CLIENT}</wsse:Username>
   <wsse:Password Type="{_TEXT}">{password}</wsse:Password></wsse:UsernameToken>
 </wsse:Security></soap:Header>
 <soap:Body>{body}</soap:Body>
</soap:Envelope>""".encode()


_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def _batch(url: str, password: str, start: int, count: int) -> int:
    items = "".join(
        f"<h:BatchItem><h:Phone>139{n:08d}</h:Phone></h:BatchItem>"
        for n in range(start, start + count)
    )
    body = _envelope(
        password,
        f"<h:SendBatch><h:Items>{items}</h:Items><h:Content>{_CONTENT}</h:Content>"
        f"<h:BatchRef>BENCH-{start}</h:BatchRef><h:Priority>8</h:Priority></h:SendBatch>",
    )
    del items
    connection = _connect(url)
    try:
        text = _post(connection, body, 600).decode()
    finally:
        connection.close()
    return int(text.split("<tns:Accepted>")[1].split("<")[0])


def _sms(url: str, password: str, count: int) -> int:
    """``count`` SendSms on one connection (no SourceRef: each one a new row)."""
    body = _envelope(
        password,
        f"<h:SendSms><h:Phone>13912345678</h:Phone><h:Content>{_CONTENT}</h:Content>"
        "<h:Priority>8</h:Priority></h:SendSms>",
    )
    connection = _connect(url)
    try:
        for _ in range(count):
            if b"<tns:MsgId>" not in _post(connection, body, 60):
                raise RuntimeError("SendSms was not answered with a MsgId")
    finally:
        connection.close()
    return count


def _connect(url: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)


def _post(connection: http.client.HTTPConnection, body: bytes, timeout: float) -> bytes:
    connection.timeout = timeout
    connection.request("POST", "/", body=body, headers=_HEADERS)
    answer = connection.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise RuntimeError(f"HTTP {answer.status}: {data[:500]!r}")
    return data
