"""What every database's history offers the archive and the CLI."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from gzip import GzipFile

from hisms.engine.history.files import Entry

# Archived and restored together, children first (their months are dropped in this order).
TABLES = ("sms_event", "sms_inbox", "sms_segment", "sms_outbox")


class HistoryError(Exception):
    """An archive or restore that cannot go on; nothing was dropped."""


@dataclasses.dataclass(frozen=True)
class Part:
    """One table's rows of one month: a partition (PostgreSQL: ``lo``/``hi`` are ids,
    ``None`` for no bound) or a range of ``created_at`` (the others)."""

    table: str
    name: str
    month: str
    lo: int | datetime | None
    hi: int | datetime | None


@dataclasses.dataclass(frozen=True)
class PartInfo:
    """A line of ``hisms db partitions``."""

    table: str
    name: str
    month: str
    rows: int
    bytes: int | None  # None where the database does not say


class History(ABC):
    dialect: str

    @abstractmethod
    def partitions(self) -> list[PartInfo]:
        """Every month of every history table, with its rows and size."""

    @abstractmethod
    def create(self, ahead: int) -> list[str]:
        """Create this month's partitions and the next ``ahead`` months' (none where the
        database does not partition); the names of those created."""

    @abstractmethod
    def archivable(self, before: datetime) -> dict[str, list[Part]]:
        """The months wholly before ``before``, by label, each with its parts in
        :data:`TABLES` order."""

    @abstractmethod
    def export(self, part: Part, sink: GzipFile) -> int:
        """Write the part as CSV (a header, NULL as ``\\N``) to ``sink``; its row count."""

    @abstractmethod
    def drop(self, parts: Sequence[Part]) -> None:
        """Remove the archived parts from the database, in the order given."""

    @abstractmethod
    def restore(self, entry: Entry, source: GzipFile) -> str:
        """Load an archived part back from its CSV; where it can be read now."""

    @abstractmethod
    def close(self) -> None: ...
