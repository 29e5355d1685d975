"""The SGIP adapter: submits, sequence ids, answers, REPORT (final only) and DELIVER."""

from __future__ import annotations

import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, MoPart, Submission, SubmitKey
from hisms.carrier.session.adapter import Answer, LoginRefused, PeerRequest, SubmitAnswer, Verdict
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.adapter import SgipAdapter
from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.sgip.options import SgipOptions
from hisms.carrier.wire import udh

OPTIONS = SgipOptions(
    host="gw",
    port=1,
    node_id=3020012345,
    login_name="hisms",
    login_password="pw",
    src_number="10655001",
    corp_id="12345",
    service_type="HIS",
)
TEXT = "您的检验报告已出"


def part(**kw: object) -> Submission:
    return Submission(SubmitKey(1, 1, 1), "13012345678", TEXT, TEXT.encode("utf-16-be"), **kw)  # type: ignore[arg-type]


def test_submit_carries_86_udh_extension_and_report_flag() -> None:
    body = "第二部分".encode("utf-16-be")
    submission = Submission(
        SubmitKey(9, 2, 1), "13012345678", "第二部分", body, udh=udh.build(7, 3, 2),
        ref=7, total=3, priority=0, src_ext="8001", want_report=False,
    )  # fmt: skip
    pdu = SgipAdapter("cucc", OPTIONS).submit(submission, 44)
    assert pdu.user_numbers == ("8613012345678",) and pdu.sp_number == "106550018001"
    assert pdu.content == b"\x05\x00\x03\x07\x03\x02" + body and pdu.tp_udhi == 1
    assert pdu.concat == udh.Concat(7, 3, 2) and pdu.message_coding == 8
    assert (pdu.report_flag, pdu.priority) == (pdus.ReportFlag.NEVER, 9)
    assert (pdu.corp_id, pdu.service_type, pdu.charge_number) == ("12345", "HIS", "0" * 21)
    assert pdu.sequence.node == 3020012345


def test_sequences_are_channel_wide_and_mapped_back_to_the_session_counter() -> None:
    adapter = SgipAdapter("cucc", OPTIONS)
    first, second = adapter.submit(part(), 2), adapter.submit(part(), 2)  # two links, same seq
    assert first.sequence != second.sequence
    answer = adapter.classify(pdus.SubmitResp(sequence=second.sequence, result=0))
    assert answer == SubmitAnswer(2, Verdict.ACCEPTED, msg_id=str(second.sequence))
    late = adapter.classify(pdus.SubmitResp(sequence=second.sequence, result=0))
    assert isinstance(late, SubmitAnswer) and late.seq == 0  # answered already: unknown


@pytest.mark.parametrize(
    ("result", "verdict", "text"),
    [
        (11, Verdict.THROTTLED, "node busy"),
        (33, Verdict.THROTTLED, "SMSC queue full"),
        (6, Verdict.FAILED, "illegal mobile number (missing 86?)"),
        (99, Verdict.FAILED, "other error 99"),
    ],
)
def test_submit_resp_errors(result: int, verdict: Verdict, text: str) -> None:
    adapter = SgipAdapter("cucc", OPTIONS)
    sent = adapter.submit(part(), 5)
    answer = adapter.classify(pdus.SubmitResp(sequence=sent.sequence, result=result))
    assert answer == SubmitAnswer(5, verdict, error_code=str(result), error_text=text)


def _report(state: int, error_code: int = 0) -> pdus.Report:
    return pdus.Report(
        sequence=Sequence(3010099999, 1125103000, 8),
        submit_sequence=Sequence(3020012345, 1125102959, 17),
        user_number="8613012345678",
        state=state,
        error_code=error_code,
    )


@pytest.mark.parametrize(
    ("state", "code", "stat", "error"),
    [(0, 0, "DELIVRD", None), (2, 25, "SG:0025", "SG:0025"), (2, 0, "UNDELIV", "UNDELIV")],
)
def test_final_report_becomes_delivery_report(
    state: int, code: int, stat: str, error: str | None
) -> None:
    request = SgipAdapter("cucc", OPTIONS).classify(_report(state, code))
    assert isinstance(request, PeerRequest)
    assert request.reply == pdus.ReportResp(sequence=Sequence(3010099999, 1125103000, 8))
    (event,) = request.events
    assert isinstance(event, DeliveryReport)
    assert (event.carrier_msg_id, event.stat, event.phone, event.error_code) == (
        "3020012345-1125102959-17", stat, "13012345678", error,
    )  # fmt: skip


def test_interim_report_is_answered_but_not_passed_on() -> None:
    request = SgipAdapter("cucc", OPTIONS).classify(_report(pdus.State.WAITING))
    assert isinstance(request, PeerRequest) and request.reply is not None
    assert request.events == []


def test_long_mo_parts_are_passed_on_and_unreadable_mo_is_answered_with_an_error() -> None:
    adapter = SgipAdapter("cucc", OPTIONS)

    def deliver(counter: int, content: bytes) -> pdus.Deliver:
        return pdus.Deliver(
            sequence=Sequence(1, 1125103000, counter), user_number="8613012345678",
            sp_number="106550018001", content=content, tp_udhi=0x40,
        )  # fmt: skip

    second = adapter.classify(deliver(2, udh.build(5, 2, 2) + "复诊".encode("utf-16-be")))
    (event,) = second.events  # type: ignore[union-attr]
    assert isinstance(event, MoPart)
    assert (event.phone, event.service_number, event.seq, event.total, event.content) == (
        "13012345678", "106550018001", 2, 2, "复诊",
    )  # fmt: skip
    bad = adapter.classify(deliver(3, b"\x09\x00"))
    assert isinstance(bad, PeerRequest) and bad.reply.result == 5 and not bad.events


def test_login_unbind_and_no_keepalive() -> None:
    adapter = SgipAdapter("cucc", OPTIONS)
    bind = adapter.login(1)
    assert (bind.login_type, bind.login_name, bind.login_password) == (1, "hisms", "pw")
    adapter.check_login(pdus.BindResp(sequence=bind.sequence, result=0))
    with pytest.raises(LoginRefused, match="result 1: illegal login"):
        adapter.check_login(pdus.BindResp(sequence=bind.sequence, result=1))
    assert adapter.keepalive(2) is None and isinstance(adapter.logout(3), pdus.Unbind)
    unbind = pdus.Unbind(sequence=Sequence(1, 1, 1))
    assert adapter.classify(unbind) == PeerRequest(
        reply=pdus.UnbindResp(sequence=unbind.sequence), closes=True
    )
    assert isinstance(adapter.classify(pdus.UnbindResp(sequence=unbind.sequence)), Answer)


def test_a_reply_carries_its_deliver_sequence_as_its_id() -> None:
    deliver = pdus.Deliver(
        sequence=Sequence(3000012345, 1125103000, 17), user_number="8613012345678",
        sp_number="106550018001", content="好".encode("utf-16-be"),
    )  # fmt: skip
    (event,) = SgipAdapter("cucc", OPTIONS).classify(deliver).events  # type: ignore[union-attr]
    assert isinstance(event, MoMessage) and event.gateway_msg_id == "3000012345-1125103000-17"
