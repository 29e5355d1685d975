"""SendSms without spyne: the envelope parsed once with lxml, the row written with others.

spyne parses the request into its object tree and serialises the answer through its
protocol stack, after the guard has parsed it once already (together about 1 ms of CPU
a request). Here the guard's parse is the only one; a request of the plain shape
(:mod:`~hisms.adapters.webservice.fastxml`: no SendAt/ExpireAt, which are spyne's
DateTimes) becomes a :class:`~hisms.engine.store.base.NewMessage`, checked by the same
:func:`~hisms.adapters.webservice.intake.send_one` and written through
:class:`~hisms.adapters.webservice.grouped.Grouped` (one commit for many requests). The
answer, and the Fault of a refused message, are the bytes spyne would send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from hisms.adapters.webservice import intake
from hisms.adapters.webservice.fastxml import (
    TNS,
    Unusual,
    checked_root,
    envelope_parts,
    fields,
    only_child,
    result,
    spyne_fault,
    utf8,
)
from hisms.adapters.webservice.grouped import Grouped
from hisms.adapters.webservice.guard import PARSER
from hisms.adapters.webservice.security import Caller
from hisms.adapters.webservice.service import Answered, _message, call
from hisms.adapters.webservice.types import NS
from hisms.engine.store.base import Store

_SEND_SMS = f"{{{NS}}}SendSms"
_FIELDS = {
    f"{{{NS}}}{n}": n
    for n in (
        "Phone", "Content", "SourceSystem", "SourceRef", "Priority", "Account", "Dept",
        "Signature", "TemplateCode", "Params",
    )
}  # fmt: skip
# spyne's answer, its id written into it (building it with lxml is a tenth of a request's CPU)
_BEFORE, _AFTER = result("SendSms", (("MsgId", "{id}"),)).split(b"{id}")
# A SendSms fits in a few kilobytes (Content 2,000 characters, Params 4,000); a larger body
# (a SendBatch that quotes "SendSms") is not parsed whole here.
_MOST = 64 * 1024


@dataclass(slots=True)
class Sms:
    """A plain SendSms read from a request, bound to where it will be written."""

    header: etree._Element | None
    fields: dict[str, str]
    store: Store
    grouped: Grouped
    operation = "SendSms"

    def answer(self, caller: Caller) -> tuple[str, bytes]:
        """The HTTP status and the SOAP answer, as spyne's SendSms gives them."""
        f = self.fields
        priority = f.get("Priority")
        message = _message(
            f.get("Phone"), f.get("Content"), source_system=f.get("SourceSystem"),
            source_ref=f.get("SourceRef"), priority=None if priority is None else int(priority),
            send_at=None, expire_at=None, account=f.get("Account"), dept_code=f.get("Dept"),
            signature=f.get("Signature"), template_code=f.get("TemplateCode"),
            params=f.get("Params"),
        )  # fmt: skip
        try:
            msg_id = call("SendSms", self.store, caller, intake.send_one, message, self.grouped)
        except Answered as fault:
            return "500 Internal Server Error", spyne_fault(
                f"{TNS}:{fault.faultcode}", fault.faultstring
            )
        return "200 OK", b"%s%d%s" % (_BEFORE, msg_id, _AFTER)


def reader(store: Store, grouped: Grouped) -> Callable[[bytes, str], Sms | None]:
    """For the guard: a request's plain SendSms bound to ``store``, or None."""

    def read(body: bytes, content_type: str) -> Sms | None:
        found = read_sms(body, content_type)
        return None if found is None else Sms(found[0], found[1], store, grouped)

    return read


Read = tuple[etree._Element | None, dict[str, str]]  # a SendSms's header and fields


def read_sms(body: bytes, content_type: str) -> Read | None:
    """The header and fields of the request's SendSms when it has the plain shape."""
    if len(body) > _MOST or b"SendSms" not in body or not utf8(body, content_type):
        return None
    try:
        root = checked_root(etree.fromstring(body, PARSER))
        header, body_element = envelope_parts(root)
        operation = only_child(body_element)
        if operation.tag != _SEND_SMS or operation.attrib:
            raise Unusual
        values = fields(operation, _FIELDS)
    except (Unusual, etree.XMLSyntaxError, ValueError):
        return None
    return (header, values) if "Phone" in values else None
