"""The socket intake's servers driven by clients nobody here wrote.

SMPP: an ESME on npm ``smpp`` 0.5.1 (peers/esme.js). CMPP 2.0: PyPI ``pycmpp`` 2.0.2's
``Cmpp`` client (its CONNECT, its SUBMITs, its own long-message split into UDH parts, its
receive loop). Each submits a short and a long message, which become rows answered with
their ids; the reports and a reply come back as DELIVER / deliver_sm, which it answers.
pycmpp handles no DELIVER itself: the test adds a handler to its handler table that reads
the CMPP 2.0 DELIVER by the spec's offsets (not with hisms's codec) and answers it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.integration.socketintake.conftest import PHONE, Db, IntakeThread, wait

PEERS = Path(__file__).parent / "peers"
SHORT = "请明早空腹来院抽血"
LONG = "出院随访：" + "请于出院后第七天到心内科门诊复查血常规和心电图，并带好出院小结。" * 2


LONGER = LONG + "如需改约请拨打预约电话。"  # pycmpp splits 70 characters or more, LONG is 69


def test_npm_smpp_esme_submits_and_gets_receipts_and_mo(
    node_modules: Path, sqlite_url: str
) -> None:
    served = IntakeThread(sqlite_url, smpp={})
    db = Db(sqlite_url)
    proc = subprocess.Popen(
        ["node", str(PEERS / "esme.js"), str(served.port("smpp")), "lis", "s3cret", SHORT, LONG],
        env={"NODE_PATH": str(node_modules), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[dict[str, Any]] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(map(json.loads, proc.stdout)))  # type: ignore[arg-type]
    reader.start()
    try:
        wait(lambda: sum("resp" in line for line in lines) == 3, "three submit_sm_resp")
        resps = [line["resp"] for line in lines if "resp" in line]
        assert [r["status"] for r in resps] == [0, 0, 0]
        rows = dict(db.query("SELECT content, id FROM sms_outbox"))
        assert sorted(int(r["id"]) for r in resps) == sorted([rows[SHORT], rows[LONG], rows[LONG]])
        for outbox_id in rows.values():
            db.deliver(outbox_id)
        db.reply("13800138000", "确认")
        wait(lambda: db.acked() == 3, "two receipts and a reply answered")
        delivers = [line["deliver"] for line in lines if "deliver" in line]
        assert sorted(d["receipted"] for d in delivers if d["esm_class"] == 4) == sorted(
            str(i) for i in rows.values()
        )
        assert [d["text"] for d in delivers if d["esm_class"] != 4] == ["确认"]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # unbind and exit
        proc.wait(timeout=10)
        reader.join(timeout=10)
        proc.stdout.close()
        served.close()


class _Ended(BaseException):
    """The link ended: out of pycmpp's receive loop (a BaseException: it catches Exception)."""


class _EndingSocket(socket.socket):
    """pycmpp's socket, except that the end of the link ends pycmpp's receive loop (which
    would otherwise spin on an empty read, or sleep and retry on a closed socket)."""

    def recv(self, size: int, flags: int = 0) -> bytes:
        try:
            data = super().recv(size, flags)
        except OSError:
            raise _Ended from None
        if not data:
            raise _Ended
        return data


def _receiving(client: Any) -> None:
    with contextlib.suppress(_Ended):
        client.receive()


def _cmpp20_deliver(message: bytes) -> dict[str, Any]:
    """A CMPP 2.0 DELIVER (header included), by the field widths of the 2.0 spec."""
    body = message[12:]
    (msg_id,) = struct.unpack(">Q", body[0:8])
    udhi, fmt, registered, length = body[40], body[41], body[63], body[64]
    content = body[65 : 65 + length]
    got: dict[str, Any] = {
        "msg_id": msg_id,
        "src": body[42:63].rstrip(b"\0").decode(),
        "registered": registered,
    }
    if registered == 1:  # the report: Msg_Id 8, Stat 7, times, Dest_terminal_Id 21
        got["report_msg_id"] = struct.unpack(">Q", content[0:8])[0]
        got["stat"] = content[8:15].decode()
        got["dest"] = content[35:56].rstrip(b"\0").decode()
    else:
        if udhi:
            content = content[1 + content[0] :]
        got["text"] = content.decode("utf-16-be" if fmt == 8 else "latin-1")
    return got


