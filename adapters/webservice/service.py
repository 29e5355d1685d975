"""The spyne SOAP service: operations that turn SOAP values into :mod:`intake` calls.

The :class:`~hisms.adapters.webservice.guard.Guard` in front has already
authenticated the caller; it and the store reach operations through the WSGI
environ, so one spyne Application serves any store. Operation and element names
are CamelCase because they are the published contract.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from spyne import (
    Application,
    Array,
    DateTime,
    Integer,
    Long,
    MethodContext,
    ServiceBase,
    Unicode,
    rpc,
)
from spyne.model.fault import Fault
from spyne.protocol.soap import Soap11

from hisms.adapters.webservice import intake
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.guard import CALLER
from hisms.adapters.webservice.logs import masked
from hisms.adapters.webservice.security import Caller
from hisms.adapters.webservice.types import (
    NS,
    BatchItem,
    BatchResult,
    CancelResult,
    MessageStatus,
    RepliesResult,
    Reply,
    Required,
    SendResult,
)
from hisms.engine.store.base import NewMessage, Store, StoreError

log = logging.getLogger(__name__)

STORE = "hisms.store"
SETTINGS = "hisms.webservice"  # the WebServiceConfig
GROUPED = "hisms.grouped"  # the Grouped writer of SendSms rows


class Answered(Fault):
    """A Fault already logged by :func:`_call`."""


def _call(ctx: Any, operation: Callable[..., Any], *args: Any) -> Any:
    env = ctx.transport.req_env
    return call(ctx.method_name, env[STORE], env[CALLER], operation, *args)


def call(
    method: str, store: Store, caller: Caller, operation: Callable[..., Any], *args: Any
) -> Any:
    """Run an intake operation as the authenticated caller; refusals become Faults.

    Each outcome is logged here, masked: spyne's own log is silenced (``logs``).
    """
    name = f"{method} for {caller.name}"
    try:
        return operation(store, caller, *args)
    except Refused as refused:
        log.info("%s refused: %s", name, masked(refused.text))
        raise Answered(refused.code, refused.text) from None
    except StoreError as exc:
        log.error("%s failed: database error: %s", name, masked(str(exc)))
        raise Answered("Server.Database", f"database error, nothing was accepted: {exc}") from None
    except Exception as exc:
        log.error("%s failed: %s", name, masked("".join(traceback.format_exception(exc))))
        raise Answered("Server", "internal error; see the server log") from None


def log_fault(ctx: Any) -> None:
    """spyne's ``wsgi_exception`` event: one line for a Fault spyne raised itself.

    Its faultstring can quote the request (``Could not cast '138...' to integer``):
    only the code is logged.
    """
    error = ctx.in_error or ctx.out_error
    if isinstance(error, Answered):
        return
    caller = ctx.transport.req_env.get(CALLER)
    who = f"{ctx.method_name or 'request'} for {caller.name if caller else '?'}"
    code = str(error.faultcode)
    level = logging.INFO if code.startswith("Client") else logging.ERROR
    log.log(level, "%s: spyne answered %s (its faultstring is not logged)", who, code)


def _message(phone: str | None, content: str | None, **fields: Any) -> NewMessage:
    """No Priority: the source profile's default (the enqueue statement resolves it)."""
    return NewMessage(phone, content, **fields)


def _status(row: dict[str, Any]) -> MessageStatus:
    return MessageStatus(
        MsgId=row["id"],
        SourceSystem=row["source_system"],
        SourceRef=row["source_ref"],
        BatchId=row["batch_id"],
        Phone=row["phone"],
        Status=row["status"],
        StatusName=row["status_name"],
        Channel=row["channel"],
        Segments=row["segments"],
        CreatedAt=intake.as_datetime(row["created_at"]),
        SubmittedAt=intake.as_datetime(row["submitted_at"]),
        ReportStat=row["report_stat"],
        ReportAt=intake.as_datetime(row["report_at"]),
        ErrorCode=row["error_code"],
        ErrorText=row["error_text"],
    )


def _reply(row: dict[str, Any]) -> Reply:
    return Reply(
        ReplyId=row["id"],
        Phone=row["phone"],
        Content=row["content"],
        ServiceNumber=row["service_number"],
        ReceivedAt=intake.as_datetime(row["received_at"]),
        MsgId=row["outbox_id"],
    )


