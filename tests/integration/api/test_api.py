"""The JSON API's operations and refusals, in-process (ASGI) over SQLite."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from hisms.adapters.api import signing
from hisms.engine.store.base import Mo, Store

from .conftest import Client

Make = Callable[..., Client]
TEXT = "【示例医院】您的检验报告已出。"


def outbox(sqlite_url: str, msg_id: object) -> sqlite3.Row:
    with contextlib.closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as db:
        db.row_factory = sqlite3.Row
        row: sqlite3.Row = db.execute("SELECT * FROM sms_outbox WHERE id = ?", (msg_id,)).fetchone()
    return row


def send(client: Client, **fields: object) -> dict[str, object]:
    response = client.call("POST", "/messages", {"phone": "13800138000", "content": TEXT, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("caller", ["HIS", "ESB", "SEC"])  # HMAC-SM3, HMAC-SHA256, SM4 bodies
def test_send_is_idempotent_and_readable_by_id_and_reference(
    api_store: Store, make_client: Make, caller: str, sqlite_url: str
) -> None:
    client = make_client(api_store, caller)
    source = "LIS" if caller == "ESB" else caller
    first = send(client, source_system=source, source_ref="R-1")
    assert send(client, source_system=source, source_ref="R-1") == first  # the same msg_id
    by_id = client.call("GET", f"/messages/{first['msg_id']}").json()
    by_ref = client.call("GET", f"/messages/by-ref/{source}/R-1").json()
    assert by_id == by_ref
    assert (by_id["status_name"], by_id["source_system"]) == ("PENDING", source)
    many = client.call("GET", f"/messages?source_system={source}&source_ref=R-1&source_ref=R-9")
    assert [m["msg_id"] for m in many.json()] == [first["msg_id"]]
    assert outbox(sqlite_url, first["msg_id"])["created_by"] == f"api:{caller}"


def test_a_template_and_its_params_are_stored(
    api_store: Store, make_client: Make, sqlite_url: str
) -> None:
    client = make_client(api_store)
    params = {"name": "张三", "time": "09:30"}
    row = outbox(
        sqlite_url, send(client, content=None, template_code="APPT", params=params)["msg_id"]
    )
    assert (row["template_code"], json.loads(row["params"])) == ("APPT", params)


def test_an_encrypting_caller_must_encrypt(api_store: Store, make_client: Make) -> None:
    plain = make_client(api_store, "SEC")
    body = json.dumps({"phone": "13800138000", "content": TEXT}).encode()
    headers = plain.headers("POST", "/api/v1/messages", body)
    response = plain.http.post("/api/v1/messages", content=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "Client.Authentication")
    assert "must encrypt" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({signing.SIGNATURE: "00" * 32}, "bad signature"),
        ({signing.KEY: "no-such-key"}, "unknown X-Hisms-Key"),
        ({signing.TIMESTAMP: "1700000000"}, "off the server clock"),
        ({signing.NONCE: "short"}, "X-Hisms-Nonce must be"),
    ],
)
def test_a_bad_signature_or_header_is_refused_and_nothing_written(
    api_store: Store, make_client: Make, change: dict[str, str], text: str
) -> None:
    client = make_client(api_store)
    response = client.call("POST", "/messages", {"phone": "13800138000", "content": TEXT}, change)
    assert response.status_code == 401
    assert response.json()["code"] == "Client.Authentication"
    assert text in response.json()["message"]
    assert api_store.status_counts().get("PENDING", 0) == 0


def test_a_signature_covers_the_query_string(api_store: Store, make_client: Make) -> None:
    client = make_client(api_store)
    signed = client.headers("GET", "/api/v1/replies?limit=1", b"")
    response = client.http.get("/api/v1/replies?limit=1000", headers=signed)
    assert "bad signature" in response.json()["message"]


def test_a_body_over_the_limit_is_refused(api_store: Store, make_client: Make) -> None:
    client = make_client(api_store, max_body_bytes=2048)
    response = client.call("POST", "/messages", {"phone": "13800138000", "content": "x" * 3000})
    assert (response.status_code, response.json()["code"]) == (413, "Client.TooLarge")
    items = [{"content": TEXT}, *({"phone": "13800138000"} for _ in range(200))]
    response = client.batch(items, chunked=True)  # no Content-Length: counted as it comes
    assert (response.status_code, response.json()["code"]) == (413, "Client.TooLarge")
    assert api_store.status_counts().get("PENDING", 0) == 0


def test_over_its_rate_a_caller_gets_429_with_retry_after(
    api_store: Store, make_client: Make
) -> None:
    client = make_client(api_store, HIS={"rate_per_second": 0.01, "burst": 2})
    other = make_client(api_store, "ESB")
    assert [client.call("GET", "/replies").status_code for _ in range(2)] == [200, 200]
    response = client.call("GET", "/replies")
    assert (response.status_code, response.json()["code"]) == (429, "Client.RateLimited")
    assert int(response.headers["Retry-After"]) >= 1
    assert other.call("GET", "/replies?source_system=LIS").status_code == 200  # its own bucket


def test_a_caller_sees_only_its_own_source_systems(api_store: Store, make_client: Make) -> None:
    his, esb = make_client(api_store, "HIS"), make_client(api_store, "ESB")
    msg_id = send(his, source_ref="H-1")["msg_id"]
    response = esb.call("GET", f"/messages/{msg_id}")
    assert (response.status_code, response.json()["code"]) == (404, "Client.NotFound")
    response = esb.call("GET", "/messages/by-ref/HIS/H-1")
    assert (response.status_code, response.json()["code"]) == (403, "Client.Forbidden")
    response = esb.call("POST", f"/messages/{msg_id}/cancel", {"reason": "not mine"})
    assert response.status_code == 404
    response = esb.call("POST", "/messages", {"phone": "13800138000", "content": TEXT,
                                              "source_system": "HIS"})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (403, "Client.Forbidden")
    response = esb.call("POST", "/messages/by-ref/HIS/H-1/cancel")
    assert (response.status_code, response.json()["code"]) == (403, "Client.Forbidden")
    assert esb.call("GET", f"/messages?id={msg_id}").json() == []  # left out, as unknown
    response = esb.call("GET", "/replies?source_system=HIS")
    assert (response.status_code, response.json()["code"]) == (403, "Client.Forbidden")
    assert his.call("GET", f"/messages/{msg_id}").json()["status_name"] == "PENDING"


def test_cancel_by_id_and_by_reference_only_while_pending(
    api_store: Store, make_client: Make
) -> None:
    client = make_client(api_store)
    first = send(client, source_ref="C-1")["msg_id"]
    send(client, source_ref="C-2")
    response = client.call("POST", f"/messages/{first}/cancel", {"reason": "moved"})
    assert response.json() == {"msg_id": first, "status": 7, "status_name": "CANCELLED"}
    again = client.call("POST", f"/messages/{first}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "Client.NotCancellable")
    by_ref = client.call("POST", "/messages/by-ref/HIS/C-2/cancel")
    assert by_ref.json()["status_name"] == "CANCELLED"


def test_replies_are_read_from_a_cursor(api_store: Store, make_client: Make) -> None:
    now = datetime.now(UTC)
    mos = [Mo("cm", "13800138000", "106901", f"Y{i}", now, "HIS") for i in range(3)]
    api_store.save_mo("t", [*mos, Mo("cm", "13800138000", "106902", "N", now, "LIS")], 3600)
    client = make_client(api_store)
    page = client.call("GET", "/replies?cursor=0&limit=2").json()
    assert [r["content"] for r in page["replies"]] == ["Y0", "Y1"]
    rest = client.call("GET", f"/replies?cursor={page['next_cursor']}").json()
    assert [r["content"] for r in rest["replies"]] == ["Y2"]
    done = client.call("GET", f"/replies?cursor={rest['next_cursor']}").json()
    assert done == {"replies": [], "next_cursor": rest["next_cursor"]}


def test_a_bad_number_or_body_is_a_json_error_with_its_code(
    api_store: Store, make_client: Make
) -> None:
    client = make_client(api_store)
    response = client.call("POST", "/messages", {"phone": "12345", "content": TEXT})
    assert (response.status_code, response.json()["code"]) == (400, "Client.InvalidPhone")
    # the WebService's code for each cause: a required field absent, a value not of its
    # type (spyne's Client.ValidationError), a field it does not know
    response = client.call("POST", "/messages", {"phone": "13800138000"})
    assert response.json()["code"] == "Client.MissingField"
    response = client.call("POST", "/messages", {"content": TEXT})
    assert (response.status_code, response.json()["code"]) == (400, "Client.MissingField")
    assert "phone" in response.json()["message"]
    response = client.call("POST", "/messages", {"phone": "13800138000", "content": TEXT,
                                                 "priority": "soon"})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (400, "Client.ValidationError")
    assert "priority" in response.json()["message"]
    response = client.call("GET", "/messages/not-a-number")
    assert response.json()["code"] == "Client.ValidationError"
    response = client.call("POST", "/messages", {"phone": "13800138000", "colour": "red"})
    assert response.json()["code"] == "Client.InvalidField"
    response = client.call("POST", "/messages", {"phone": "13800138000", "template_code": "A",
                                                 "params": ["张三"]})  # fmt: skip
    assert response.json()["code"] == "Client.InvalidField"  # as SOAP's Params not an object


def test_no_such_operation_or_method_has_the_webservices_codes(
    api_store: Store, make_client: Make
) -> None:
    client = make_client(api_store)
    response = client.call("GET", "/nothing-here")
    assert (response.status_code, response.json()["code"]) == (404, "Client.ResourceNotFound")
    response = client.call("DELETE", "/messages/1")
    assert (response.status_code, response.json()["code"]) == (405, "Client.RequestNotAllowed")


def test_the_address_allow_list_applies(api_store: Store, make_client: Make) -> None:
    client = make_client(api_store, HIS={"allow_ips": ["10.0.0.0/8"]})
    response = client.call("GET", "/replies")
    assert (response.status_code, response.json()["code"]) == (403, "Client.Forbidden")


def test_the_openapi_document_is_served_with_examples(api_store: Store, make_client: Make) -> None:
    doc = make_client(api_store).http.get("/api/v1/openapi.json").json()
    assert {"/messages", "/batches", "/replies", "/messages/{msg_id}/cancel"} <= set(doc["paths"])
    send_schema = doc["components"]["schemas"]["SendRequest"]
    assert any("template_code" in e for e in send_schema["examples"])
    batch = doc["paths"]["/batches"]["post"]["requestBody"]["content"]["application/x-ndjson"]
    assert batch["example"].count("\n") == 3
    assert doc["paths"]["/messages"]["post"]["responses"]["429"]["content"]


def test_a_batch_with_a_template_merges_each_numbers_params(
    api_store: Store, make_client: Make, sqlite_url: str
) -> None:
    client = make_client(api_store)
    header = {"batch_ref": "T-1", "template_code": "APPT", "params": {"dept": "内科"}}
    lines = [header, {"phone": "13800138000", "params": {"name": "张三"}}, {"phone": "13900139000"}]
    answer = client.batch(lines)
    assert answer.json()["accepted"] == 2, answer.text
    first = client.call("GET", "/messages/by-ref/HIS/T-1%231").json()
    row = outbox(sqlite_url, first["msg_id"])
    assert (row["template_code"], json.loads(row["params"])) == (
        "APPT",
        {"dept": "内科", "name": "张三"},
    )
