"""One sample of every PDU of every protocol, shared by the codec tests."""

from __future__ import annotations

from hisms.carrier.cmpp import pdus as cmpp
from hisms.carrier.cmpp import report as cmpp_report
from hisms.carrier.sgip import pdus as sgip
from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.smgp import pdus as smgp
from hisms.carrier.smgp import report as smgp_report
from hisms.carrier.smpp import pdus as smpp
from hisms.carrier.wire import tlv, udh
from hisms.carrier.wire.text import ASCII, GBK

CMPP_REPORT = cmpp_report.Report(
    msg_id=0x110C414000060007,
    stat="DELIVRD",
    submit_time="2401021230",
    done_time="2401021231",
    dest_terminal_id="13800138000",
    smsc_sequence=42,
)


def cmpp_samples(version: int) -> list[cmpp.Pdu]:
    id_width = 21 if version == cmpp.V20 else 32
    v30 = version == cmpp.V30
    return [
        cmpp.Connect(1, "901234", bytes(range(16)), version, 123101530),
        cmpp.ConnectResp(1, 0, bytes(range(16, 32)), version),
        cmpp.ConnectResp(2, 3, b"\x00" * 16, version),
        cmpp.Terminate(3),
        cmpp.TerminateResp(3),
        cmpp.ActiveTest(4),
        cmpp.ActiveTestResp(4),
        cmpp.Submit(
            5,
            ("13800138000", "13900139000"),
            "您的检验报告已出".encode("utf-16-be"),
            src_id="1069012301",
            service_id="HIS",
            msg_src="901234",
            fee_terminal_type=1 if v30 else 0,
            dest_terminal_type=1 if v30 else 0,
            link_id="link-1" if v30 else "",
            valid_time="240102123000032+",
        ),
        cmpp.Submit(6, ("13800138000",), b"\x05\x00\x03\x07\x02\x01" + b"\x4f\x60", tp_udhi=1),
        cmpp.SubmitResp(5, 0x110C414000060007, 0),
        cmpp.SubmitResp(6, 0, 13),
        cmpp.Deliver(7, 99, "1069012301", "13800138000", "预约".encode("utf-16-be")),
        cmpp.Deliver(
            8,
            100,
            "1069012301",
            "13800138000",
            cmpp_report.build_report(CMPP_REPORT, id_width),
            registered_delivery=1,
            link_id="L" if v30 else "",
            src_terminal_type=1 if v30 else 0,
        ),
        cmpp.DeliverResp(7, 99, 0),
        cmpp.Cancel(9, 0x110C414000060007),
        cmpp.CancelResp(9, 1),
        cmpp.Query(10, "20240102", 1, "HIS"),
        cmpp.QueryResp(10, "20240102", 1, "HIS", 1, 2, 3, 4, 5, 6, 7, 8),
    ]


# -- SGIP ------------------------------------------------------------------

SGIP_SEQ = Sequence(3000012345, 1125103000, 17)
SGIP_OTHER_SEQ = Sequence(1002001, 1125103001, 0)
SGIP_BIND = sgip.Bind(
    sequence=SGIP_SEQ, login_type=sgip.LoginType.SP_TO_SMG, login_name="his", login_password="pw"
)
SGIP_BIND_OK = sgip.BindResp(sequence=SGIP_SEQ, result=0)
SGIP_UNBIND = sgip.Unbind(sequence=SGIP_SEQ)
LONG_PART = udh.build(0x2A, 2, 1) + "住院费用结算通知".encode("utf-16-be")


def sgip_samples() -> list[sgip.Pdu]:
    return [
        SGIP_BIND,
        sgip.Bind(
            sequence=SGIP_SEQ,
            login_type=sgip.LoginType.SMG_TO_SP,
            login_name="smg",
            login_password="x",
        ),
        SGIP_BIND_OK,
        sgip.BindResp(sequence=SGIP_SEQ, result=1),
        SGIP_UNBIND,
        sgip.UnbindResp(sequence=SGIP_SEQ),
        sgip.Submit(
            sequence=SGIP_SEQ,
            sp_number="10655012345",
            user_numbers=("8613800138000",),
            charge_number=sgip.SP_PAYS,
            corp_id="12345",
            service_type="HIS",
            content="您的检查报告已出".encode("utf-16-be"),
        ),
        sgip.Submit(
            sequence=SGIP_SEQ,
            sp_number="10655012345",
            user_numbers=("8613800138000", "8613900139000"),
            tp_udhi=1,
            content=LONG_PART,
            priority=9,
            expire_time="251126103000032+",
        ),
        sgip.SubmitResp(sequence=SGIP_SEQ, result=0),
        sgip.SubmitResp(sequence=SGIP_SEQ, result=6),
        sgip.Deliver(
            sequence=SGIP_OTHER_SEQ,
            user_number="8613800138000",
            sp_number="10655012345",
            message_coding=ASCII,
            content=b"TD",
        ),
        sgip.DeliverResp(sequence=SGIP_OTHER_SEQ),
        sgip.Report(
            sequence=SGIP_OTHER_SEQ, submit_sequence=SGIP_SEQ, user_number="8613800138000", state=0
        ),
        sgip.Report(
            sequence=SGIP_OTHER_SEQ,
            submit_sequence=SGIP_SEQ,
            user_number="8613800138000",
            state=2,
            error_code=25,
        ),
        sgip.ReportResp(sequence=SGIP_OTHER_SEQ),
    ]


# -- SMGP ------------------------------------------------------------------

