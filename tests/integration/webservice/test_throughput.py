"""SendBatch of 100,000 numbers and SendSms requests/s over real HTTP (slow; prints figures).

Run: .venv/bin/pytest -q -s -m slow tests/integration/webservice/test_throughput.py
"""

from __future__ import annotations

import concurrent.futures
import time

import pytest

from .conftest import Live, envelope, post, wsse_header

pytestmark = pytest.mark.slow

NUMBERS = 100_000


def test_send_batch_of_100k_numbers(ws: Live) -> None:
    items = "".join(
        f"<h:BatchItem><h:Phone>139{n:08d}</h:Phone></h:BatchItem>" for n in range(NUMBERS)
    )
    body = envelope(
        f"<h:SendBatch><h:Items>{items}</h:Items><h:Content>体检通知</h:Content>"
        "<h:BatchRef>BIG-1</h:BatchRef><h:Priority>8</h:Priority></h:SendBatch>",
        wsse_header("HIS", "his-secret"),
    )
    started = time.perf_counter()
    status, answer = post(ws, body)
    elapsed = time.perf_counter() - started
    assert status == 200, answer[:500]
    assert f"<tns:Accepted>{NUMBERS}</tns:Accepted>" in answer
    batch_id = answer.split("<tns:BatchId>")[1].split("<")[0]
    with ws.store.transaction() as tx:  # type: ignore[attr-defined]
        counted = tx.run("find_by_refs", source_system=["HIS"], source_ref=["BIG-1#100000"])
    assert counted[0]["batch_id"] == batch_id
    assert sum(ws.store.status_counts().values()) == NUMBERS
    print(f"\nSendBatch {NUMBERS} numbers ({len(body) / 1e6:.1f} MB): {elapsed:.2f} s, "
          f"{NUMBERS / elapsed:,.0f} rows/s")  # fmt: skip


def test_send_sms_requests_per_second(ws: Live) -> None:
    requests, workers = 2000, 8

    def send(n: int) -> int:
        body = (
            f"<h:SendSms><h:Phone>138{n:08d}</h:Phone><h:Content>验证码 {n}</h:Content>"
            f"<h:SourceRef>V{n}</h:SourceRef><h:Priority>0</h:Priority></h:SendSms>"
        )
        return post(ws, envelope(body, wsse_header("HIS", "his-secret")))[0]

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        codes = list(pool.map(send, range(requests)))
    elapsed = time.perf_counter() - started
    assert codes == [200] * requests
    assert sum(ws.store.status_counts().values()) == requests
    print(f"\nSendSms {requests} requests, {workers} client threads, PasswordDigest: "
          f"{elapsed:.2f} s, {requests / elapsed:,.0f} requests/s")  # fmt: skip
