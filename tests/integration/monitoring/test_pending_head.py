"""``Store.pending_head``: the oldest due PENDING wait and the capped backlog, per lane."""

from __future__ import annotations

from datetime import timedelta

from hisms.carrier.base import utcnow
from hisms.engine.store.base import BULK, URGENT, NewMessage, Store


def test_pending_head_sees_due_rows_only_and_caps_the_count(store: Store) -> None:
    assert store.pending_head(BULK, 10) == (None, 0)
    later = utcnow() + timedelta(hours=1)
    store.enqueue([NewMessage("13800000000", "later", send_at=later)], actor="t")
    assert store.pending_head(BULK, 10) == (None, 0)  # scheduled, not yet waiting
    store.enqueue([NewMessage(f"1380000000{i}", "bulk", priority=5) for i in range(4)], "t")
    store.enqueue([NewMessage("13900000000", "urgent", priority=0)], actor="t")
    waited, backlog = store.pending_head(BULK, 10)
    assert backlog == 5 and waited is not None and -2 < waited < 60
    assert store.pending_head(BULK, 3)[1] == 3  # counted up to the cap
    waited, backlog = store.pending_head(URGENT, 10)
    assert backlog == 1 and waited is not None and -2 < waited < 60
