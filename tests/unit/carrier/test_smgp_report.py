"""SMGP status report texts and MsgIDs: the variants real gateways send."""

from __future__ import annotations

from datetime import datetime

import pytest

from hisms.carrier.smgp import msgid
from hisms.carrier.smgp.report import Report, build_report, parse_report
from hisms.carrier.wire.errors import RemoteProtocolError

RAW_ID = bytes.fromhex("6495c36ac4ea6b00000b")  # not valid BCD

# Interop: report content captured from a gateway, published in the Java SMSGate
# project, Lihuanghe/SMSGate,
# src/test/java/com/zx/sms/codec/smgp/TestSMGPMsgIdUtil.java (testMsgid()).
# Note the non-BCD id, ``submit_date``/``done_date`` with underscores, ``txt``
# and a GBK text.
SMSGATE_REPORT = bytes.fromhex(
    "69643a6495c36ac4ea6b00000b7375623a30303120646c7672643a303031207375626d69745f6461"
    "74653a3138303730353232303720646f6e655f646174653a3138303730353232303720737461743a"
    "44454c49565244206572723a303030207478743ad6d0b9fa306138616535"
)


def test_the_smsgate_captured_report() -> None:
    report = parse_report(SMSGATE_REPORT)
    assert report.msg_id == RAW_ID
    assert report.msg_id_str == "6495c36ac4ea6b00000b"
    assert (report.sub, report.dlvrd, report.stat, report.err) == ("001", "001", "DELIVRD", "000")
    assert (report.submit_date, report.done_date) == ("1807052207", "1807052207")
    assert report.text.decode("gbk") == "中国0a8ae5"


# Interop: report texts from the Go library yedamao/go_smgp,
# smgp/protocol/report_test.go (TestParseReport): raw id bytes that include
# spaces-free binary, ``Text``, and a gateway that glued an "s" in front of
# every key instead of a space.
GO_SMGP_REPORTS = [
    b"id:\020\020\005\005\060\025W\222c9 sub:001 dlvrd:001 submit date:1805301557"
    b" done date:1805301557 stat:DELIVRD err:000 Text:fillfillfillfillfill",
    b"id:\005p\023\005\060\025PVu\001sSub:001sDlvrd:000sSubmit_Date:1805301550"
    b"sDone_Date:1805301550sStat:DELIVRDsErr:000sText:fillfillfillfillfill",
]


@pytest.mark.parametrize("content", GO_SMGP_REPORTS)
def test_the_go_smgp_reports(content: bytes) -> None:
    report = parse_report(content)
    assert report.msg_id == content[3:13]
    assert (report.stat, report.err, report.sub) == ("DELIVRD", "000", "001")
    assert report.done_date.startswith("18053015")
    assert report.text == b"fillfillfillfillfill"


@pytest.mark.parametrize(
    ("key", "rest"),
    [
        (
            b"id:",
            b" sub:001 dlvrd:001 submit date:2511251030"
            b" done date:2511251031 stat:UNDELIV err:004 text:",
        ),
        (
            b"ID:",
            b" SUB:001 DLVRD:001 SUBMIT DATE:2511251030"
            b" DONE DATE:2511251031 STAT:UNDELIV ERR:004 TEXT:",
        ),
        (
            b"id:",
            b"  sub: 001  dlvrd : 001 submit_date: 2511251030"
            b" done_date :2511251031  stat: undeliv err :004",
        ),
        (
            b"Id:",
            b"sub:001dlvrd:001submitdate:2511251030donedate:2511251031stat:UNDELIVerr:004txt:",
        ),
        (
            b"id:",
            b" stat:UNDELIV done date:2511251031 err:004 submit date:2511251030 dlvrd:001 sub:001",
        ),
    ],
    ids=["spec", "upper", "spacing", "no-separators", "reordered"],
)
@pytest.mark.parametrize("hex_id", [False, True], ids=["raw-id", "hex-id"])
def test_variants_of_case_spacing_and_order(key: bytes, rest: bytes, hex_id: bool) -> None:
    content = key + (RAW_ID.hex().encode() if hex_id else RAW_ID) + rest
    assert parse_report(content) == Report(
        msg_id=RAW_ID,
        stat="UNDELIV",
        err="004",
        sub="001",
        dlvrd="001",
        submit_date="2511251030",
        done_date="2511251031",
    )


def test_missing_fields_are_empty_and_a_missing_stat_is_unknown() -> None:
    report = parse_report(b"id:" + RAW_ID + b" err:001")
    assert (report.stat, report.err, report.sub, report.submit_date, report.text) == (
        "UNKNOWN",
        "001",
        "",
        "",
        b"",
    )


def test_id_bytes_that_look_like_keys_are_still_the_id() -> None:
    tricky = b"stat:err:1"  # 10 raw bytes
    report = parse_report(b"id:" + tricky + b" stat:DELIVRD err:000")
    assert (report.msg_id, report.stat) == (tricky, "DELIVRD")


def test_key_like_words_in_the_text_are_text() -> None:
    report = parse_report(b"id:" + RAW_ID + b" stat:DELIVRD err:000 text:stat:EXPIRED")
    assert (report.stat, report.text) == ("DELIVRD", b"stat:EXPIRED")


@pytest.mark.parametrize("content", [b"", b"sub:001 stat:DELIVRD", b"id:123"])
def test_a_report_without_its_id_is_refused(content: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_report(content)


def test_build_report_is_the_spec_text_and_parses_back() -> None:
    report = Report(
        msg_id=RAW_ID,
        stat="EXPIRED",
        err="001",
        submit_date="2511251030",
        done_date="2511251130",
        text=b"012abc",
    )
    content = build_report(report)
    assert content == (
        b"id:" + RAW_ID + b" sub:001 dlvrd:001 submit date:2511251030 done date:2511251130"
        b" stat:EXPIRED err:001 text:012abc"
    )
    assert parse_report(content) == report


def test_msg_id_string_form() -> None:
    raw = bytes.fromhex("01006101161700012345")  # spec 6.2.26's example
    assert msgid.to_str(raw) == "01006101161700012345"
    assert msgid.from_str("01006101161700012345") == raw
    assert msgid.from_str(msgid.to_str(RAW_ID)) == RAW_ID


@pytest.mark.parametrize(
    "text", ["", "0100610116170001234", "0100610116170001234g", "0x010061011617000123"]
)
def test_msg_id_from_str_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        msgid.from_str(text)


def test_msg_id_generator_makes_the_spec_layout() -> None:
    # Spec 6.2.26: SMGW 010061, 16 January 17:00, sequence 12345.
    generator = msgid.MsgIdGenerator("010061", clock=lambda: datetime(2003, 1, 16, 17, 0, 0))
    assert generator.next() == bytes.fromhex("01006101161700000000")
    generator = msgid.MsgIdGenerator("010061", lambda: datetime(2003, 1, 16, 17, 0, 0), start=12345)
    assert generator.next() == bytes.fromhex("01006101161700012345")
    assert generator.next() == bytes.fromhex("01006101161700012346")


def test_msg_id_generator_sequence_wraps() -> None:
    generator = msgid.MsgIdGenerator(
        "010061", lambda: datetime(2003, 1, 16, 17, 0, 0), start=999_999
    )
    assert generator.next().endswith(bytes.fromhex("999999"))
    assert generator.next().endswith(bytes(3))


@pytest.mark.parametrize("gateway", ["", "01006", "01006a"])
def test_msg_id_generator_wants_a_six_digit_gateway(gateway: str) -> None:
    with pytest.raises(ValueError):
        msgid.MsgIdGenerator(gateway)
