"""NDJSON batches read line by line, whatever the pieces the body arrives in."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hisms.adapters.api import batch
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.intake import Item

BODY = (
    b'{"batch_ref": "B1", "content": "\xe3\x80\x90H\xe3\x80\x91hi"}\n'
    b'{"phone": "13800138000"}\n\n'
    b'{"phone": "13900139000", "source_ref": "P-2", "content": "own"}'
)


def pieces(body: bytes, size: int) -> Callable[[], bytes | None]:
    parts: Iterator[bytes] = iter([body[i : i + size] for i in range(0, len(body), size)])
    return lambda: next(parts, None)


@pytest.mark.parametrize("size", [1, 7, len(BODY)])
def test_lines_split_anywhere_give_the_same_batch(size: int) -> None:
    header, items = batch.read(pieces(BODY, size))
    assert (header.batch_ref, header.content) == ("B1", "【H】hi")
    assert list(items) == [Item("13800138000"), Item("13900139000", "own", "P-2")]


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (b"", "Client.MissingField", "empty batch"),
        (b'{"content": "x"}\n{"phone": 1', "Client.MalformedJson", "line 2"),
        (b'{"content": "x"}\n{"phone": "1", "colour": "red"}', "Client.InvalidField", "colour"),
        (b'{"content": "x"}\n{"source_ref": "A-1"}', "Client.MissingField", "line 2: phone"),
        (b'{"priority": "soon"}\n{"phone": "1"}', "Client.ValidationError", "line 1: priority"),
        (b'{"content": "x"}\n{"phone": "1' + b"1" * batch.MAX_LINE, "Client.TooLarge", "line 2"),
    ],
)
def test_a_bad_line_is_refused_naming_it(body: bytes, code: str, text: str) -> None:
    with pytest.raises(Refused) as refused:
        _, items = batch.read(pieces(body, 1000))
        list(items)
    assert refused.value.code == code
    assert text in refused.value.text