def test_pycmpp_submits_short_and_long_and_gets_reports_and_mo(sqlite_url: str) -> None:
    cmpp = pytest.importorskip("pycmpp.cmpp", reason="pycmpp (CMPP 2.0) not installed")
    from pycmpp import cmpp_defines as ids
    from pycmpp.response import ConnectResponseInstance, SubmitResponseInstance

    # pycmpp sends Source_Addr unpadded: a 6-character login, as SP_Ids are
    accounts = {"901234": {"password": "s3cret", "source_system": "LIS"}}
    served = IntakeThread(sqlite_url, cmpp={"accounts": accounts})
    db = Db(sqlite_url)
    logins: list[int] = []
    resps: list[tuple[int, int]] = []  # (result, msg_id) per SUBMIT_RESP
    delivers: list[dict[str, Any]] = []

    def handler(command_id: int, on: Any) -> type:
        class Handler:
            def __init__(self, client: Any, message: bytes) -> None:
                self.client, self.message = client, message

            def __call__(self) -> None:
                on(self.client, self.message)

        Handler.command_id = command_id  # type: ignore[attr-defined]
        return Handler

    def on_login(client: Any, message: bytes) -> None:
        resp = ConnectResponseInstance()
        resp.resolve(message)
        logins.append(resp.status)

    def on_submit_resp(client: Any, message: bytes) -> None:
        resp = SubmitResponseInstance()
        resp.resolve(message)
        resps.append((resp.status, resp.msg_id))

    def on_deliver(client: Any, message: bytes) -> None:
        delivers.append(_cmpp20_deliver(message))
        (seq,) = struct.unpack(">I", message[8:12])
        answer = message[12:20] + b"\0"  # DELIVER_RESP 2.0: Msg_Id, Result 0
        client.send(struct.pack(">III", 12 + len(answer), ids.CMPP_DELIVER_RESP, seq) + answer)

    client = cmpp.Cmpp(
        "127.0.0.1", served.port("cmpp"), "901234", "s3cret", "10690123", delivery=1,
        client_heartbeat=False,
    )  # fmt: skip
    client.so.close()
    client.so = _EndingSocket(socket.AF_INET, socket.SOCK_STREAM)
    client.handlers[ids.CMPP_CONNECT_RESP] = handler(ids.CMPP_CONNECT_RESP, on_login)
    client.handlers[ids.CMPP_SUBMIT_RESP] = handler(ids.CMPP_SUBMIT_RESP, on_submit_resp)
    client.handlers[ids.CMPP_DELIVER_REQ] = handler(ids.CMPP_DELIVER_REQ, on_deliver)
    reader = threading.Thread(target=_receiving, args=(client,), daemon=True)
    try:
        client.connect()
        client.auth()
        reader.start()
        wait(lambda: logins == [0], "a good login")
        client.submit(SHORT, [PHONE])
        client.submit(LONGER, [PHONE])  # 70 characters or more: pycmpp's own UDH parts
        wait(lambda: len(resps) == 3, "three SUBMIT_RESP")
        assert [result for result, _ in resps] == [0, 0, 0]
        rows = dict(db.query("SELECT content, id FROM sms_outbox WHERE source_system = 'LIS'"))
        assert [msg_id for _, msg_id in resps] == [rows[SHORT], rows[LONGER], rows[LONGER]]
        db.deliver(rows[SHORT])
        db.deliver(rows[LONGER], "UNDELIV")
        db.reply(PHONE, "确认收到")
        wait(lambda: db.acked() == 3, "two reports and a reply answered")
        reports = {d["report_msg_id"]: d for d in delivers if d["registered"] == 1}
        assert {i: (r["stat"], r["dest"]) for i, r in reports.items()} == {
            rows[SHORT]: ("DELIVRD", PHONE),
            rows[LONGER]: ("UNDELIV", PHONE),
        }
        assert [(d["text"], d["src"]) for d in delivers if d["registered"] == 0] == [
            ("确认收到", PHONE)
        ]
        assert len(delivers) == 3  # each event once: every DELIVER was answered
    finally:
        client.disconnect()  # TERMINATE; the server answers and closes
        reader.join(timeout=10)
        served.close()
