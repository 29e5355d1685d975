"""Writing a batch of reports or replies so that a row the database refuses holds no other.

A database refuses a whole statement for one bad row (PostgreSQL and a NUL character):
retried as it is, the batch fails for ever and none of it is ever answered. On a
:class:`StoreDataError` the batch is written again in halves, down to the single rows the
database refuses; a few bad rows in a batch of n cost about 2 log2(n) writes each. Any
other error means the database is unavailable: writing stops and the rest waits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hisms.engine.store.base import StoreDataError, StoreError

T = TypeVar("T")


@dataclass(slots=True)
class Written(Generic[T]):
    stored: list[T] = field(default_factory=list)
    refused: list[tuple[T, StoreDataError]] = field(default_factory=list)  # each row alone
    unwritten: list[T] = field(default_factory=list)  # to try again: the database was down
    trouble: StoreError | None = None  # why it was down


def isolate(write: Callable[[Sequence[T]], object], items: Sequence[T]) -> Written[T]:
    """Write ``items`` with ``write`` (one transaction per call), isolating refused rows."""
    done: Written[T] = Written()
    _write(write, list(items), done)
    return done


def _write(write: Callable[[Sequence[T]], object], items: list[T], done: Written[T]) -> None:
    if done.trouble is not None:
        done.unwritten.extend(items)
        return
    try:
        write(items)
    except StoreDataError as exc:
        if len(items) == 1:
            done.refused.append((items[0], exc))
            return
        half = len(items) // 2
        _write(write, items[:half], done)
        _write(write, items[half:], done)
        return
    except StoreError as exc:
        done.trouble = exc
        done.unwritten.extend(items)
        return
    done.stored.extend(items)
