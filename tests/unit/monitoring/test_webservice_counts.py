"""WebService requests counted by operation and fault code, with label values we chose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hisms.adapters.webservice.faults import envelope
from hisms.monitoring.metrics import Metrics
from hisms.monitoring.webservice import Counted


def _app(status: str, body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(status, [("Content-Type", "text/xml")])
        return [body]

    return app


def _call(app: Any, **environ: str) -> list[bytes]:
    return list(app({"REQUEST_METHOD": "POST", **environ}, lambda *a: None))


def _requests(metrics: Metrics) -> dict[tuple[str, str], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (s.labels["operation"], s.labels["code"]): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "hisms_webservice_requests_total"
    }


def test_requests_are_counted_by_operation_and_fault_code() -> None:
    metrics = Metrics("w1")
    ok = Counted(_app("200 OK", b"<ok/>"), metrics)
    refused = Counted(_app("500 Internal Server Error", envelope("Client.Auth", "no")), metrics)
    assert _call(ok, HTTP_SOAPACTION='"SendSms"') == [b"<ok/>"]
    _call(ok, HTTP_SOAPACTION="urn:hisms/QueryStatus")
    _call(refused, HTTP_SOAPACTION="SendBatch")
    _call(refused, HTTP_SOAPACTION="'; DROP TABLE")  # not ours: no new label value
    list(ok({"REQUEST_METHOD": "GET"}, lambda *a: None))
    assert _requests(metrics) == {
        ("SendSms", "ok"): 1,
        ("QueryStatus", "ok"): 1,
        ("SendBatch", "Client.Auth"): 1,
        ("other", "Client.Auth"): 1,
        ("wsdl", "ok"): 1,
    }
