"""Long replies joined from their stored parts (``sms_mo_part``).

Each part of a long reply is stored as it arrives, on whichever link or engine, before the
gateway is answered; a set is joined once every ``seq`` is in, or, incomplete, once its
first part is ``engine.mo_parts_seconds`` old. A part the gateway sent again (its answer
was lost) under the id it had (CMPP, SGIP, SMGP) is not stored again, even after its set
was joined (``sms_mo_id``); one without an id (SMPP) is, and the first copy of each ``seq``
counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hisms.carrier.base import MoMessage, MoPart
from hisms.engine.store.base import MoPartRow


def row(part: MoPart) -> MoPartRow:
    return MoPartRow(
        part.channel,
        part.phone,
        part.service_number,
        part.extension,
        part.ref,
        part.total,
        part.seq,
        part.content,
        part.received_at,
        gateway_msg_id=part.gateway_msg_id,
    )


def _first_of_each(parts: Sequence[MoPartRow]) -> dict[int, MoPartRow]:
    seen: dict[int, MoPartRow] = {}
    for part in sorted(parts, key=lambda p: (p.seq, p.id)):
        seen.setdefault(part.seq, part)
    return seen


def missing(parts: Sequence[MoPartRow]) -> int:
    """How many parts of the set have not arrived."""
    return parts[0].total - len(_first_of_each(parts))


def due(parts: Sequence[MoPartRow], now: datetime, seconds: float) -> bool:
    """Complete, or waited for long enough: to be stored now."""
    oldest = min(p.received_at for p in parts)
    return missing(parts) == 0 or now - oldest >= timedelta(seconds=seconds)


def joined(parts: Sequence[MoPartRow]) -> MoMessage:
    """The reply the parts make, received when its first part was; gaps simply left out."""
    each = _first_of_each(parts)
    first = min(parts, key=lambda p: p.received_at)
    return MoMessage(
        first.channel,
        first.phone,
        first.service_number,
        "".join(each[seq].content for seq in sorted(each)),
        received_at=first.received_at,
        extension=first.extension,
    )
