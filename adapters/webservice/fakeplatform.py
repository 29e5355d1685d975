"""A fake hospital integration platform: the SOAP service results are pushed to.

It records every call it receives and can be told to fail, for tests and the
demo: ``python -m hisms.adapters.webservice.fakeplatform --port 8099``.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spyne import Application, DateTime, Integer, Long, MethodContext, ServiceBase, Unicode, rpc
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from hisms.adapters.webservice import spyne_compat  # noqa: F401 - patches on import
from hisms.adapters.webservice.server import Server

NS = "urn:hisms:platform:1"
STATE = "hisms.fake_platform"


@dataclass
class Received:
    operation: str
    fields: dict[str, Any]


@dataclass
class PlatformState:
    received: list[Received] = field(default_factory=list)
    failing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, fields: dict[str, Any]) -> str:
        with self.lock:
            if self.failing:
                raise Fault("Server.Unavailable", "integration platform is down (told to fail)")
            self.received.append(Received(operation, fields))
        return "OK"


def _state(ctx: MethodContext) -> PlatformState:
    state: PlatformState = ctx.transport.req_env[STATE]
    return state


class PlatformService(ServiceBase):
    @rpc(
        Long, Long, Unicode, Unicode, Integer, Unicode, Unicode, Unicode, Unicode, DateTime,
        _returns=Unicode,
    )  # fmt: skip
    def ReceiveSmsResult(ctx: MethodContext, EventId: int | None, MsgId: int | None,
                         SourceSystem: str | None, SourceRef: str | None, Status: int | None,
                         StatusName: str | None, ReportStat: str | None, ErrorCode: str | None,
                         ErrorText: str | None, EventAt: datetime | None) -> str:  # fmt: skip
        """A message's status changed (submitted, delivered, failed, rejected, ...)."""
        fields = dict(
            EventId=EventId, MsgId=MsgId, SourceSystem=SourceSystem, SourceRef=SourceRef,
            Status=Status, StatusName=StatusName, ReportStat=ReportStat, ErrorCode=ErrorCode,
            ErrorText=ErrorText, EventAt=EventAt,
        )  # fmt: skip
        return _state(ctx).record("ReceiveSmsResult", fields)

    @rpc(
        Long, Long, Long, Unicode, Unicode, Unicode, Unicode, Unicode, DateTime,
        _returns=Unicode,
    )  # fmt: skip
    def ReceiveSmsReply(ctx: MethodContext, EventId: int | None, ReplyId: int | None,
                        MsgId: int | None, SourceSystem: str | None, SourceRef: str | None,
                        Phone: str | None, Content: str | None, ServiceNumber: str | None,
                        ReceivedAt: datetime | None) -> str:  # fmt: skip
        """A patient replied (MO)."""
        fields = dict(
            EventId=EventId, ReplyId=ReplyId, MsgId=MsgId, SourceSystem=SourceSystem,
            SourceRef=SourceRef, Phone=Phone, Content=Content, ServiceNumber=ServiceNumber,
            ReceivedAt=ReceivedAt,
        )  # fmt: skip
        return _state(ctx).record("ReceiveSmsReply", fields)


class FakePlatform:
    """The fake platform on 127.0.0.1 (port 0 = a free port) with its recorded calls."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = PlatformState()
        app = Application(
            [PlatformService], tns=NS, name="FakePlatform", in_protocol=Soap11(),
            out_protocol=Soap11(),
        )  # fmt: skip
        spyne_app = WsgiApplication(app)

        def bound(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            environ[STATE] = self.state
            return spyne_app(environ, start_response)

        self.server = Server(bound, host, port, threads=4)

    @property
    def wsdl(self) -> str:
        return f"{self.server.url}?wsdl"

    def start(self) -> FakePlatform:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    platform = FakePlatform(args.host, args.port).start()
    print(f"fake integration platform: WSDL at {platform.wsdl}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(1)
            for call in platform.state.received[seen:]:
                print(call.operation, call.fields, flush=True)
            seen = len(platform.state.received)
    except KeyboardInterrupt:
        platform.stop()


if __name__ == "__main__":
    main()
