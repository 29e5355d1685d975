"""The SOAP types of the hisms WebService (namespace ``urn:hisms:sms:1``)."""

from __future__ import annotations

from spyne import Array, ComplexModel, DateTime, Integer, Long, Unicode

from hisms.adapters.webservice import spyne_compat  # noqa: F401 - patches on import

NS = "urn:hisms:sms:1"

Required = Unicode(min_occurs=1, nillable=False)


class _Model(ComplexModel):
    __namespace__ = NS


class SendResult(_Model):
    MsgId = Long


class BatchItem(_Model):
    Phone = Required
    Content = Unicode  # overrides the batch's Content for this number
    SourceRef = Unicode  # default: BatchRef#position
    # This number's template variables (a JSON object), over the batch's Params
    Params = Unicode


class BatchResult(_Model):
    BatchId = Unicode
    Total = Integer  # numbers in the request
    Accepted = Integer  # rows inserted now (a repeated batch adds none)


class MessageStatus(_Model):
    MsgId = Long
    SourceSystem = Unicode
    SourceRef = Unicode
    BatchId = Unicode
    Phone = Unicode
    Status = Integer
    StatusName = Unicode
    Channel = Unicode
    Segments = Integer
    CreatedAt = DateTime
    SubmittedAt = DateTime
    ReportStat = Unicode
    ReportAt = DateTime
    ErrorCode = Unicode
    ErrorText = Unicode


class Reply(_Model):
    ReplyId = Long
    Phone = Unicode
    Content = Unicode
    ServiceNumber = Unicode
    ReceivedAt = DateTime
    MsgId = Long  # the message it answers, when it could be correlated


class RepliesResult(_Model):
    Replies = Array(Reply)
    NextCursor = Long  # pass back as Cursor to read on


class CancelResult(_Model):
    MsgId = Long
    Status = Integer
    StatusName = Unicode
