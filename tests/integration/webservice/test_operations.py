"""Every operation through zeep (WSDL loaded from the live service) and as raw XML."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import zeep

from hisms.carrier.base import utcnow
from hisms.engine.store.base import Mo

from .conftest import Live, envelope, post, wsse_header, zeep_client


@pytest.fixture(params=["sqlite_url", "pg_url"])
def live(make_ws: Callable[..., Live], request: pytest.FixtureRequest) -> Live:
    return make_ws(str(request.getfixturevalue(request.param)))


def test_wsdl_imports_and_lists_every_operation(live: Live) -> None:
    client = zeep_client(live)
    operations = set(client.service._binding._operations)
    assert {"SendSms", "SendBatch", "QueryStatus", "QueryReplies", "CancelSms"} <= operations


def test_send_is_idempotent_and_queryable_by_id_and_reference(live: Live) -> None:
    soap = zeep_client(live).service
    first = soap.SendSms(
        Phone="+86 138-0013-8000", Content="复查提醒", SourceRef="HIS-1", Priority=1
    )
    again = soap.SendSms(Phone="13800138000", Content="复查提醒", SourceRef="HIS-1")
    assert first == again  # zeep unwraps SendResult to its only element, MsgId
    by_id = soap.QueryStatus(MsgIds={"long": [first]})
    by_ref = soap.QueryStatus(SourceSystem="HIS", SourceRefs={"string": ["HIS-1", "nope"]})
    assert [m.MsgId for m in by_id] == [m.MsgId for m in by_ref] == [first]
    assert by_id[0].Phone == "13800138000" and by_id[0].StatusName == "PENDING"
    assert by_id[0].SourceSystem == "HIS" and by_id[0].Status == 0


def test_batch_rows_carry_the_batch_id_and_a_repeat_adds_nothing(live: Live) -> None:
    soap = zeep_client(live, "ESB", digest=False).service
    items = {"BatchItem": [{"Phone": f"1390000{i:04d}"} for i in range(5)]}
    items["BatchItem"][2]["Content"] = "单独内容"
    result = soap.SendBatch(Items=items, Content="体检通知", SourceSystem="LIS", BatchRef="B1")
    assert (result.Total, result.Accepted) == (5, 5)
    repeat = soap.SendBatch(Items=items, Content="体检通知", SourceSystem="LIS", BatchRef="B1")
    assert (repeat.BatchId, repeat.Accepted) == (result.BatchId, 0)
    rows = soap.QueryStatus(SourceSystem="LIS", SourceRefs={"string": [f"B1#{i}" for i in (1, 3)]})
    assert [r.BatchId for r in rows] == [result.BatchId] * 2
    assert [r.Phone for r in rows] == ["13900000000", "13900000002"]
    message = live.store.get_message(rows[1].MsgId)
    assert message is not None and message["content"] == "单独内容"


def test_cancel_only_while_pending(live: Live) -> None:
    soap = zeep_client(live).service
    sent = soap.SendSms(Phone="13800138000", Content="x", SourceRef="C1")  # the MsgId
    done = soap.CancelSms(SourceSystem="HIS", SourceRef="C1", Reason="patient cancelled")
    assert (done.MsgId, done.Status, done.StatusName) == (sent, 7, "CANCELLED")
    row = live.store.get_message(sent)
    assert row is not None and row["error_code"] == "CANCELLED"
    assert "patient cancelled" in row["error_text"]
    with pytest.raises(zeep.exceptions.Fault, match="CANCELLED; only PENDING"):
        soap.CancelSms(MsgId=sent)


def test_replies_after_a_cursor_are_consumed(live: Live) -> None:
    now = utcnow() + timedelta(seconds=1)
    mos = [Mo("cm", "13800138000", "106901", f"Y{i}", now, "HIS") for i in range(3)]
    live.store.save_mo("t", [*mos, Mo("cm", "13800138000", "106902", "N", now, "LIS")], 3600)
    soap = zeep_client(live).service
    first = soap.QueryReplies(Cursor=0, Limit=2)
    assert [r.Content for r in first.Replies.Reply] == ["Y0", "Y1"]
    rest = soap.QueryReplies(SourceSystem="HIS", Cursor=first.NextCursor)
    assert [r.Content for r in rest.Replies.Reply] == ["Y2"]
    assert soap.QueryReplies(Cursor=rest.NextCursor).Replies is None


def test_a_caller_acts_only_for_its_source_systems(live: Live) -> None:
    his = zeep_client(live).service
    lis_id = zeep_client(live, "ESB").service.SendSms(
        Phone="13800138000", Content="x", SourceSystem="LIS"
    )
    with pytest.raises(zeep.exceptions.Fault, match="caller HIS may not act for source system LIS"):
        his.SendSms(Phone="13800138000", Content="x", SourceSystem="LIS")
    assert his.QueryStatus(MsgIds={"long": [lis_id]}) is None  # an empty list
    with pytest.raises(zeep.exceptions.Fault, match=f"no message with id {lis_id}"):
        his.CancelSms(MsgId=lis_id)


def _raw(live: Live, body: str, user: str = "HIS") -> str:
    password = {"HIS": "his-secret", "ESB": "esb-secret"}[user]
    status, text = post(live, envelope(body, wsse_header(user, password)))
    assert status == 200, text
    return text


def test_raw_xml_clients_call_every_operation(live: Live) -> None:
    sent = _raw(
        live,
        "<h:SendSms><h:Phone>13800138000</h:Phone><h:Content>危急值：请回电</h:Content>"
        "<h:SourceRef>R-1</h:SourceRef><h:Priority>0</h:Priority></h:SendSms>",
    )
    msg_id = re.search(r"<tns:MsgId>(\d+)</tns:MsgId>", sent)
    assert msg_id, sent
    batch = _raw(
        live,
        "<h:SendBatch><h:Items><h:BatchItem><h:Phone>13900000001</h:Phone></h:BatchItem>"
        "<h:BatchItem><h:Phone>13900000002</h:Phone></h:BatchItem></h:Items>"
        "<h:Content>通知</h:Content><h:BatchRef>RB</h:BatchRef></h:SendBatch>",
    )
    assert "<tns:Accepted>2</tns:Accepted>" in batch
    status = _raw(
        live,
        f"<h:QueryStatus><h:MsgIds><h:long>{msg_id[1]}</h:long></h:MsgIds></h:QueryStatus>",
    )
    assert "<tns:StatusName>PENDING</tns:StatusName>" in status
    replies = _raw(live, "<h:QueryReplies><h:Cursor>0</h:Cursor></h:QueryReplies>")
    assert "<tns:NextCursor>0</tns:NextCursor>" in replies
    cancel = _raw(
        live,
        "<h:CancelSms><h:SourceSystem>HIS</h:SourceSystem><h:SourceRef>R-1</h:SourceRef>"
        "</h:CancelSms>",
    )
    assert "<tns:StatusName>CANCELLED</tns:StatusName>" in cancel
