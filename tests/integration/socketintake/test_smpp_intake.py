"""The SMPP server driven by PyPI ``smpplib``: short and long submits become rows answered
with their ids, receipts and an MO come back as deliver_sm and are recorded as answered."""

from __future__ import annotations

import select
import socket
import struct
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.socketintake.conftest import Db, IntakeThread, wait

smpplib_client = pytest.importorskip("smpplib.client", reason="smpplib not installed")
import smpplib.consts  # noqa: E402
import smpplib.gsm  # noqa: E402
import smpplib.smpp  # noqa: E402

LONG = (
    "您的检验报告已出，请登录医院公众号查看详细结果；如有疑问请于工作日到门诊三楼检验科咨询，谢谢配合。"
    * 2
)


def _client(port: int, sent: list[Any], got: list[Any]) -> Any:
    client = smpplib_client.Client("127.0.0.1", port, timeout=5, allow_unknown_opt_params=True)
    client.set_message_sent_handler(lambda pdu: sent.append(pdu))
    client.set_message_received_handler(lambda pdu: got.append(pdu))
    client.connect()
    return client


def _send(client: Any, text: str, phone: str = "13800138000") -> int:
    parts, coding, esm_class = smpplib.gsm.make_parts(text)
    for part in parts:
        client.send_message(
            source_addr="10690123", destination_addr=phone, short_message=part,
            data_coding=coding, esm_class=esm_class, registered_delivery=1,
        )  # fmt: skip
    return len(parts)


def test_smpplib_submits_and_gets_receipts_and_mo(
    serve: Callable[..., IntakeThread], db: Db
) -> None:
    served = serve(smpp={})
    sent: list[Any] = []
    got: list[Any] = []
    client = _client(served.port("smpp"), sent, got)
    try:
        client.bind_transceiver(system_id="lis", password="s3cret")
        pdus = _send(client, "请明早空腹来院抽血") + _send(client, LONG)
        assert pdus == 3  # one short, a long one in two UDH parts
        while len(sent) < pdus:
            client.read_once()
        ids = [int(resp.message_id) for resp in sent]
        rows = db.query("SELECT id, source_system, phone, content FROM sms_outbox ORDER BY id")
        assert rows == [
            (ids[0], "LIS", "13800138000", "请明早空腹来院抽血"),
            (ids[1], "LIS", "13800138000", LONG),
        ]
        assert ids[1:] == [ids[1]] * 2  # every part answered with the message's id
        db.deliver(ids[0])
        db.deliver(ids[1], "UNDELIV")
        db.reply("13800138000", "收到，谢谢")
        while len(got) < 3:
            client.read_once()
        receipts = {p.receipted_message_id.decode(): p for p in got if p.esm_class == 4}
        assert set(receipts) == {str(ids[0]), str(ids[1])}
        assert b"stat:DELIVRD" in receipts[str(ids[0])].short_message
        assert b"stat:UNDELIV" in receipts[str(ids[1])].short_message
        (mo,) = [p for p in got if p.esm_class != 4]
        assert mo.short_message.decode("utf-16-be") == "收到，谢谢"
        assert mo.source_addr == b"13800138000"
        wait(lambda: db.acked() == 3, "the three events recorded as answered")
        assert db.query("SELECT status FROM sms_inbox") == [(1,)]  # the MO is CONSUMED
        client.unbind()
    finally:
        client.disconnect()


def test_throttled_over_the_rate_and_bad_logins(serve: Callable[..., IntakeThread], db: Db) -> None:
    accounts = {"lis": {"password": "s3cret", "source_system": "LIS", "rate": 1}}
    served = serve(smpp={"accounts": accounts})
    sent: list[Any] = []
    client = _client(served.port("smpp"), sent, [])
    # smpplib hands an error answer to this handler and then to the sent handler as well:
    # keep it from raising, and count every answer once, through the sent handler.
    client.set_error_pdu_handler(lambda pdu: None)
    try:
        client.bind_transmitter(system_id="lis", password="s3cret")
        for _ in range(4):
            _send(client, "复诊提醒")
        while len(sent) < 4:
            client.read_once()
    finally:
        client.disconnect()
    statuses = [resp.status for resp in sent]
    assert statuses.count(smpplib.consts.SMPP_ESME_RTHROTTLED) >= 2
    assert len(db.query("SELECT id FROM sms_outbox")) == statuses.count(0)
    bad = _client(served.port("smpp"), [], [])
    try:
        with pytest.raises(smpplib_client.exceptions.PDUError):
            bad.bind_transceiver(system_id="lis", password="wrong")
    finally:
        bad.disconnect()


