"""End to end: hospital systems speaking SMPP (smpplib) and CMPP (the project's codec as
an SP) submit to ``hisms run``'s socket intake, the engine sends to a CMPP gateway
simulator, and the gateway's reports and a patient's reply come back over each client's
own link: the reply by the extension of the source system it was addressed to."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from hisms.carrier.cmpp import pdus
from hisms.engine.bench.harness import free_port
from tests.integration.e2e.conftest import E2E
from tests.integration.socketintake.conftest import Sp

smpplib_client = pytest.importorskip("smpplib.client", reason="smpplib not installed")
import smpplib.gsm  # noqa: E402

LONG = "出院随访：" + "请于出院后第七天到心内科门诊复查血常规和心电图，并带好出院小结。" * 3
ASK = "明天上午9点预约复诊，确认请回复1"  # the simulator's MO rule answers "1"


def _wait_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_smpp_and_cmpp_clients_through_a_real_engine(e2e: E2E) -> None:
    sim = e2e.simulator(report_delay=0.05, mo_delay=0.1)
    smpp_port, cmpp_port = free_port(), free_port()
    listener = {"enabled": True, "poll_seconds": 0.1}
    e2e.run(
        sim.port,
        intake={
            "smpp": {**listener, "port": smpp_port,
                     "accounts": {"lis": {"password": "s3cret", "source_system": "LIS"}}},
            "cmpp": {**listener, "port": cmpp_port,
                     "accounts": {"his": {"password": "s3cret", "source_system": "HIS"}}},
        },
    )  # fmt: skip
    _wait_listening(smpp_port)
    sent: list[Any] = []
    got: list[Any] = []
    esme = smpplib_client.Client("127.0.0.1", smpp_port, timeout=10, allow_unknown_opt_params=True)
    esme.set_message_sent_handler(lambda pdu: sent.append(pdu))
    esme.set_message_received_handler(lambda pdu: got.append(pdu))
    esme.connect()
    sp = Sp(cmpp_port, "his", "s3cret")
    try:
        esme.bind_transceiver(system_id="lis", password="s3cret")
        count = 0
        for text in (ASK, LONG):
            parts, coding, esm_class = smpplib.gsm.make_parts(text)
            for part in parts:
                esme.send_message(
                    source_addr="10690123", destination_addr="13800138000", short_message=part,
                    data_coding=coding, esm_class=esm_class, registered_delivery=1,
                )  # fmt: skip
                count += 1
        (cmpp_resp,) = sp.submit("检查报告已出，请到自助机打印", phone="13900139000")
        while len(got) < 3:  # two receipts and the reply to ASK
            esme.read_once()
        ids = sorted({int(r.message_id) for r in sent[:count]})
        receipts = sorted(int(p.receipted_message_id) for p in got if p.esm_class == 4)
        assert receipts == ids and len(ids) == 2
        (mo,) = [p for p in got if p.esm_class != 4]
        assert mo.short_message.decode("utf-16-be") == "1"
        assert mo.destination_addr.decode().endswith("02")  # LIS's extension
        report = sp.read(pdus.Deliver, timeout=20)
        assert (report.report.msg_id, report.report.stat) == (cmpp_resp.msg_id, "DELIVRD")
        sp.send(pdus.DeliverResp(report.sequence_id, report.msg_id))
        esme.unbind()
    finally:
        esme.disconnect()
        sp.close()
    rows = e2e.query("SELECT source_system, status, content FROM sms_outbox")
    assert sorted(rows) == sorted(
        [("LIS", 3, ASK), ("LIS", 3, LONG), ("HIS", 3, "检查报告已出，请到自助机打印")]
    )
    e2e.wait(
        lambda: (
            e2e.query("SELECT count(*) FROM sms_event WHERE socket_acked_at IS NOT NULL") == [(4,)]
        ),
        10,
        "the four reports and the reply recorded as answered",
    )
