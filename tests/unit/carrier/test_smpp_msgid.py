"""``receipt_ids``: how an SMSC's receipt ids relate to its submit_sm_resp ids."""

from __future__ import annotations

import pytest

from hisms.carrier.smpp.msgid import ReceiptIds, receipted, submitted


@pytest.mark.parametrize(
    ("relation", "submit_id", "receipt_id", "stored"),
    [
        (ReceiptIds.AS_IS, "0000001a2b", "0000001a2b", "0000001a2b"),
        (ReceiptIds.HEX_TO_DECIMAL, "0000001a2b", "6699", "6699"),
        (ReceiptIds.HEX_TO_DECIMAL, "1A2B", "0006699", "6699"),  # case and zeros do not matter
        (ReceiptIds.DECIMAL_TO_HEX, "6699", "1a2b", "6699"),
        (ReceiptIds.DECIMAL_TO_HEX, "6699", "00001A2B", "6699"),
    ],
)
def test_both_ids_name_one_number(
    relation: ReceiptIds, submit_id: str, receipt_id: str, stored: str
) -> None:
    assert submitted(submit_id, relation) == receipted(receipt_id, relation) == stored


def test_an_id_that_is_not_a_number_in_its_base_is_kept() -> None:
    assert submitted("msg-7", ReceiptIds.HEX_TO_DECIMAL) == "msg-7"
    assert receipted("1a2b", ReceiptIds.HEX_TO_DECIMAL) == "1a2b"
