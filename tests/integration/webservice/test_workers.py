"""``[webservice] workers = 2``: two processes on one port, as one service to a client."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from types import SimpleNamespace
from typing import Any

from hisms.adapters.webservice import runtime
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.engine import app
from hisms.engine.config import DatabaseConfig, Settings

from .conftest import PASSWORDS, envelope, post, wsse_header


class _Counts:
    """Requests counted, by the thread that counted them: the engine's own server thread,
    or the relay of the worker process's counts."""

    def __init__(self) -> None:
        self.by_thread: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.lock = threading.Lock()

    def request(self, operation: str, code: str, seconds: float) -> None:
        with self.lock:
            relayed = threading.current_thread().name == "hisms-ws-counts"
            self.by_thread["worker" if relayed else "engine"] += 1
            self.codes[code] += 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_serve_one_port_with_shared_nonces_and_counts(pg_url: str) -> None:
    port = _free_port()
    cfg = WebServiceConfig(
        enabled=True, host="127.0.0.1", port=port, workers=2,
        clients={"HIS": ClientConfig(password=PASSWORDS["HIS"])},  # type: ignore[arg-type]
    )  # fmt: skip
    settings = Settings(database=DatabaseConfig(url=pg_url), webservice=cfg)  # type: ignore[arg-type]
    counts = _Counts()
    live: Any = SimpleNamespace(url=f"http://127.0.0.1:{port}/")  # what post() needs of a Live
    store = app.store_for(settings)
    try:
        with runtime.running(settings, lambda: app.store_for(settings), counts):  # type: ignore[arg-type]
            # urllib opens a connection a request: the kernel spreads them over both processes
            answers = [
                post(live, envelope(
                    f"<h:SendSms><h:Phone>1380013{n:04d}</h:Phone><h:Content>x</h:Content>"
                    "</h:SendSms>", wsse_header("HIS", PASSWORDS["HIS"]),
                ), "SendSms")
                for n in range(40)
            ]  # fmt: skip
            replayed = envelope(
                "<h:SendSms><h:Phone>13800138000</h:Phone><h:Content>x</h:Content></h:SendSms>",
                wsse_header("HIS", PASSWORDS["HIS"]),
            )
            again = [post(live, replayed, "SendSms") for _ in range(6)]
        assert [status for status, _ in answers] == [200] * 40
        ids = {text.split("<tns:MsgId>")[1].split("<")[0] for _, text in answers}
        assert len(ids) == 40
        # A nonce is accepted once, whichever process each try reached.
        assert [status for status, _ in again] == [200] + [500] * 5
        assert all("Nonce already used (replay)" in text for _, text in again[1:])
        assert sum(store.status_counts().values()) == 41
        # Every request was counted in the engine's metrics, the worker's through its relay.
        assert counts.codes == Counter({"ok": 41, "Client.Authentication": 5})
        assert counts.by_thread["worker"] > 0 and counts.by_thread["engine"] > 0
    finally:
        store.close()
