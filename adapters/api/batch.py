"""A streamed batch: NDJSON read line by line as it arrives, never held whole.

The first line holds what the numbers share (:class:`~hisms.adapters.api.models.BatchHeader`),
every further line one number (:class:`~hisms.adapters.api.models.BatchItem`). Blank lines
are skipped. A line that is not such an object is refused naming its line number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hisms.adapters.api.errors import code_of
from hisms.adapters.api.models import BatchHeader, BatchItem
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.intake import Item

M = TypeVar("M", bound=BaseModel)
MAX_LINE = 64 * 1024  # bytes in one NDJSON line (a 2,000-character content is ~6 KB)


def lines(next_chunk: Callable[[], bytes | None]) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of the body that ``next_chunk`` gives piece by piece (None: end)."""
    pending, number = b"", 0
    while (chunk := next_chunk()) is not None:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            number += 1
            if line.strip():
                yield number, line
        if len(pending) > MAX_LINE:
            raise Refused("Client.TooLarge", f"line {number + 1} is longer than {MAX_LINE} bytes")
    if pending.strip():
        yield number + 1, pending


def read(next_chunk: Callable[[], bytes | None]) -> tuple[BatchHeader, Iterator[Item]]:
    """The batch's header, and its numbers as they arrive."""
    numbered = lines(next_chunk)
    first = next(numbered, None)
    if first is None:
        raise Refused("Client.MissingField", "empty batch: expected a header line, then numbers")
    header = _parsed(BatchHeader, *first)

    def items() -> Iterator[Item]:
        for number, line in numbered:
            item = _parsed(BatchItem, number, line)
            yield Item(item.phone, item.content, item.source_ref, as_json(item.params))

    return header, items()


def as_json(params: dict[str, Any] | None) -> str | None:
    """Template variables as the JSON object text ``sms_outbox.params`` holds."""
    return None if params is None else json.dumps(params, ensure_ascii=False)


def _parsed(model: type[M], number: int, line: bytes) -> M:
    try:
        return model.model_validate_json(line)
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in problem["loc"]) or "line"
        code = code_of(problem["type"])
        raise Refused(code, f"line {number}: {where}: {problem['msg']}") from None
