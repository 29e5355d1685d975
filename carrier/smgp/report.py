"""The SMGP status report carried in a DELIVER with IsReport=1 (spec 6.2.63).

The content is SMPP-style text with one binary field::

    id:<10 raw MsgID bytes> sub:001 dlvrd:001 submit date:YYMMDDhhmm
    done date:YYMMDDhhmm stat:DELIVRD err:000 text:<up to 20 bytes>

Gateways vary the capitalisation, the spacing, ``submit date`` versus
``submit_date``, ``text`` versus ``txt``, and sometimes drop fields
(docs/protocols.md#q6). So the id is the 10 bytes after ``id:`` (or 20 hex digits,
which some gateways send instead), and every other field is found by its key,
case-insensitively, its value running to the next key. Missing fields are
empty, a missing stat is ``UNKNOWN``. Only a report without its id is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hisms.carrier.smgp import msgid
from hisms.carrier.wire.errors import RemoteProtocolError

# Keys must be followed by a colon, so values (digits, DELIVRD...) never match.
_KEY = re.compile(rb"(sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err)\s*:", re.I)
_TEXT_KEY = re.compile(rb"(text|txt)\s*:", re.I)
_ID = re.compile(rb"\s*id\s*:", re.I)
_HEX_ID = re.compile(rb"[0-9a-fA-F]{20}(?![0-9a-fA-F])")
# Each value is cut to its spec shape: this drops separators some gateways glue on.
# Keyed by the key lower-cased without spaces or underscores.
_VALUE = {
    "sub": ("sub", rb"\d+"),
    "dlvrd": ("dlvrd", rb"\d+"),
    "submitdate": ("submit_date", rb"\d+"),
    "donedate": ("done_date", rb"\d+"),
    "stat": ("stat", rb"[\w:]{1,7}"),
    "err": ("err", rb"\w{1,3}"),
}


@dataclass(frozen=True, slots=True)
class Report:
    msg_id: bytes  # the SUBMIT_RESP's MsgID, 10 raw bytes
    stat: str  # DELIVRD, EXPIRED, UNDELIV, ...
    err: str = "000"  # the defaults are what we send; a parsed report leaves missing fields ""
    sub: str = "001"
    dlvrd: str = "001"
    submit_date: str = ""  # YYMMDDhhmm as sent
    done_date: str = ""
    text: bytes = b""  # the first bytes of the original message, encoding unknown

    @property
    def msg_id_str(self) -> str:
        return msgid.to_str(self.msg_id)


def parse_report(content: bytes) -> Report:
    head = _ID.match(content)
    if head is None:
        raise RemoteProtocolError(f"SMGP report without an id: {content[:30]!r}")
    raw_id, rest = _read_id(content[head.end() :])
    fields = _fields(rest)
    return Report(
        msg_id=raw_id,
        stat=fields.get("stat", "").upper() or "UNKNOWN",
        err=fields.get("err", ""),
        sub=fields.get("sub", ""),
        dlvrd=fields.get("dlvrd", ""),
        submit_date=fields.get("submit_date", ""),
        done_date=fields.get("done_date", ""),
        text=_text(rest),
    )


def build_report(report: Report) -> bytes:
    """The report text as the spec writes it (what our simulator sends)."""
    fields = (
        f" sub:{report.sub} dlvrd:{report.dlvrd} submit date:{report.submit_date}"
        f" done date:{report.done_date} stat:{report.stat} err:{report.err} text:"
    )
    return b"id:" + report.msg_id + fields.encode("ascii") + report.text


def _read_id(data: bytes) -> tuple[bytes, bytes]:
    if _HEX_ID.match(data):
        return bytes.fromhex(data[:20].decode("ascii")), data[20:]
    if len(data) < msgid.LENGTH:
        raise RemoteProtocolError(f"SMGP report id of {len(data)} bytes")
    return data[: msgid.LENGTH], data[msgid.LENGTH :]


def _fields(rest: bytes) -> dict[str, str]:
    """Every key before the free text, with its value cut to shape."""
    text_key = _TEXT_KEY.search(rest)
    head = rest[: text_key.start()] if text_key else rest
    keys = list(_KEY.finditer(head))
    fields: dict[str, str] = {}
    for i, key in enumerate(keys):
        name, shape = _VALUE[re.sub(rb"[ _]", b"", key.group(1).lower()).decode("ascii")]
        end = keys[i + 1].start() if i + 1 < len(keys) else len(head)
        value = re.match(rb"\s*(" + shape + rb")", head[key.end() : end])
        fields.setdefault(name, value.group(1).decode("ascii") if value else "")
    return fields


def _text(rest: bytes) -> bytes:
    text_key = _TEXT_KEY.search(rest)
    return rest[text_key.end() :] if text_key else b""
