"""The CMPP adapter: submits built from Submissions, answers and DELIVERs classified."""

from __future__ import annotations

import logging

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, MoPart, Submission, SubmitKey
from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.adapter import CmppAdapter
from hisms.carrier.cmpp.options import CmppOptions
from hisms.carrier.cmpp.report import Report, build_report
from hisms.carrier.session.adapter import (
    Answer,
    LoginRefused,
    PeerRequest,
    SubmitAnswer,
    Verdict,
)
from hisms.carrier.wire import udh
from hisms.carrier.wire.errors import RemoteProtocolError

OPTIONS = CmppOptions(
    host="gw",
    port=1,
    source_addr="901234",
    secret="secret",
    src_number="10690123",
    service_id="HIS",
)


def adapter(**changes: object) -> CmppAdapter:
    return CmppAdapter("cmcc", OPTIONS.model_copy(update=changes))


def test_submit_carries_udh_parts_extension_and_report_flag() -> None:
    body = "第二部分".encode("utf-16-be")
    submission = Submission(
        SubmitKey(9, 2, 1), "13800138000", "第二部分", body, udh=udh.build(7, 3, 2),
        ref=7, total=3, src_ext="8001", want_report=False,
    )  # fmt: skip
    pdu = adapter().submit(submission, 44)
    assert pdu.sequence_id == 44 and pdu.dest_terminal_ids == ("13800138000",)
    assert (pdu.pk_total, pdu.pk_number, pdu.tp_udhi) == (3, 2, 1)
    assert pdu.msg_content == b"\x05\x00\x03\x07\x03\x02" + body
    assert (pdu.src_id, pdu.msg_src, pdu.service_id) == ("106901238001", "901234", "HIS")
    assert pdu.registered_delivery == 0 and pdu.msg_fmt == 8


@pytest.mark.parametrize(
    ("result", "verdict", "text"),
    [
        (8, Verdict.THROTTLED, "flow control (throttled)"),
        (13, Verdict.FAILED, "Dest_terminal_Id error"),
        (150, Verdict.FAILED, "gateway vendor error 150"),
    ],
)
def test_submit_resp_errors(result: int, verdict: Verdict, text: str) -> None:
    answer = adapter().classify(pdus.SubmitResp(3, 0, result))
    assert answer == SubmitAnswer(3, verdict, error_code=str(result), error_text=text)


def test_submit_resp_ok_gives_the_hex_msg_id() -> None:
    answer = adapter().classify(pdus.SubmitResp(3, 0x110C414000060007, 0))
    assert answer == SubmitAnswer(3, Verdict.ACCEPTED, msg_id="110c414000060007")


@pytest.mark.parametrize("id_width", [21, 32])
def test_report_becomes_delivery_report_and_is_answered(id_width: int) -> None:
    report = Report(0x110C414000060007, "UNDELIV", "2401021230", "2401021231", "8613800138000")
    deliver = pdus.Deliver(
        12, 555, "10690123", "8613800138000", build_report(report, id_width), registered_delivery=1
    )
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest)
    assert request.reply == pdus.DeliverResp(12, 555, 0)
    (event,) = request.events
    assert isinstance(event, DeliveryReport)
    assert (event.carrier_msg_id, event.stat, event.phone) == (
        "110c414000060007", "UNDELIV", "13800138000",
    )  # fmt: skip
    assert event.error_code == "UNDELIV" and event.done_at is not None
    assert (event.done_at.hour, event.done_at.minute) == (12, 31)


def test_unreadable_report_is_still_answered_with_an_error() -> None:
    deliver = pdus.Deliver(12, 555, "1", "2", b"\x00" * 50, registered_delivery=1)
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest)
    assert request.reply == pdus.DeliverResp(12, 555, 1) and not request.events


