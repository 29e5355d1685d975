"""Cross-check the codec against independent CMPP implementations from PyPI.

``pycmpp`` (2.0.2, CMPP 2.0) and ``cmppy`` (0.3, CMPP 3.0) are small client
libraries that build CONNECT/SUBMIT and parse the responses; neither has a
server. Both install and import here; the tests skip with a reason if absent.
"""

from __future__ import annotations

import struct

import pytest

from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.codec import CmppCodec

V20 = CmppCodec(pdus.V20)
V30 = CmppCodec(pdus.V30)
STAMP = "0123101559"


def test_pycmpp_connect_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    request = pytest.importorskip("pycmpp.request", reason="pycmpp (CMPP 2.0) not installed")
    monkeypatch.setattr(request, "get_string_time", lambda: STAMP)
    theirs = request.ConnectRequestInstance().create("901234", "secret")
    ours = V20.decode(theirs)
    assert isinstance(ours, pdus.Connect)
    assert ours.authenticator == auth.source("901234", "secret", STAMP)
    assert auth.stamp_of(ours) == STAMP
    assert V20.encode(ours) == theirs


def test_pycmpp_submit_both_ways() -> None:
    request = pytest.importorskip("pycmpp.request", reason="pycmpp (CMPP 2.0) not installed")
    theirs = request.SubmitRequestInstance().create(
        "901234", "检查结果已出", ["13800138000"], src_id="1069012301", service_id="HIS",
        registered_delivery=1, fee_terminal_id="", valid_time="\x00" * 17,
    )  # fmt: skip
    ours = V20.decode(theirs)
    assert isinstance(ours, pdus.Submit)
    assert ours.dest_terminal_ids == ("13800138000",)
    assert ours.msg_content.decode("utf-16-be") == "检查结果已出"
    assert (ours.src_id, ours.service_id, ours.msg_src) == ("1069012301", "HIS", "901234")
    assert V20.encode(ours) == theirs
    parsed = request.SubmitRequestInstance().resolve(V20.encode(ours))
    assert parsed["msg_content"] == "检查结果已出"
    assert parsed["dest_terminal_id"].rstrip("\x00") == "13800138000"


def test_pycmpp_parses_our_responses() -> None:
    response = pytest.importorskip("pycmpp.response", reason="pycmpp (CMPP 2.0) not installed")
    submit_resp = response.SubmitResponseInstance()
    submit_resp.resolve(V20.encode(pdus.SubmitResp(7, 0x110C414000060007, 8)))
    assert (submit_resp.seq_id, submit_resp.msg_id, submit_resp.status) == (
        7, 0x110C414000060007, 8,
    )  # fmt: skip
    connect_resp = response.ConnectResponseInstance()
    connect_resp.resolve(V20.encode(pdus.ConnectResp(1, 3, b"\x00" * 16, 0x20)))
    assert (connect_resp.status, connect_resp.version) == (3, 0x20)


def test_cmppy_connect_and_submit_v30(monkeypatch: pytest.MonkeyPatch) -> None:
    connect_mod = pytest.importorskip(
        "cmppy.request.ConnectReq", reason="cmppy (CMPP 3.0) not installed"
    )
    from cmppy.request import SubmitReq

    monkeypatch.setattr(connect_mod, "_get_strtime", lambda: STAMP)
    theirs = connect_mod.ConnectReq("901234", "secret").message
    assert V30.encode(V30.decode(theirs)) == theirs
    assert V30.decode(theirs) == auth.connect(
        struct.unpack(">I", theirs[8:12])[0], "901234", "secret", 0x30, _stamp_time()
    )
    submit = SubmitReq(
        "901234", "请按时复诊", src_id="1069012301", dest_terminal_id=["13800138000"]
    )
    ours = V30.decode(submit.message)
    assert isinstance(ours, pdus.Submit)
    assert ours.msg_content.decode("utf-16-be") == "请按时复诊"
    assert (ours.dest_terminal_ids, ours.fee_code) == (("13800138000",), "103013")
    assert V30.encode(ours) == submit.message


def test_cmppy_parses_our_v30_responses() -> None:
    response = pytest.importorskip("cmppy.response", reason="cmppy (CMPP 3.0) not installed")
    parsed = response.parse_response(V30.encode(pdus.SubmitResp(3, 12345, 13)))
    assert (parsed.sequence, parsed.msg_id, parsed.result) == (3, 12345, 13)
    resp = pdus.ConnectResp(1, 0, bytes(range(16)), 0x30)
    parsed = response.parse_response(V30.encode(resp))
    assert (parsed.status, parsed.authenticator_ISMG, parsed.version) == (0, bytes(range(16)), 0x30)


def _stamp_time():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.strptime("2024" + STAMP, "%Y%m%d%H%M%S")
