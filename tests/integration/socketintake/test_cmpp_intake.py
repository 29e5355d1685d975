"""The CMPP server driven by the project's own CMPP codec in the client role and by PyPI
``cmppy`` (which builds CONNECT and SUBMIT bytes; it has no connection of its own): short
and long submits, reports and MO, the reconnect-safety of reports, and a peer that sends
garbage or comes from an address not allowed."""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Callable
from datetime import datetime

import pytest

from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.wire import udh
from tests.integration.socketintake.conftest import PHONE, Db, IntakeThread, Sp, wait


def test_own_client_short_long_report_and_mo(serve: Callable[..., IntakeThread], db: Db) -> None:
    served = serve(cmpp={})
    sp = Sp(served.port("cmpp"))
    try:
        assert sp.login.status == 0
        (short,) = sp.submit("明天上午九点请到门诊二楼复诊")
        long_text = (
            "住院须知：" + "请携带身份证、医保卡及既往检查资料，按预约时间到住院部办理手续。" * 3
        )
        parts = sp.submit(long_text)
        assert len(parts) == 2 and {p.msg_id for p in parts} == {parts[0].msg_id}
        assert [p.result for p in [short, *parts]] == [0] * 3
        rows = db.query("SELECT id, source_system, content FROM sms_outbox ORDER BY id")
        assert rows == [
            (short.msg_id, "LIS", "明天上午九点请到门诊二楼复诊"),
            (parts[0].msg_id, "LIS", long_text),
        ]
        db.deliver(short.msg_id)
        report = sp.read(pdus.Deliver)
        assert report.registered_delivery == 1
        assert (report.report.msg_id, report.report.stat) == (short.msg_id, "DELIVRD")
        assert report.report.dest_terminal_id == PHONE
        sp.send(pdus.DeliverResp(report.sequence_id, report.msg_id))
        db.reply(PHONE, "好的" * 60)  # a long MO: UDH parts
        mo = [sp.read(pdus.Deliver), sp.read(pdus.Deliver)]
        assert "".join(d.text for d in mo) == "好的" * 60 and mo[0].src_terminal_id == PHONE
        for d in mo:
            sp.send(pdus.DeliverResp(d.sequence_id, d.msg_id))
        wait(lambda: db.acked() == 2, "the report and the MO recorded as answered")
    finally:
        sp.close()


def test_report_sent_again_until_answered(serve: Callable[..., IntakeThread], db: Db) -> None:
    served = serve(cmpp={})
    port = served.port("cmpp")
    sp = Sp(port)
    (resp,) = sp.submit("请按时服药")
    db.deliver(resp.msg_id)
    first = sp.read(pdus.Deliver)
    assert first.report.msg_id == resp.msg_id
    sp.close()  # dropped before answering
    sp = Sp(port)
    again = sp.read(pdus.Deliver)
    assert again.report.msg_id == resp.msg_id and again.msg_id == first.msg_id
    sp.send(pdus.DeliverResp(again.sequence_id, again.msg_id))
    wait(lambda: db.acked() == 1, "the answer recorded")
    sp.close()
    sp = Sp(port)
    try:
        with pytest.raises(TimeoutError):
            sp.read(pdus.Deliver, timeout=0.5)  # answered: never again
    finally:
        sp.close()
    assert db.acked() == 1


def test_cmppy_connects_and_submits(serve: Callable[..., IntakeThread], db: Db) -> None:
    connect_req = pytest.importorskip("cmppy.request.ConnectReq", reason="cmppy not installed")
    from cmppy.request.SubmitReq import SubmitReq
    from cmppy.response.SubmitRes import SubmitRes

    # cmppy does not pad Source_Addr to its 6 bytes: a 6-character login, as SP_Ids are
    served = serve(cmpp={"accounts": {"901234": {"password": "s3cret", "source_system": "LIS"}}})
    with socket.create_connection(("127.0.0.1", served.port("cmpp")), timeout=5) as sock:
        sock.sendall(connect_req.ConnectReq("901234", "s3cret").message)
        head = _frame(sock)
        assert struct.unpack(">I", head[12:16])[0] == 0  # CMPP 3.0 Status: a good login
        sock.sendall(
            SubmitReq("901234", "请按时复诊", src_id="10690123", dest_terminal_id=[PHONE]).message
        )
        answer = SubmitRes(_frame(sock))
    (row,) = db.query("SELECT id, content FROM sms_outbox")
    assert answer.result == 0 and row == (answer.msg_id, "请按时复诊")


def _frame(sock: socket.socket) -> bytes:
    data = sock.recv(4)
    (length,) = struct.unpack(">I", data)
    while len(data) < length:
        data += sock.recv(length - len(data))
    return data


