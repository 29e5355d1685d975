"""Bad input from a HIS, on every live database: each row is normalised and sent,
or REJECTED with a specific error, and the rows after it still go out."""

from __future__ import annotations

import asyncio

import pytest

from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from hisms.engine.worker import Engine
from tests.integration.engine.test_engine import all_final, run_until, settings

SIGNED = "【测试医院】"
SQL_TEXT = "'; DROP TABLE sms_outbox; -- 您的检查单号 O'Brien \\x00 %s {0}"
NON_BMP = "𠀀𪚥 家属请到𩸽窗口 😀👨‍👩‍👧 取药"  # CJK Ext-B and emoji: surrogate pairs in UCS2

# (phone, content, status, error_code, text the handset gets or None)
CASES: list[tuple[str | None, str | None, Status, str | None, str | None]] = [
    (None, "请于明日8点空腹抽血", Status.REJECTED, "PHONE_EMPTY", None),
    ("13800138000", None, Status.REJECTED, "CONTENT_EMPTY", None),
    ("13800138000", "\x00\x07\x1b \r\n\t ", Status.REJECTED, "CONTENT_EMPTY", None),
    ("13800138000", "检" * 10_000, Status.REJECTED, "CONTENT_TOO_LONG", None),
    ("010-62345678", "请回电", Status.REJECTED, "PHONE_NOT_MOBILE", None),
    ("6234 5678", "请回电", Status.REJECTED, "PHONE_LENGTH", None),
    ("138001380001234", "请回电", Status.REJECTED, "PHONE_LENGTH", None),
    ("1380013800x", "请回电", Status.REJECTED, "PHONE_FORMAT", None),
    ("1" * 40, "请回电", Status.REJECTED, "PHONE_LENGTH", None),  # longer than the column
    ("138\x000013\x008000", "请回电", Status.DELIVERED, None, SIGNED + "请回电"),  # NULs dropped
    ("+86 138 0013 8001", "报告已出", Status.DELIVERED, None, SIGNED + "报告已出"),
    ("0086-139-0013-8002", "报告已出", Status.DELIVERED, None, SIGNED + "报告已出"),
    ("１３７００１３８００３", "报告已出", Status.DELIVERED, None, SIGNED + "报告已出"),
    ("13600138004", SQL_TEXT, Status.DELIVERED, None, SIGNED + SQL_TEXT),
    ("13500138005", NON_BMP, Status.DELIVERED, None, SIGNED + NON_BMP),
    ("13400138006", "第一行\x07\r\n第二行\x1b", Status.DELIVERED, None, SIGNED + "第一行\n第二行"),
    ("13300138007", "长" * 300, Status.DELIVERED, None, SIGNED + "长" * 300),
]


def test_each_bad_row_is_rejected_with_its_code_and_good_rows_still_go(db_url: str) -> None:
    store = open_store(db_url)
    ids = store.enqueue(
        [NewMessage(p, c, source_ref=f"bad-{n}") for n, (p, c, *_) in enumerate(CASES)], "his"
    )
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    asyncio.run(run_until(Engine(settings(db_url), store, {"lb": carrier}), all_final(store)))

    for oid, (raw, content, status, code, sent) in zip(ids, CASES, strict=True):
        row = store.get_message(oid)
        assert row is not None
        assert (row["status"], row["error_code"]) == (status, code), (raw, row["error_text"])
        if code:
            assert row["error_text"], "a rejection says why"
            assert not [s for s in carrier.submitted if s.key.outbox_id == oid]
        else:
            parts = sorted(
                (s for s in carrier.submitted if s.key.outbox_id == oid), key=lambda s: s.seq
            )
            assert "".join(p.body.decode("utf-16-be") for p in parts) == sent
        stored = content.replace("\x00", "") if content else content
        assert row["content"] == stored, "the HIS's text is stored as given, less NULs"
    store.close()


@pytest.mark.parametrize("raw", ["13800138000", "+8613800138000", "138 0013 8000"])
def test_masked_numbers_only_in_rejection_texts(db_url: str, raw: str) -> None:
    """A rejected number appears masked in error_text, which DBAs copy into tickets."""
    store = open_store(db_url)
    (oid,) = store.enqueue([NewMessage(raw + "9", "x")], "his")
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    asyncio.run(run_until(Engine(settings(db_url), store, {"lb": carrier}), all_final(store)))
    row = store.get_message(oid)
    assert row is not None and row["status"] == Status.REJECTED
    assert "****" in row["error_text"] and "0013800" not in row["error_text"].replace(" ", "")
    store.close()
