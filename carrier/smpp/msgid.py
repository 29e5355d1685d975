"""How an SMSC's receipt ids relate to its submit_sm_resp ids, per channel (``receipt_ids``).

SMPP message ids are opaque C strings, and most SMSCs write a receipt's id as
submit_sm_resp gave it. Many do not: the id is a number, written in hex in one
place and in decimal in the other. As Kannel (``msg-id-type``) and Jasmin
(``dlr_msg_id_bases``) do, such a channel reads both ids as the number they name
and keeps it in decimal, so ``carrier_msg_id`` and the receipt's id are equal.
An id that is not a number in the expected base is kept as it came.
"""

from __future__ import annotations

import enum


class ReceiptIds(enum.Enum):
    AS_IS = "as-is"  # the receipt's id is submit_sm_resp's message_id
    HEX_TO_DECIMAL = "hex->decimal"  # submit_sm_resp in hex, receipts in decimal
    DECIMAL_TO_HEX = "decimal->hex"  # submit_sm_resp in decimal, receipts in hex


# (base of submit_sm_resp's id, base of the receipt's id)
_BASES = {ReceiptIds.HEX_TO_DECIMAL: (16, 10), ReceiptIds.DECIMAL_TO_HEX: (10, 16)}


def submitted(message_id: str, relation: ReceiptIds) -> str:
    """``carrier_msg_id`` for submit_sm_resp's ``message_id``."""
    bases = _BASES.get(relation)
    return message_id if bases is None else _decimal(message_id, bases[0])


def receipted(message_id: str, relation: ReceiptIds) -> str:
    """The id a receipt names, in the form :func:`submitted` gave its submit."""
    bases = _BASES.get(relation)
    return message_id if bases is None else _decimal(message_id, bases[1])


def _decimal(message_id: str, base: int) -> str:
    try:
        return str(int(message_id, base))
    except ValueError:
        return message_id
