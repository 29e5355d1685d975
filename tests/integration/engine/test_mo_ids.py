"""A reply (MO) the gateway sends again under its id is stored once (sms_mo_id, schema 22),
against SQLite, PostgreSQL and MariaDB: the copy is answered, and makes no second sms_inbox
row, sms_event or blacklist entry."""

from __future__ import annotations

from datetime import timedelta

from hisms.carrier.base import CarrierEvent, MoMessage, utcnow
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.store import open_store
from hisms.engine.store.base import Mo, MoPartRow, Store
from hisms.engine.worker import Engine
from tests.integration.engine.test_engine import settings
from tests.integration.engine.test_refused_rows import query, run_with

W = "worker-a"
PHONE, NUMBER = "13800138000", "1069012301"


def inbox(url: str) -> list[str]:
    return [r["content"] for r in query(url, "SELECT content FROM sms_inbox ORDER BY id")]


def test_the_same_reply_twice_is_stored_once_and_answered_twice(db_url: str) -> None:
    store = open_store(db_url)
    try:
        acked: list[int] = []

        def reply(n: int, text: str, msg_id: str | None, channel: str = "lb") -> MoMessage:
            return MoMessage(
                channel, PHONE, NUMBER, text, gateway_msg_id=msg_id, ack=lambda: acked.append(n)
            )

        batch: list[CarrierEvent] = [
            reply(0, "好的", "00a1b2c3d4e5f601"),
            reply(1, "好的", "00a1b2c3d4e5f601"),  # sent again in the same flush
            reply(2, "改天", None),  # no id (SMPP): every copy is stored
            reply(3, "改天", None),
        ]
        carrier = LoopbackCarrier("lb")
        run_with(Engine(settings(db_url), store, {"lb": carrier}), carrier, batch, acked)
        assert sorted(acked) == [0, 1, 2, 3]
        # Sent again after the flush (the answer was lost), and the same id on another channel.
        later = [reply(4, "好的", "00a1b2c3d4e5f601"), reply(5, "是", "00a1b2c3d4e5f601", "lb2")]
        carrier = LoopbackCarrier("lb")
        run_with(Engine(settings(db_url), store, {"lb": carrier}), carrier, later, acked)
        assert sorted(acked) == [0, 1, 2, 3, 4, 5]
        assert inbox(db_url) == ["好的", "改天", "改天", "是"]
        ids = query(db_url, "SELECT channel, gateway_msg_id FROM sms_mo_id ORDER BY channel")
        assert [(r["channel"], r["gateway_msg_id"]) for r in ids] == [
            ("lb", "00a1b2c3d4e5f601"),
            ("lb2", "00a1b2c3d4e5f601"),
        ]
    finally:
        store.close()


def test_an_unsubscribe_sent_again_makes_one_row_one_event_and_one_entry(
    store: Store, db_url: str
) -> None:
    store.register_sources(["APPT"], "platform", "t")  # replies become sms_event rows
    td = Mo("cm", PHONE, NUMBER, "TD", utcnow(), "APPT", "marketing", True, "0123456789abcdef")
    assert len(store.save_mo(W, [td, td], 3600)) == 1
    assert store.save_mo(W, [td], 3600) == []  # the gateway sends it again
    assert inbox(db_url) == ["TD"]
    assert len(query(db_url, "SELECT id FROM sms_event WHERE kind = 'MO'")) == 1
    assert [e["phone"] for e in store.load_policy().blacklist] == [PHONE]
    assert store.status_counts()["PENDING"] == 1  # one confirmation


def test_a_part_sent_again_after_its_set_was_joined_starts_no_new_set(store: Store) -> None:
    def part(seq: int, text: str) -> MoPartRow:
        at = utcnow()
        return MoPartRow("cm", PHONE, NUMBER, "", 7, 2, seq, text, at, gateway_msg_id=f"id{seq}")

    store.save_mo_parts(W, [part(1, "改到")])
    (found,) = store.save_mo_parts(W, [part(2, "周五"), part(2, "周五")])
    assert [p.seq for p in found] == [1, 2]  # the copy in the same batch is not stored
    mo = Mo("cm", PHONE, NUMBER, "改到周五", found[0].received_at, None)
    assert store.store_mo_set(W, found, mo, 3600, 0)
    assert store.save_mo_parts(W, [part(1, "改到")]) == []  # its set was joined
    assert store.mo_part_sets() == []


def test_the_ids_are_forgotten_after_mo_id_days(store: Store, db_url: str) -> None:
    old = Mo("cm", PHONE, NUMBER, "旧", utcnow() - timedelta(days=8), None, gateway_msg_id="a")
    new = Mo("cm", PHONE, NUMBER, "新", utcnow(), None, gateway_msg_id="b")
    store.save_mo(W, [old, new], 3600)
    assert store.purge_mo_ids(utcnow() - timedelta(days=7)) == 1
    ids = query(db_url, "SELECT gateway_msg_id FROM sms_mo_id")
    assert [r["gateway_msg_id"] for r in ids] == ["b"]
