"""Counting WebService requests: WSGI middleware in front of the guard.

Each request is counted by operation and by its answer: ``ok``, or the SOAP fault
code (``Client.Auth``, ``Server.Database``...), read from the (small) fault body.
The operation comes from the SOAPAction header, kept only when it names one of ours:
a caller must not be able to invent label values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from hisms.adapters.webservice.guard import Wsgi

OPERATIONS = frozenset({"SendSms", "SendBatch", "QueryStatus", "QueryReplies", "CancelSms"})
_FAULT = re.compile(rb"<(?:[\w.-]+:)?faultcode>\s*(?:[\w.-]+:)?([\w.]{1,64})\s*</")


class Counting(Protocol):
    """Where requests are counted: :class:`~hisms.monitoring.metrics.Metrics`, or a worker
    process's relay to the engine's."""

    def request(self, operation: str, code: str, seconds: float) -> None: ...


class Counted:
    def __init__(self, app: Wsgi, metrics: Counting) -> None:
        self._app = app
        self._metrics = metrics

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def start(line: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            status.append(line)
            return start_response(line, headers, *exc_info)

        body = list(self._app(environ, start))  # answers are small; buffered to read a fault
        code = "ok" if status and status[0].startswith("2") else _fault(body)
        seconds = time.perf_counter() - started
        self._metrics.request(operation(environ), code, seconds)
        return body


def operation(environ: dict[str, Any]) -> str:
    if environ.get("REQUEST_METHOD") != "POST":
        return "wsdl"
    action = environ.get("HTTP_SOAPACTION", "").strip('"').rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return action if action in OPERATIONS else "other"


def _fault(body: list[bytes]) -> str:
    match = _FAULT.search(b"".join(body)[:4096])
    return match[1].decode("ascii") if match else "http_error"