def test_bad_logins_garbage_and_allow_list(serve: Callable[..., IntakeThread], db: Db) -> None:
    served = serve(cmpp={})
    port = served.port("cmpp")
    for login, secret, status in (("lis", "wrong", 3), ("nobody", "s3cret", 2)):
        refused = Sp(port, login, secret)
        assert refused.login.status == status
        refused.close()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x00\x00\x00\x10garbage!garbage!")  # an unknown command
        assert sock.recv(100) == b""  # dropped
    sp = Sp(port)  # the server goes on
    assert sp.login.status == 0 and sp.submit("复查提醒")[0].result == 0
    sp.close()
    walled = serve(cmpp={"allow_ips": ["10.0.0.0/8"]})
    with socket.create_connection(("127.0.0.1", walled.port("cmpp")), timeout=5) as sock:
        assert sock.recv(100) == b""


def test_keepalive_probes_a_silent_client_and_drops_a_dead_one(
    serve: Callable[..., IntakeThread],
) -> None:
    served = serve(cmpp={"keepalive_seconds": 0.3})
    sp = Sp(served.port("cmpp"))
    try:
        probe = sp.read(pdus.ActiveTest, timeout=2)
        sp.send(pdus.ActiveTestResp(probe.sequence_id))  # alive: kept
        again = sp.read(pdus.ActiveTest, timeout=2)
        assert again.sequence_id != probe.sequence_id
        assert sp.read(pdus.ActiveTest, timeout=2) is None  # unanswered: dropped (EOF)
    finally:
        sp.close()


def test_a_long_message_missing_parts_is_refused(
    serve: Callable[..., IntakeThread], db: Db
) -> None:
    served = serve(cmpp={"parts_timeout_seconds": 0.2, "keepalive_seconds": 0.3})
    sp = Sp(served.port("cmpp"))
    try:
        content = udh.build(9, 2, 1) + "只有第一段".encode("utf-16-be")
        sp.send(pdus.Submit(sp.next(), (PHONE,), content, pk_total=2, tp_udhi=1))
        refused = sp.read(pdus.SubmitResp, timeout=3)
        assert refused.result == 9 and refused.msg_id == 0
    finally:
        sp.close()
    assert db.query("SELECT count(*) FROM sms_outbox") == [(0,)]


def test_over_the_rate_submits_get_result_8_and_a_version_other_than_2_or_3_status_4(
    serve: Callable[..., IntakeThread], db: Db
) -> None:
    accounts = {"lis": {"password": "s3cret", "source_system": "LIS", "rate": 1}}
    served = serve(cmpp={"accounts": accounts})
    sp = Sp(served.port("cmpp"))
    try:
        results = [sp.submit("复诊提醒")[0].result for _ in range(4)]
    finally:
        sp.close()
    assert results.count(8) >= 2 and set(results) <= {0, 8}  # 8: flow control
    assert len(db.query("SELECT id FROM sms_outbox")) == results.count(0)
    with socket.create_connection(("127.0.0.1", served.port("cmpp")), timeout=5) as sock:
        connect = auth.connect(1, "lis", "s3cret", 0x40, datetime.now())
        sock.sendall(CmppCodec(pdus.V30).encode(connect))
        head = _frame(sock)
        assert struct.unpack(">I", head[4:8])[0] == 0x80000001
        assert struct.unpack(">I", head[12:16])[0] == 4  # CMPP 3.0 Status: bad version


def test_two_links_share_the_reports_within_their_window_each_once(
    serve: Callable[..., IntakeThread], db: Db
) -> None:
    """Two links of one login, deliver_window 2: at most two unanswered DELIVERs per link,
    the rest wait; every report goes out on one link, and once answered never again."""
    served = serve(cmpp={"deliver_window": 2})
    port = served.port("cmpp")
    links = [Sp(port), Sp(port)]
    try:
        ids = [links[0].submit(f"复诊提醒{n}")[0].msg_id for n in range(5)]
        for msg_id in ids:
            db.deliver(msg_id)
        out = [[sp.read(pdus.Deliver) for _ in range(2)] for sp in links]
        for sp in links:
            with pytest.raises(TimeoutError):  # its window is full: nothing more
                sp.read(pdus.Deliver, timeout=0.5)
        for sp, delivers in zip(links, out, strict=True):
            for d in delivers:
                sp.send(pdus.DeliverResp(d.sequence_id, d.msg_id))
        wait(lambda: db.acked() == 4, "four answers recorded")
        last = None
        for _ in range(25):  # the fifth, on whichever link the feed chose: 10 s at most
            for n, sp in enumerate(links):
                if last is None:
                    with contextlib.suppress(TimeoutError):
                        last = (n, sp.read(pdus.Deliver, timeout=0.2))
            if last:
                break
        assert last is not None, "the fifth report never came"
        links[last[0]].send(pdus.DeliverResp(last[1].sequence_id, last[1].msg_id))
        wait(lambda: db.acked() == 5, "the fifth answer recorded")
        reports = [d.report.msg_id for d in [*out[0], *out[1], last[1]]]
        assert sorted(reports) == sorted(ids)  # each report once, over the two links
        for sp in links:
            with pytest.raises(TimeoutError):
                sp.read(pdus.Deliver, timeout=0.5)
    finally:
        for sp in links:
            sp.close()
