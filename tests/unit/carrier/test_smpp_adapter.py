"""The SMPP adapter: submit_sm built from Submissions, answers and deliver_sm classified."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, MoPart, Submission, SubmitKey
from hisms.carrier.session.adapter import Answer, LoginRefused, PeerRequest, SubmitAnswer, Verdict
from hisms.carrier.smpp import pdus
from hisms.carrier.smpp.adapter import SmppAdapter
from hisms.carrier.smpp.codec import Undecodable, encode
from hisms.carrier.smpp.options import LongMode, SmppOptions
from hisms.carrier.smpp.pdus import Tag
from hisms.carrier.wire import udh

OPTIONS = SmppOptions(
    host="gw", port=1, system_id="hisms", password="S3cr3t!", src_number="10690123"
)
BODY = "第二部分".encode("utf-16-be")
PART = Submission(
    SubmitKey(9, 2, 1), "13800138000", "第二部分", BODY, udh=udh.build(7, 3, 2),
    ref=7, total=3, src_ext="8001",
)  # fmt: skip


def adapter(bind: str = "transceiver", **changes: Any) -> SmppAdapter:
    return SmppAdapter("intl", OPTIONS.model_copy(update=changes), bind)


def test_bind_carries_the_account_and_password_stays_out_of_repr() -> None:
    bind = adapter("receiver", system_type="HIS").login(1)
    assert isinstance(bind, pdus.BindReceiver)
    assert (bind.system_id, bind.password, bind.system_type) == ("hisms", "S3cr3t!", "HIS")
    assert "S3cr3t!" not in repr(OPTIONS)


def test_submit_in_udh_mode() -> None:
    pdu = adapter().submit(PART, 44)
    assert pdu.sequence_number == 44 and pdu.destination_addr == "8613800138000"
    assert (pdu.dest_addr_ton, pdu.dest_addr_npi, pdu.source_addr) == (1, 1, "106901238001")
    assert (pdu.esm_class, pdu.data_coding, pdu.registered_delivery) == (0x40, 8, 1)
    assert pdu.short_message == b"\x05\x00\x03\x07\x03\x02" + BODY and not pdu.tlvs


def test_submit_in_sar_mode_and_national_numbers() -> None:
    pdu = adapter(long_messages=LongMode.SAR, dest_addr_ton=2).submit(PART, 1)
    assert pdu.esm_class == 0 and pdu.short_message == BODY
    assert (pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum) == (7, 3, 2)
    assert pdu.destination_addr == "13800138000"


def test_submit_in_payload_mode_uses_message_payload_only_when_long() -> None:
    long = dataclasses.replace(PART, body=BODY * 20, udh=b"", total=1)
    pdu = adapter(long_messages=LongMode.PAYLOAD).submit(long, 1)
    assert pdu.short_message == b"" and pdu.tlvs == {Tag.MESSAGE_PAYLOAD: BODY * 20}
    short = adapter(long_messages=LongMode.PAYLOAD).submit(dataclasses.replace(long, body=BODY), 1)
    assert short.short_message == BODY and not short.tlvs


def test_a_part_goes_in_the_coding_chosen_for_its_message() -> None:
    plain = dataclasses.replace(PART, text="See you at 9", body=b"See you at 9", udh=b"", coding=0)
    assert adapter(data_coding=0).submit(plain, 1).data_coding == 0
    assert adapter(data_coding=0).submit(plain, 1).short_message == b"See you at 9"
    assert adapter(data_coding=0).submit(PART, 1).data_coding == 8


@pytest.mark.parametrize(
    ("status", "verdict", "text"),
    [
        (0x58, Verdict.THROTTLED, "ESME_RTHROTTLED"),
        (0x14, Verdict.THROTTLED, "ESME_RMSGQFUL"),
        (0x0B, Verdict.FAILED, "ESME_RINVDSTADR (invalid destination address)"),
        (0x401, Verdict.FAILED, "SMSC vendor-specific error 0x401"),
    ],
)
def test_submit_sm_resp_errors(status: int, verdict: Verdict, text: str) -> None:
    answer = adapter().classify(pdus.SubmitSmResp(sequence_number=3, command_status=status))
    assert isinstance(answer, SubmitAnswer) and answer.verdict is verdict
    assert answer.error_code == f"0x{status:08X}" and text in (answer.error_text or "")


def test_accepted_and_generic_nack_answers() -> None:
    ok = adapter().classify(pdus.SubmitSmResp(sequence_number=3, message_id="5e1f"))
    assert ok == SubmitAnswer(3, Verdict.ACCEPTED, msg_id="5e1f")
    nack = adapter().classify(pdus.GenericNack(sequence_number=4, command_status=0x58))
    assert isinstance(nack, SubmitAnswer) and nack.verdict is Verdict.THROTTLED
    assert adapter().classify(pdus.EnquireLinkResp(sequence_number=5)) == Answer(5)


def test_wrong_password_is_refused_by_name() -> None:
    resp = pdus.BindTransceiverResp(sequence_number=1, command_status=pdus.Status.RINVPASWD)
    with pytest.raises(LoginRefused, match=r"0x0000000E: ESME_RINVPASWD \(invalid password\)"):
        adapter().check_login(resp)
    with pytest.raises(LoginRefused, match="expected BIND_RECEIVER_RESP"):
        adapter("receiver").check_login(pdus.BindTransceiverResp(sequence_number=1))
    adapter().check_login(pdus.BindTransceiverResp(sequence_number=1, system_id="SMSC"))


def _receipt(text: str, **tlvs: bytes) -> pdus.DeliverSm:
    return pdus.DeliverSm(
        sequence_number=8, source_addr="8613800138000", destination_addr="10690123",
        esm_class=4, data_coding=1, short_message=text.encode(),
        tlvs={getattr(Tag, k.upper()): v for k, v in tlvs.items()},
    )  # fmt: skip


def test_receipt_prefers_the_tlv_id_and_is_always_answered() -> None:
    text = (
        "id:123 sub:001 dlvrd:000 submit date:2411251000 done date:2411251001 stat:UNDELIV err:005"
    )
    got = adapter().classify(_receipt(text, receipted_message_id=b"7b\x00"))
    assert isinstance(got, PeerRequest) and got.reply == pdus.DeliverSmResp(sequence_number=8)
    (report,) = got.events
    assert isinstance(report, DeliveryReport)
    assert (report.carrier_msg_id, report.stat, report.phone) == ("7b", "UNDELIV", "13800138000")
    assert report.error_code == "UNDELIV:005" and report.done_at is not None


@pytest.mark.parametrize("stat", ["ENROUTE", "ACCEPTD", "BUFFRED", "enroute"])
def test_interim_receipt_is_answered_but_not_passed_on(stat: str) -> None:
    """Not a final state (spec Table B-2 lists no ENROUTE; ACCEPTD/BUFFRED as SMSCs use them,
    and as Kannel reads them): the final receipt that follows ends the part."""
    text = f"id:7b sub:001 dlvrd:000 submit date:2411251000 done date:2411251001 stat:{stat} err:0"
    got = adapter().classify(_receipt(text))
    assert isinstance(got, PeerRequest) and got.reply == pdus.DeliverSmResp(sequence_number=8)
    assert got.events == []


@pytest.mark.parametrize(("state", "passed_on"), [(1, False), (6, False), (2, True), (5, True)])
def test_message_state_tlv_decides_whether_a_receipt_is_final(state: int, passed_on: bool) -> None:
    text = "id:7b stat:DELIVRD err:000"  # the TLV wins over the text
    got = adapter().classify(_receipt(text, message_state=bytes([state])))
    assert isinstance(got, PeerRequest) and got.reply == pdus.DeliverSmResp(sequence_number=8)
    assert bool(got.events) is passed_on


def test_intermediate_delivery_notification_is_not_a_reply() -> None:
    """esm_class 0x20 (spec 5.2.12): a notification about our message, never an MO."""
    pdu = dataclasses.replace(_receipt("id:7b stat:ENROUTE"), esm_class=0x20)
    got = adapter().classify(pdu)
    assert isinstance(got, PeerRequest) and got.reply == pdus.DeliverSmResp(sequence_number=8)
    assert got.events == []


def test_unreadable_receipt_is_answered_with_a_permanent_error() -> None:
    got = adapter().classify(_receipt("stat:DELIVRD"))
    assert isinstance(got, PeerRequest) and not got.events
    assert got.reply.command_status == 0x65


def test_mo_in_sar_parts_is_passed_on_part_by_part() -> None:
    a = adapter()

    def part(seq: int, text: str) -> pdus.DeliverSm:
        return pdus.DeliverSm(
            sequence_number=seq, source_addr="13900000000", destination_addr="106901238001",
            data_coding=8, short_message=text.encode("utf-16-be"),
            tlvs={Tag.SAR_MSG_REF_NUM: b"\x00\x05", Tag.SAR_TOTAL_SEGMENTS: b"\x02",
                  Tag.SAR_SEGMENT_SEQNUM: bytes((seq,))},
        )  # fmt: skip

    second = a.classify(part(2, "周五"))
    assert isinstance(second, PeerRequest) and second.reply is not None
    assert second.events == [MoPart("intl", "13900000000", "106901238001", 5, 2, 2, "周五",
                                    second.events[0].received_at, extension="8001")]  # fmt: skip


def test_peer_requests_unbind_enquire_link_and_unknown_commands() -> None:
    a = adapter()
    unbind = a.classify(pdus.Unbind(sequence_number=2))
    assert unbind == PeerRequest(reply=pdus.UnbindResp(sequence_number=2), closes=True)
    probe = a.classify(pdus.EnquireLink(sequence_number=3))
    assert probe == PeerRequest(reply=pdus.EnquireLinkResp(sequence_number=3))
    odd = a.classify(Undecodable(4, pdus.Status.RINVCMDID, "unknown command_id"))
    assert odd == PeerRequest(reply=pdus.GenericNack(sequence_number=4, command_status=3))
    stray = a.classify(pdus.SubmitSm(sequence_number=5))  # an SMSC does not submit to us
    assert isinstance(stray, PeerRequest) and stray.reply.command_id == pdus.CommandId.GENERIC_NACK


def test_connection_turns_an_unknown_command_into_undecodable() -> None:
    conn = adapter().new_connection()
    conn.send(adapter().login(1))
    conn.receive_data(encode(pdus.BindTransceiverResp(sequence_number=1)))
    assert isinstance(conn.next_event(), pdus.BindTransceiverResp)
    conn.receive_data(b"\x00\x00\x00\x10\x00\x00\x01\x03\x00\x00\x00\x00\x00\x00\x00\x07")
    assert conn.next_event() == Undecodable(7, 3, "unknown command_id 0x00000103")


def test_a_reply_carries_no_id_smpp_gives_an_mo_none() -> None:
    """deliver_sm has no message id for an MO (deliver_sm_resp's is unused): a reply sent
    again after a reconnect is stored again."""
    deliver = pdus.DeliverSm(
        sequence_number=9, source_addr="13900000000", destination_addr="106901238001",
        data_coding=8, short_message="好".encode("utf-16-be"),
    )  # fmt: skip
    (event,) = adapter().classify(deliver).events  # type: ignore[union-attr]
    assert isinstance(event, MoMessage) and event.gateway_msg_id is None
