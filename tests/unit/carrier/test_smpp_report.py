"""SMPP delivery receipts: real-world text variants, TLVs over text, our own builder."""

from __future__ import annotations

from datetime import datetime

import pytest

from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.codec import decode, encode
from hisms.carrier.smpp.pdus import Tag
from hisms.carrier.smpp.report import (
    Receipt,
    build_deliver_sm,
    build_text,
    from_deliver_sm,
    is_receipt,
    parse_fields,
)
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.carrier.wire.tlv import cstr_value


def receipt_pdu(text: bytes, **tlvs: bytes) -> pdus.DeliverSm:
    return pdus.DeliverSm(
        sequence_number=1,
        esm_class=pdus.ESM_DELIVERY_RECEIPT,
        short_message=text,
        tlvs={Tag[name.upper()]: value for name, value in tlvs.items()},
    )


def test_spec_appendix_b_form() -> None:
    text = (
        b"id:0123456789 sub:001 dlvrd:001 submit date:2411251000 done date:2411251001"
        b" stat:DELIVRD err:000 Text:Hello from hisms"
    )
    assert from_deliver_sm(receipt_pdu(text)) == Receipt(
        message_id="0123456789",
        stat="DELIVRD",
        err="000",
        submitted_at=datetime(2024, 11, 25, 10, 0, tzinfo=GATEWAY_TZ),
        done_at=datetime(2024, 11, 25, 10, 1, tzinfo=GATEWAY_TZ),
        text="Hello from hisms",
    )


@pytest.mark.parametrize(
    ("text", "message_id", "stat", "err", "done_at"),
    [
        # Upper-case keys, as some Huawei and ZTE SMSCs send.
        (
            b"ID:abc123 SUB:001 DLVRD:000 SUBMIT DATE:2411251000 DONE DATE:2411251005"
            b" STAT:UNDELIV ERR:045 TEXT:",
            "abc123",
            "UNDELIV",
            "045",
            datetime(2024, 11, 25, 10, 5, tzinfo=GATEWAY_TZ),
        ),
        # Extra spaces around colons and between fields, seconds in the dates.
        (
            b"id: 77  sub : 1   dlvrd:1 submit date: 241125100000  done date : 241125100130"
            b"  stat : delivrd  err : 0",
            "77",
            "DELIVRD",
            "0",
            datetime(2024, 11, 25, 10, 1, 30, tzinfo=GATEWAY_TZ),
        ),
        # Underscored date keys, fields out of order, no text field at all.
        (
            b"stat:EXPIRED id:9f8e done_date:2411260000 submit_date:2411250000 err:000",
            "9f8e",
            "EXPIRED",
            "000",
            datetime(2024, 11, 26, 0, 0, tzinfo=GATEWAY_TZ),
        ),
        # Only id and stat; a broken date is dropped rather than failing the receipt.
        (b"id:42 done date:24133199 stat:REJECTD", "42", "REJECTD", "", None),
    ],
)
def test_real_world_variants(
    text: bytes, message_id: str, stat: str, err: str, done_at: datetime | None
) -> None:
    receipt = from_deliver_sm(receipt_pdu(text))
    assert (receipt.message_id, receipt.stat, receipt.err, receipt.done_at) == (
        message_id,
        stat,
        err,
        done_at,
    )


def test_free_text_that_looks_like_keys_stays_text() -> None:
    fields = parse_fields("id:1 stat:DELIVRD err:000 text:id:2 stat:UNDELIV")
    assert fields == {"id": "1", "stat": "DELIVRD", "err": "000", "text": "id:2 stat:UNDELIV"}


def test_tlvs_win_over_the_text() -> None:
    # The classic mismatch: hex id in submit_sm_resp and the TLV, decimal in the text.
    pdu = receipt_pdu(
        b"id:3735928559 sub:001 dlvrd:001 stat:DELIVRD err:000",
        receipted_message_id=b"DEADBEEF\x00",
        message_state=b"\x05",
    )
    receipt = from_deliver_sm(pdu)
    assert (receipt.message_id, receipt.stat) == ("DEADBEEF", "UNDELIV")


def test_tlv_only_receipt_with_payload() -> None:
    pdu = pdus.DeliverSm(
        sequence_number=1,
        esm_class=pdus.ESM_DELIVERY_RECEIPT,
        tlvs={
            Tag.RECEIPTED_MESSAGE_ID: b"x1",  # no NUL: tolerated
            Tag.MESSAGE_PAYLOAD: b"err:123",
        },
    )
    receipt = from_deliver_sm(pdu)
    assert (receipt.message_id, receipt.stat, receipt.err) == ("x1", "UNKNOWN", "123")


def test_receipt_without_any_id_is_a_remote_error() -> None:
    with pytest.raises(RemoteProtocolError, match="without a message id"):
        from_deliver_sm(receipt_pdu(b"stat:DELIVRD err:000"))


def test_is_receipt_looks_at_the_message_type_bits_only() -> None:
    assert is_receipt(receipt_pdu(b""))
    assert is_receipt(pdus.DeliverSm(sequence_number=1, esm_class=0x44))  # UDHI set too
    assert not is_receipt(pdus.DeliverSm(sequence_number=1, esm_class=pdus.ESM_UDHI))
    assert not is_receipt(pdus.DeliverSm(sequence_number=1, esm_class=0x08))  # SME ack


def test_simulator_receipt_round_trips() -> None:
    original = Receipt(
        message_id="1a2b",
        stat="DELIVRD",
        err="000",
        submitted_at=datetime(2024, 11, 25, 10, 0, tzinfo=GATEWAY_TZ),
        done_at=datetime(2024, 11, 25, 10, 2, tzinfo=GATEWAY_TZ),
        text="您好，明天上午九点复诊"[:20],
    )
    pdu = build_deliver_sm(original, 5, source_addr="13800138000", destination_addr="10690001")
    assert pdu.tlvs[Tag.RECEIPTED_MESSAGE_ID] == cstr_value("1a2b")
    assert pdu.message_state == 2
    assert build_text(original).startswith("id:1a2b sub:001 dlvrd:001 submit date:2411251000")
    decoded = decode(encode(pdu))
    assert isinstance(decoded, pdus.DeliverSm)
    parsed = from_deliver_sm(decoded)
    assert (parsed.message_id, parsed.stat, parsed.done_at) == ("1a2b", "DELIVRD", original.done_at)


def test_vendor_stat_gets_no_message_state() -> None:
    pdu = build_deliver_sm(Receipt(message_id="1", stat="MK:0001"), 1, "1", "2")
    assert pdu.message_state is None
    assert from_deliver_sm(pdu).stat == "MK:0001"


def test_receipt_text_is_decoded_storable() -> None:
    """A NUL in the text (C-minded SMSCs) must not reach the database (issue 12)."""
    receipt = from_deliver_sm(receipt_pdu(b"id:12\x0034 stat:DELIVRD err:000 text:ab\x00c"))
    assert (receipt.message_id, receipt.text) == ("1234", "abc")
