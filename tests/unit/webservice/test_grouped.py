"""Grouped: concurrent SendSms rows share transactions, each request keeps its own ids and
its own error."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hisms.adapters.webservice.grouped import Grouped
from hisms.engine.store.base import NewMessage, StoreDataError, StoreError


class _Outbox:
    """Enqueue as a store does it (ids in input order); the first call waits for ``go``."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.writing = threading.Event()
        self.calls: list[tuple[str, list[str | None]]] = []
        self.rows: dict[int, str | None] = {}
        self._lock = threading.Lock()

    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        self.writing.set()
        self.go.wait()
        with self._lock:
            self.calls.append((actor, [m.phone for m in messages]))
            if any(m.phone == "refused" for m in messages):
                raise StoreDataError("value too long for type character varying(20)")
            if any(m.phone == "down" for m in messages):
                raise StoreError("connection refused")
            ids = list(range(len(self.rows) + 1, len(self.rows) + len(messages) + 1))
            self.rows.update(zip(ids, (m.phone for m in messages), strict=True))
        return ids


def _concurrently(grouped: Grouped, outbox: _Outbox, phones: list[str]) -> list[Any]:
    """Each phone from its own thread, once all but the first wait behind the first write."""

    def send(phone: str) -> Any:
        try:
            return grouped.enqueue(
                [NewMessage(phone, "x")], "ws:HIS" if phone[-1] != "9" else "ws:ESB"
            )
        except StoreError as exc:
            return exc

    with ThreadPoolExecutor(len(phones)) as pool:
        first = pool.submit(send, phones[0])
        outbox.writing.wait()  # the first request is being written
        rest = [pool.submit(send, p) for p in phones[1:]]
        while len(grouped._pending) < len(phones) - 1:
            time.sleep(0.001)
        outbox.go.set()
        return [first.result(), *(f.result() for f in rest)]


def test_waiting_requests_share_a_transaction_and_keep_their_own_ids() -> None:
    outbox = _Outbox()
    grouped = Grouped(outbox, writers=1)  # type: ignore[arg-type]
    phones = [f"1380013800{n}" for n in range(8)]
    answers = _concurrently(grouped, outbox, phones)
    assert [outbox.rows[ids[0]] for ids in answers] == phones
    assert len(outbox.calls) == 2  # the first alone, then the seven that waited for it
    assert sorted(len(p) for _, p in outbox.calls) == [1, 7]


def test_one_transaction_per_login() -> None:
    outbox = _Outbox()
    grouped = Grouped(outbox, writers=1)  # type: ignore[arg-type]
    answers = _concurrently(grouped, outbox, ["13800138000", "13800138001", "13800138009"])
    assert [outbox.rows[ids[0]] for ids in answers] == ["13800138000", "13800138001", "13800138009"]
    assert sorted(actor for actor, _ in outbox.calls) == ["ws:ESB", "ws:HIS", "ws:HIS"]


@pytest.mark.parametrize(
    ("bad", "error"), [("refused", StoreDataError), ("down", StoreError)], ids=["data", "database"]
)
def test_an_error_reaches_the_requests_it_concerns(bad: str, error: type[Exception]) -> None:
    outbox = _Outbox()
    grouped = Grouped(outbox, writers=1)  # type: ignore[arg-type]
    answers = _concurrently(grouped, outbox, ["13800138000", "13800138001", bad, "13800138002"])
    assert isinstance(answers[2], error)
    good = [a for i, a in enumerate(answers) if i != 2]
    if error is StoreDataError:  # the others are written one by one, each with its own id
        assert [outbox.rows[ids[0]] for ids in good] == [
            "13800138000",
            "13800138001",
            "13800138002",
        ]
    else:  # a database down fails everything written with it, as it would alone
        assert isinstance(good[0], list) and all(isinstance(a, StoreError) for a in good[1:])
