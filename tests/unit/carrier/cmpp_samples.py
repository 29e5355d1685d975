"""One sample of every CMPP PDU, shared by the codec tests."""

from __future__ import annotations

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.report import Report, build_report

REPORT = Report(
    msg_id=0x110C414000060007,
    stat="DELIVRD",
    submit_time="2401021230",
    done_time="2401021231",
    dest_terminal_id="13800138000",
    smsc_sequence=42,
)


def samples(version: int) -> list[pdus.Pdu]:
    id_width = 21 if version == pdus.V20 else 32
    v30 = version == pdus.V30
    return [
        pdus.Connect(1, "901234", bytes(range(16)), version, 123101530),
        pdus.ConnectResp(1, 0, bytes(range(16, 32)), version),
        pdus.ConnectResp(2, 3, b"\x00" * 16, version),
        pdus.Terminate(3),
        pdus.TerminateResp(3),
        pdus.ActiveTest(4),
        pdus.ActiveTestResp(4),
        pdus.Submit(
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
        pdus.Submit(6, ("13800138000",), b"\x05\x00\x03\x07\x02\x01" + b"\x4f\x60", tp_udhi=1),
        pdus.SubmitResp(5, 0x110C414000060007, 0),
        pdus.SubmitResp(6, 0, 13),
        pdus.Deliver(7, 99, "1069012301", "13800138000", "预约".encode("utf-16-be")),
        pdus.Deliver(
            8,
            100,
            "1069012301",
            "13800138000",
            build_report(REPORT, id_width),
            registered_delivery=1,
            link_id="L" if v30 else "",
            src_terminal_type=1 if v30 else 0,
        ),
        pdus.DeliverResp(7, 99, 0),
        pdus.Cancel(9, 0x110C414000060007),
        pdus.CancelResp(9, 1),
        pdus.Query(10, "20240102", 1, "HIS"),
        pdus.QueryResp(10, "20240102", 1, "HIS", 1, 2, 3, 4, 5, 6, 7, 8),
    ]
