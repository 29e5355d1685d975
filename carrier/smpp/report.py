"""SMPP delivery receipts (spec Appendix B) carried in a deliver_sm.

The text ``id:... sub:... dlvrd:... submit date:... done date:... stat:...
err:... text:...`` is vendor specific in practice: keys change case, spacing
varies and fields go missing (docs/protocols.md#q6), so it is parsed by keys.
The receipted_message_id and message_state TLVs win over the text when present.
Only a final receipt ends a part (:attr:`Receipt.final`): Table B-2 lists the
final states and has no ENROUTE; SMSCs also send ACCEPTD ("accepted, delivery
pending", not the spec's "read by customer service") and BUFFRED while a
message waits, as Kannel reads them, and intermediate notifications (esm_class
0x20) say nothing final.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hisms.carrier.smpp.pdus import (
    ESM_DELIVERY_RECEIPT,
    ESM_INTERMEDIATE,
    ESM_MESSAGE_TYPE_MASK,
    DeliverSm,
    Tag,
)
from hisms.carrier.wire import text as coding
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.times import GATEWAY_TZ, REPORT_FORMAT, gateway_time
from hisms.carrier.wire.tlv import cstr_value, int_value

# message_state TLV values (spec 5.2.28) and their receipt stat words (Table B-2).
STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_STATE_OF = {stat: state for state, stat in STATES.items()}
INTERIM = frozenset({"ENROUTE", "ACCEPTD", "ACKED", "BUFFRED", "BUFFERD"})
_RECEIPTS = (ESM_DELIVERY_RECEIPT, ESM_INTERMEDIATE)

# "submit date" also appears as "submit_date" or "submitdate" in the wild.
_KEY = re.compile(
    r"(?<![a-z])(id|sub|dlvrd|submit[ _]*date|done[ _]*date|stat|err|text)\s*:", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    stat: str  # DELIVRD, UNDELIV, ...; UNKNOWN when the SMSC gave none
    err: str = ""
    submitted_at: datetime | None = None  # in the SMSC's zone
    done_at: datetime | None = None
    text: str = ""
    final: bool = True  # False: the SMSC still works on it; a later receipt settles it


def is_receipt(pdu: DeliverSm) -> bool:
    """A delivery receipt or an intermediate notification: about our message, never an MO."""
    return pdu.esm_class & ESM_MESSAGE_TYPE_MASK in _RECEIPTS


def parse_fields(text: str) -> dict[str, str]:
    """The receipt's key -> value pairs, keys lower-case with one space ("done date")."""
    matches = list(_KEY.finditer(text))
    fields: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        key = re.sub(r"[ _]*date", " date", match.group(1).lower())
        if key == "text":  # free text may itself contain "id:" or "err:"
            fields[key] = text[match.end() :].strip()
            break
        end = following.start() if following else len(text)
        fields.setdefault(key, text[match.end() : end].strip())
    return fields


def from_deliver_sm(pdu: DeliverSm, zone: ZoneInfo = GATEWAY_TZ) -> Receipt:
    """The receipt in ``pdu``, its dates read in the SMSC's ``zone``; RemoteProtocolError
    if no message id is anywhere."""
    raw = pdu.message_payload if pdu.message_payload is not None else pdu.short_message
    fields = parse_fields(coding.decode(raw, coding.LATIN1))
    message_id = pdu.receipted_message_id or fields.get("id", "")
    if not message_id:
        raise RemoteProtocolError(f"delivery receipt without a message id: {raw!r}")
    state = pdu.message_state
    stat = (STATES.get(state, "") if state is not None else "") or fields.get("stat", "")
    stat = stat.strip().upper() or "UNKNOWN"
    intermediate = pdu.esm_class & ESM_MESSAGE_TYPE_MASK == ESM_INTERMEDIATE
    return Receipt(
        message_id=message_id,
        stat=stat,
        err=fields.get("err", ""),
        submitted_at=gateway_time(fields.get("submit date", ""), zone),
        done_at=gateway_time(fields.get("done date", ""), zone),
        text=fields.get("text", ""),
        final=not intermediate and stat not in INTERIM,
    )


def build_text(receipt: Receipt) -> str:
    """The Appendix B text for ``receipt``, as our simulator sends it."""
    return (
        f"id:{receipt.message_id} sub:001 dlvrd:{'001' if receipt.stat == 'DELIVRD' else '000'}"
        f" submit date:{_format(receipt.submitted_at)} done date:{_format(receipt.done_at)}"
        f" stat:{receipt.stat} err:{receipt.err or '000'} text:{receipt.text[:20]}"
    )


def _format(moment: datetime | None) -> str:
    return moment.strftime(REPORT_FORMAT) if moment else ""


def build_deliver_sm(
    receipt: Receipt, sequence_number: int, source_addr: str, destination_addr: str
) -> DeliverSm:
    """A receipt deliver_sm with the text and both TLVs, as a well-behaved SMSC sends it."""
    tlvs: dict[int, bytes] = {Tag.RECEIPTED_MESSAGE_ID: cstr_value(receipt.message_id)}
    if receipt.stat in _STATE_OF:
        tlvs[Tag.MESSAGE_STATE] = int_value(_STATE_OF[receipt.stat], 1)
    return DeliverSm(
        sequence_number=sequence_number,
        source_addr=source_addr,
        destination_addr=destination_addr,
        esm_class=ESM_DELIVERY_RECEIPT,
        short_message=build_text(receipt).encode("ascii", errors="replace"),
        tlvs=tlvs,
    )