@pytest.mark.parametrize("udhi", [1, 0x40])
def test_long_mo_parts_with_16_bit_reference_are_passed_on(udhi: int) -> None:
    cmpp = adapter()
    parts = ["我要预约", "明天上午"]
    delivers = [
        pdus.Deliver(
            i,
            i,
            "106901238001",
            "13800138000",
            bytes([6, 8, 4, 0x12, 0x34, 2, i]) + text.encode("utf-16-be"),
            tp_udhi=udhi,
        )
        for i, text in enumerate(parts, start=1)
    ]
    # Each part goes to the engine, which stores it and joins the set (engine/moparts.py).
    first = cmpp.classify(delivers[1])
    assert isinstance(first, PeerRequest) and first.reply is not None
    (part,) = first.events
    assert isinstance(part, MoPart)
    assert (part.phone, part.ref, part.total, part.seq, part.content, part.extension) == (
        "13800138000", 0x1234, 2, 2, "明天上午", "8001",
    )  # fmt: skip


def test_gbk_mo() -> None:
    deliver = pdus.Deliver(1, 1, "10690123", "13800138000", "取消".encode("gbk"), msg_fmt=15)
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest)
    (event,) = request.events
    assert isinstance(event, MoMessage) and event.content == "取消"


@pytest.mark.parametrize(
    ("sender", "phone"),
    [("8613800138000", "13800138000"), ("+86139", "+86139"), ("0086755123", "0086755123")],
)
def test_mo_sender_is_a_mobile_number_or_kept_as_given(
    sender: str, phone: str, caplog: pytest.LogCaptureFixture
) -> None:
    deliver = pdus.Deliver(1, 1, "10690123", sender, "好".encode("utf-16-be"))
    request = adapter().classify(deliver)
    assert isinstance(request, PeerRequest) and request.reply is not None
    (event,) = request.events
    assert isinstance(event, MoMessage) and (event.phone, event.content) == (phone, "好")
    assert ("stored as given" in caplog.text) is (phone == sender)
    assert sender[2:] not in caplog.text  # masked


def test_peer_requests_and_answers() -> None:
    cmpp = adapter()
    assert cmpp.classify(pdus.ActiveTest(5)) == PeerRequest(reply=pdus.ActiveTestResp(5))
    assert cmpp.classify(pdus.Terminate(6)) == PeerRequest(reply=pdus.TerminateResp(6), closes=True)
    assert cmpp.classify(pdus.ActiveTestResp(7)) == Answer(7)
    with pytest.raises(RemoteProtocolError):
        cmpp.classify(pdus.Submit(1, ("1",), b""))


def test_login_refused_with_the_spec_text() -> None:
    cmpp = adapter()
    cmpp.login(1)
    with pytest.raises(LoginRefused, match="status 3: authenticator error"):
        cmpp.check_login(pdus.ConnectResp(1, 3, b"", pdus.V30))


def test_wrong_server_authenticator_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    cmpp = adapter(verify_server_auth=True)
    connect = cmpp.login(1)
    good = auth.ismg(0, connect.authenticator, "secret", pdus.V30)
    with caplog.at_level(logging.WARNING):
        cmpp.check_login(pdus.ConnectResp(1, 0, good, pdus.V30))
        assert not caplog.records
        cmpp.check_login(pdus.ConnectResp(1, 0, b"\x00" * 16, pdus.V30))
    assert "AuthenticatorISMG does not match" in caplog.text


def test_a_reply_and_a_part_carry_the_deliver_msg_id() -> None:
    """The engine stores a reply once per (channel, Msg_Id): the ISMG sends an unanswered
    DELIVER again under the Msg_Id it had."""
    whole = pdus.Deliver(1, 0x0123456789ABCDEF, "10690123", "13800138000", "好".encode("utf-16-be"))
    (event,) = adapter().classify(whole).events  # type: ignore[union-attr]
    assert isinstance(event, MoMessage) and event.gateway_msg_id == "0123456789abcdef"
    content = udh.build(5, 2, 1) + "改到".encode("utf-16-be")
    part = pdus.Deliver(2, 0xFEDC, "10690123", "13800138000", content, tp_udhi=1)
    (event,) = adapter().classify(part).events  # type: ignore[union-attr]
    assert isinstance(event, MoPart) and event.gateway_msg_id == "000000000000fedc"
