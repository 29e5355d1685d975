"""spyne as the service loads it: no forced full garbage collection after requests."""

from __future__ import annotations

import gc

from spyne import MethodContext
from spyne.server.wsgi import WsgiApplication

from hisms.adapters.webservice import service


def test_closing_a_request_does_not_collect_garbage(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    transport = WsgiApplication(service.application())
    for _ in range(3):
        MethodContext(transport, MethodContext.SERVER).close()
    assert collected == []