def test_sar_parts_and_message_payload(serve: Callable[..., IntakeThread], db: Db) -> None:
    served = serve(smpp={})
    sent: list[Any] = []
    client = _client(served.port("smpp"), sent, [])
    body = LONG.encode("utf-16-be")
    halves = [body[: len(body) // 2], body[len(body) // 2 :]]
    try:
        client.bind_transmitter(system_id="lis", password="s3cret")
        for seq, half in enumerate(halves, 1):
            client.send_message(
                destination_addr="13800138000", short_message=half, data_coding=8,
                sar_msg_ref_num=300, sar_total_segments=2, sar_segment_seqnum=seq,
            )  # fmt: skip
        client.send_message(
            destination_addr="13800138001", short_message=b"", message_payload=body, data_coding=8
        )
        while len(sent) < 3:
            client.read_once()
    finally:
        client.disconnect()
    ids = [int(resp.message_id) for resp in sent]
    assert ids[0] == ids[1] != ids[2]
    rows = db.query("SELECT id, phone, content FROM sms_outbox ORDER BY id")
    assert rows == [(ids[0], "13800138000", LONG), (ids[2], "13800138001", LONG)]


def test_an_unknown_command_gets_generic_nack_and_the_link_stays(
    serve: Callable[..., IntakeThread],
) -> None:
    served = serve(smpp={})
    bind = b"lis\0s3cret\0\0" + bytes((0x34, 0, 0, 0))
    with socket.create_connection(("127.0.0.1", served.port("smpp")), timeout=5) as sock:
        sock.sendall(struct.pack(">IIII", 16 + len(bind), 0x00000009, 0, 1) + bind)
        assert struct.unpack(">IIII", sock.recv(100)[:16])[1:] == (0x80000009, 0, 1)  # bound
        sock.sendall(struct.pack(">IIII", 16, 0x00000099, 0, 7))  # no such command
        nack = sock.recv(100)
        assert struct.unpack(">IIII", nack) == (16, 0x80000000, 0x03, 7)  # ESME_RINVCMDID
        sock.sendall(struct.pack(">IIII", 16, 0x00000015, 0, 8))  # enquire_link
        assert struct.unpack(">IIII", sock.recv(100)) == (16, 0x80000015, 0, 8)
    with socket.create_connection(("127.0.0.1", served.port("smpp")), timeout=5) as sock:
        sock.sendall(struct.pack(">IIII", 16, 0x00000099, 0, 7))  # before any bind
        assert sock.recv(100) == b""  # closed


def test_a_transmitter_submits_and_its_receiver_gets_the_receipt_and_mo(
    serve: Callable[..., IntakeThread], db: Db
) -> None:
    """bind_transmitter and bind_receiver of one login, as an ESME with two links does:
    the submit on the transmitter, the receipt and a long MO (in message_payload) on the
    receiver only; a submit on the receiver is refused ESME_RINVBNDSTS, writing nothing."""
    served = serve(smpp={})
    tx_sent: list[Any] = []
    tx_got: list[Any] = []
    rx_sent: list[Any] = []
    rx_got: list[Any] = []
    tx = _client(served.port("smpp"), tx_sent, tx_got)
    rx = _client(served.port("smpp"), rx_sent, rx_got)
    rx.set_error_pdu_handler(lambda pdu: None)
    try:
        tx.bind_transmitter(system_id="lis", password="s3cret")
        rx.bind_receiver(system_id="lis", password="s3cret")
        _send(tx, "请按时服药")
        while not tx_sent:
            tx.read_once()
        msg_id = int(tx_sent[0].message_id)
        # smpplib itself will not submit on a receiver: the PDU's bytes go out directly
        refused = smpplib.smpp.make_pdu(
            "submit_sm", client=rx, destination_addr="13800138001", short_message=b"x"
        )
        rx._socket.sendall(refused.generate())
        while not rx_sent:
            rx.read_once()
        assert rx_sent[0].status == smpplib.consts.SMPP_ESME_RINVBNDSTS
        assert db.query("SELECT id FROM sms_outbox") == [(msg_id,)]
        db.deliver(msg_id)
        db.reply("13800138000", "好的，明天上午到。" * 20)  # 180 characters: message_payload
        while len(rx_got) < 2:
            rx.read_once()
        (receipt,) = [p for p in rx_got if p.esm_class == 4]
        assert receipt.receipted_message_id.decode() == str(msg_id)
        (mo,) = [p for p in rx_got if p.esm_class != 4]
        assert mo.message_payload.decode("utf-16-be") == "好的，明天上午到。" * 20
        wait(lambda: db.acked() == 2, "the receipt and the MO recorded as answered")
        readable, _, _ = select.select([tx._socket], [], [], 0.5)
        assert readable == [] and tx_got == []  # nothing for the transmitter
        tx.unbind()
        rx.unbind()
    finally:
        tx.disconnect()
        rx.disconnect()


def test_keepalive_enquire_link_probes_a_silent_esme_and_drops_a_dead_one(
    serve: Callable[..., IntakeThread],
) -> None:
    served = serve(smpp={"keepalive_seconds": 0.3})
    bind = b"lis\0s3cret\0\0" + bytes((0x34, 0, 0, 0))
    with socket.create_connection(("127.0.0.1", served.port("smpp")), timeout=3) as sock:
        sock.sendall(struct.pack(">IIII", 16 + len(bind), 0x00000009, 0, 1) + bind)
        assert struct.unpack(">IIII", sock.recv(100)[:16])[1:] == (0x80000009, 0, 1)  # bound
        probe = struct.unpack(">IIII", sock.recv(16))
        assert probe[:3] == (16, 0x00000015, 0)  # enquire_link
        sock.sendall(struct.pack(">IIII", 16, 0x80000015, 0, probe[3]))  # alive: kept
        again = struct.unpack(">IIII", sock.recv(16))
        assert again[1] == 0x00000015 and again[3] != probe[3]
        assert sock.recv(16) == b""  # unanswered: dropped