class SmsService(ServiceBase):
    @rpc(
        Required, Unicode, Unicode, Unicode, Integer, DateTime, DateTime, Unicode, Unicode,
        Unicode, Unicode, Unicode, _returns=SendResult,
    )  # fmt: skip
    def SendSms(ctx: MethodContext, Phone: str | None, Content: str | None,
                SourceSystem: str | None, SourceRef: str | None, Priority: int | None,
                SendAt: datetime | None, ExpireAt: datetime | None, Account: str | None,
                Dept: str | None, Signature: str | None, TemplateCode: str | None,
                Params: str | None) -> SendResult:  # fmt: skip
        """Enqueue one message (Content, or TemplateCode with Params: a JSON object); a
        repeated (SourceSystem, SourceRef) returns the first MsgId."""
        message = _message(
            Phone, Content, source_system=SourceSystem, source_ref=SourceRef, priority=Priority,
            send_at=SendAt, expire_at=ExpireAt, account=Account, dept_code=Dept,
            signature=Signature, template_code=TemplateCode, params=Params,
        )  # fmt: skip
        grouped = ctx.transport.req_env[GROUPED]
        return SendResult(MsgId=_call(ctx, intake.send_one, message, grouped))

    @rpc(
        Array(BatchItem, min_occurs=1), Unicode, Unicode, Unicode, Integer, DateTime, DateTime,
        Unicode, Unicode, Unicode, Unicode, Unicode, _returns=BatchResult,
    )  # fmt: skip
    def SendBatch(ctx: MethodContext, Items: list[BatchItem] | None, Content: str | None,
                  SourceSystem: str | None, BatchRef: str | None, Priority: int | None,
                  SendAt: datetime | None, ExpireAt: datetime | None, Account: str | None,
                  Dept: str | None, Signature: str | None, TemplateCode: str | None,
                  Params: str | None) -> BatchResult:  # fmt: skip
        """Enqueue many numbers (one Content, or per item; or TemplateCode with the batch's
        Params and each item's over them); answers with the batch id."""
        common = _message(
            None, Content, source_system=SourceSystem, priority=Priority, send_at=SendAt,
            expire_at=ExpireAt, account=Account, dept_code=Dept, signature=Signature,
            template_code=TemplateCode, params=Params,
        )  # fmt: skip
        items = [intake.Item(i.Phone, i.Content, i.SourceRef, i.Params) for i in Items or ()]
        chunk = ctx.transport.req_env[SETTINGS].batch_chunk
        batch_id, total, accepted = _call(ctx, intake.send_batch, common, BatchRef, items, chunk)
        return BatchResult(BatchId=batch_id, Total=total, Accepted=accepted)

    @rpc(Array(Long), Unicode, Array(Unicode), _returns=Array(MessageStatus))
    def QueryStatus(
        ctx: MethodContext,
        MsgIds: list[int] | None,
        SourceSystem: str | None,
        SourceRefs: list[str] | None,
    ) -> list[MessageStatus]:
        """Messages by MsgIds, or by SourceSystem + SourceRefs (one or many)."""
        most = ctx.transport.req_env[SETTINGS].max_query_ids
        rows = _call(ctx, intake.query_status, MsgIds or [], SourceSystem, SourceRefs or [], most)
        return [_status(r) for r in rows]

    @rpc(Unicode, Long, Integer, _returns=RepliesResult)
    def QueryReplies(
        ctx: MethodContext, SourceSystem: str | None, Cursor: int | None, Limit: int | None
    ) -> RepliesResult:
        """MO replies after Cursor (0 = from the start), marked CONSUMED; pass NextCursor on."""
        page = ctx.transport.req_env[SETTINGS].max_replies
        rows, cursor = _call(ctx, intake.replies, SourceSystem, Cursor, Limit, page)
        return RepliesResult(Replies=[_reply(r) for r in rows], NextCursor=cursor)

    @rpc(Long, Unicode, Unicode, Unicode, _returns=CancelResult)
    def CancelSms(
        ctx: MethodContext,
        MsgId: int | None,
        SourceSystem: str | None,
        SourceRef: str | None,
        Reason: str | None,
    ) -> CancelResult:
        """Cancel a message still PENDING (status 7 CANCELLED); refused once claimed."""
        row = _call(ctx, intake.cancel, MsgId, SourceSystem, SourceRef, Reason)
        return CancelResult(MsgId=row["id"], Status=row["status"], StatusName=row["status_name"])


def application() -> Application:
    """A new Application per server: spyne caches the WSDL with the first caller's URL."""
    return Application(
        [SmsService],
        tns=NS,
        name="HismsSms",
        in_protocol=Soap11(),
        out_protocol=Soap11(),
    )
