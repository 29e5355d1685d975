"""The SMGP adapter: submits built from Submissions, answers and DELIVERs classified."""

from __future__ import annotations

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, MoPart, Submission, SubmitKey
from hisms.carrier.session.adapter import Answer, LoginRefused, PeerRequest, SubmitAnswer, Verdict
from hisms.carrier.smgp import auth, pdus
from hisms.carrier.smgp.adapter import SmgpAdapter
from hisms.carrier.smgp.options import SmgpOptions
from hisms.carrier.smgp.report import Report, build_report
from hisms.carrier.wire import tlv, udh

MSG_ID = bytes.fromhex("01006101161700012345")
OPTIONS = SmgpOptions(
    host="gw", port=1, client_id="90123456", secret="secret", src_number="1189001", service_id="HIS"
)


def adapter() -> SmgpAdapter:
    return SmgpAdapter("ctcc", OPTIONS)


def test_submit_carries_udh_tlvs_extension_and_report_flag() -> None:
    body = "第二部分".encode("utf-16-be")
    submission = Submission(
        SubmitKey(9, 2, 1), "13300138000", "第二部分", body, udh=udh.build(7, 3, 2),
        ref=7, total=3, priority=0, src_ext="8001", want_report=False,
    )  # fmt: skip
    pdu = adapter().submit(submission, 44)
    assert pdu.sequence_id == 44 and pdu.dest_term_ids == ("13300138000",)
    assert pdu.content == b"\x05\x00\x03\x07\x03\x02" + body and pdu.msg_format == 8
    assert pdu.options == pdus.concat_options(3, 2) and pdu.concat == udh.Concat(7, 3, 2)
    assert (pdu.src_term_id, pdu.service_id, pdu.need_report) == ("11890018001", "HIS", 0)
    assert (pdu.msg_type, pdu.priority, pdu.fee_type) == (pdus.MsgType.MT, 3, "00")


def test_single_part_has_no_tlvs_and_normal_priority() -> None:
    text = "您的检验报告已出"
    pdu = adapter().submit(
        Submission(SubmitKey(1, 1, 1), "13300138000", text, text.encode("utf-16-be")), 1
    )
    assert pdu.options == () and pdu.priority == 1 and pdu.need_report == 1


@pytest.mark.parametrize(
    ("status", "verdict", "text"),
    [
        (1, Verdict.THROTTLED, "system busy (flow control)"),
        (47, Verdict.FAILED, "illegal DestTermID"),
        (75, Verdict.FAILED, "SP daily quota exceeded"),
        (200, Verdict.FAILED, "gateway vendor error 200"),
        (99, Verdict.FAILED, "other error 99"),
    ],
)
def test_submit_resp_errors(status: int, verdict: Verdict, text: str) -> None:
    answer = adapter().classify(pdus.SubmitResp(sequence_id=3, msg_id=bytes(10), status=status))
    assert answer == SubmitAnswer(3, verdict, error_code=str(status), error_text=text)


def test_submit_resp_ok_gives_the_20_hex_msg_id() -> None:
    answer = adapter().classify(pdus.SubmitResp(sequence_id=3, msg_id=MSG_ID, status=0))
    assert answer == SubmitAnswer(3, Verdict.ACCEPTED, msg_id="01006101161700012345")


def test_report_becomes_delivery_report_and_is_answered() -> None:
    report = Report(MSG_ID, "UNDELIV", err="006", submit_date="2401021230", done_date="2401021231")
    deliver = pdus.Deliver(
        sequence_id=12, msg_id=b"9" * 10, is_report=1, msg_format=0, src_term_id="8613300138000",
        dest_term_id="1189001", content=build_report(report),
    )  # fmt: skip
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest)
    assert request.reply == pdus.DeliverResp(sequence_id=12, msg_id=b"9" * 10, status=0)
    (event,) = request.events
    assert isinstance(event, DeliveryReport)
    assert (event.carrier_msg_id, event.stat, event.phone, event.error_code) == (
        "01006101161700012345", "UNDELIV", "13300138000", "006",
    )  # fmt: skip
    assert event.done_at is not None and (event.done_at.hour, event.done_at.minute) == (12, 31)


def test_delivered_report_has_no_error_code() -> None:
    deliver = pdus.Deliver(
        sequence_id=1, msg_id=MSG_ID, is_report=1, src_term_id="13300138000",
        dest_term_id="1189001", content=build_report(Report(MSG_ID, "DELIVRD")),
    )  # fmt: skip
    (event,) = adapter().classify(deliver).events  # type: ignore[union-attr]
    assert event.delivered and event.error_code is None  # type: ignore[union-attr]


def _mo(seq: int, content: bytes, options: tlv.Tlvs = ()) -> pdus.Deliver:
    return pdus.Deliver(
        sequence_id=seq, msg_id=MSG_ID, src_term_id="13300138000",
        dest_term_id="11890018001", content=content, options=options,
    )  # fmt: skip


def test_long_mo_parts_are_passed_on_one_by_one() -> None:
    a = adapter()
    second = a.classify(_mo(2, udh.build(5, 2, 2) + "复诊".encode("utf-16-be"), ((2, b"\x01"),)))
    assert isinstance(second, PeerRequest) and second.reply.status == 0
    (event,) = second.events
    assert isinstance(event, MoPart)
    assert (event.phone, event.service_number, event.ref, event.seq, event.content) == (
        "13300138000", "11890018001", 5, 2, "复诊",
    )  # fmt: skip


def test_unreadable_deliver_is_answered_with_structure_error() -> None:
    deliver = _mo(7, b"\x05\x00\x03", ((2, b"\x01"),))  # UDH longer than the content
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest) and not request.events
    assert request.reply.status == 10


def test_peer_requests_and_answers() -> None:
    a = adapter()
    assert a.classify(pdus.ActiveTest(sequence_id=5)) == PeerRequest(
        reply=pdus.ActiveTestResp(sequence_id=5)
    )
    assert a.classify(pdus.Exit(sequence_id=6)) == PeerRequest(
        reply=pdus.ExitResp(sequence_id=6), closes=True
    )
    assert a.classify(pdus.ActiveTestResp(sequence_id=7)) == Answer(7)
    assert isinstance(a.keepalive(8), pdus.ActiveTest) and isinstance(a.logout(9), pdus.Exit)


def test_login_and_its_answers() -> None:
    a = adapter()
    login = a.login(1)
    stamp = f"{login.timestamp:010d}"
    assert login.authenticator == auth.client_authenticator("90123456", "secret", stamp)
    assert login.login_mode == pdus.LoginMode.TRANSMIT
    a.check_login(pdus.LoginResp(sequence_id=1, status=0))
    with pytest.raises(LoginRefused, match="status 21: authentication error"):
        a.check_login(pdus.LoginResp(sequence_id=1, status=21))
    with pytest.raises(LoginRefused, match="expected LOGIN_RESP"):
        a.check_login(pdus.ActiveTest(sequence_id=1))


def test_a_reply_carries_the_deliver_msg_id() -> None:
    (event,) = adapter().classify(_mo(3, "好".encode("utf-16-be"))).events  # type: ignore[union-attr]
    assert isinstance(event, MoMessage) and event.gateway_msg_id == "01006101161700012345"