SMGP_MSG_ID = bytes.fromhex("01006101161700012345")  # the spec 6.2.26 example
SMGP_ODD_ID = bytes.fromhex("6495c36ac4ea6b00000b")  # not BCD, as real gateways send
SMGP_LOGIN = smgp.Login(
    sequence_id=1,
    client_id="10690001",
    authenticator=bytes(range(16)),
    login_mode=2,
    timestamp=301000000,
)
SMGP_LOGIN_OK = smgp.LoginResp(sequence_id=1, status=0, authenticator=bytes(range(16, 32)))
SMGP_EXIT = smgp.Exit(sequence_id=9)
SMGP_REPORT = smgp_report.Report(
    msg_id=SMGP_ODD_ID, stat="DELIVRD", submit_date="2511251030", done_date="2511251031"
)


def smgp_samples() -> list[smgp.Pdu]:
    return [
        SMGP_LOGIN,
        SMGP_LOGIN_OK,
        smgp.LoginResp(sequence_id=1, status=21),
        smgp.Submit(
            sequence_id=2,
            src_term_id="1069000112345",
            dest_term_ids=("13800138000",),
            content="您的检查报告已出".encode("utf-16-be"),
            options=(
                (smgp.Tag.LINK_ID, tlv.text_value("abc", 20)),
                (smgp.Tag.MSG_SRC, tlv.text_value("10690001", 8)),
            ),
        ),
        smgp.Submit(
            sequence_id=3,
            src_term_id="1069000112345",
            dest_term_ids=("13800138000", "18912345678"),
            content=LONG_PART,
            options=smgp.concat_options(2, 1),
            service_id="HIS",
            fee_type="01",
        ),
        smgp.SubmitResp(sequence_id=2, msg_id=SMGP_MSG_ID),
        smgp.SubmitResp(sequence_id=3, msg_id=bytes(10), status=75),
        smgp.Deliver(
            sequence_id=4,
            msg_id=SMGP_ODD_ID,
            recv_time="20251125103000",
            src_term_id="13800138000",
            dest_term_id="1069000112345",
            msg_format=GBK,
            content="取消".encode("gbk"),
            options=((0x7F01, b"\x01\x02"),),  # an unknown tag survives
        ),
        smgp.Deliver(
            sequence_id=5,
            msg_id=SMGP_MSG_ID,
            is_report=1,
            src_term_id="13800138000",
            dest_term_id="1069000112345",
            msg_format=ASCII,
            content=smgp_report.build_report(SMGP_REPORT),
        ),
        smgp.DeliverResp(sequence_id=4, msg_id=SMGP_ODD_ID),
        smgp.ActiveTest(sequence_id=6),
        smgp.ActiveTestResp(sequence_id=6),
        SMGP_EXIT,
        smgp.ExitResp(sequence_id=9),
    ]


# -- SMPP ------------------------------------------------------------------

SMPP_SUBMIT = smpp.SubmitSm(
    sequence_number=7,
    source_addr="10690001",
    dest_addr_ton=1,
    dest_addr_npi=1,
    destination_addr="8613800138000",
    esm_class=smpp.ESM_UDHI,
    registered_delivery=1,
    data_coding=8,
    short_message=bytes.fromhex("050003ab0201") + "你好".encode("utf-16-be"),
)
SMPP_RECEIPT = smpp.DeliverSm(
    sequence_number=9,
    source_addr="8613800138000",
    destination_addr="10690001",
    esm_class=smpp.ESM_DELIVERY_RECEIPT,
    data_coding=1,
    short_message=b"id:0123456789 sub:001 dlvrd:001 submit date:2411251000"
    b" done date:2411251001 stat:DELIVRD err:000 text:",
    tlvs={smpp.Tag.RECEIPTED_MESSAGE_ID: b"0123456789\x00", smpp.Tag.MESSAGE_STATE: b"\x02"},
)

SMPP_SAMPLES: list[smpp.Pdu] = [
    smpp.BindTransmitter(sequence_number=1, system_id="hisms", password="secret"),
    smpp.BindReceiver(sequence_number=2, system_id="hisms", system_type="VMA", addr_ton=1),
    smpp.BindTransceiver(sequence_number=3, system_id="a" * 15, address_range="^1069"),
    smpp.BindTransmitterResp(sequence_number=1, system_id="SMSC"),
    smpp.BindReceiverResp(sequence_number=2, command_status=smpp.Status.RINVPASWD),
    smpp.BindTransceiverResp(
        sequence_number=3, system_id="SMSC", tlvs={smpp.Tag.SC_INTERFACE_VERSION: b"\x34"}
    ),
    smpp.Outbind(sequence_number=4, system_id="SMSC", password="pw"),
    smpp.Unbind(sequence_number=5),
    smpp.UnbindResp(sequence_number=5),
    smpp.EnquireLink(sequence_number=6),
    smpp.EnquireLinkResp(sequence_number=6),
    smpp.GenericNack(sequence_number=0x7FFFFFFF, command_status=smpp.Status.RINVCMDID),
    SMPP_SUBMIT,
    smpp.SubmitSm(sequence_number=8, tlvs={smpp.Tag.MESSAGE_PAYLOAD: b"x" * 1000}),
    smpp.SubmitSmResp(sequence_number=7, message_id="0123456789abcdef"),
    smpp.SubmitSmResp(sequence_number=8, command_status=smpp.Status.RTHROTTLED),
    SMPP_RECEIPT,
    smpp.DeliverSmResp(sequence_number=9),
]
