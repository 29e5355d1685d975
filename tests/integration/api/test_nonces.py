"""sms_nonce on every live database: a nonce is taken once, and forgotten once expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hisms.adapters.nonces import NonceBook
from hisms.engine.store.base import Store

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_a_nonce_is_taken_once_until_it_expires(store: Store) -> None:
    assert store.take_nonce("a" * 64, NOW + timedelta(minutes=10))
    assert not store.take_nonce("a" * 64, NOW + timedelta(minutes=10))
    assert store.take_nonce("b" * 64, NOW + timedelta(minutes=10))
    assert store.purge_nonces(NOW) == 0
    assert store.purge_nonces(NOW + timedelta(minutes=11)) == 2
    assert store.take_nonce("a" * 64, NOW + timedelta(minutes=20))


def test_the_book_keys_nonces_by_scope_and_caller(store: Store) -> None:
    clock = NOW.timestamp()
    api, ws = (
        NonceBook(store, "api", 600, lambda: clock),
        NonceBook(store, "ws", 600, lambda: clock),
    )
    assert api.fresh("HIS", b"n-1") and ws.fresh("HIS", b"n-1") and api.fresh("ESB", b"n-1")
    assert not api.fresh("his", b"n-1")  # caller names are case-insensitive
