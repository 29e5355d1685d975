"""History that stays fast: monthly partitions, archives of old months, their restore.

``open_history(url)`` gives the implementation for the database: PostgreSQL detaches and
drops month partitions (:mod:`.postgres`); the others delete old months in batches
(:mod:`.batched`). What an archive is on disk lives in :mod:`.files`, month arithmetic in
:mod:`.months`, the steps of an archive run in :mod:`.archive`.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from hisms.engine.history.base import History


def open_history(url: str, batch_rows: int = 5000) -> History:
    """The history of the database at ``url`` (the store's URL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() in ("postgresql", "kingbase"):
        from hisms.engine.history.postgres import PgHistory

        return PgHistory(parsed)
    from hisms.engine.history.batched import BatchedHistory

    return BatchedHistory(parsed, batch_rows)
