"""Templates over a message's fields: ``{name}`` replaced, nothing else evaluated. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping

_FIELD = re.compile(r"\{(\w+)\}")
# What a template may name (a request's fields, filled by request.fields()).
PLACEHOLDERS = frozenset(
    {
        "key",
        "secret",
        "phone",
        "phones",
        "text",
        "ext",
        "timestamp",
        "timestamp_s",
        "datetime",
        "nonce",
        "sign",
    }
)


def placeholders(template: str) -> set[str]:
    return set(_FIELD.findall(template))


def fill(template: str, fields: Mapping[str, str]) -> str:
    """``template`` with each ``{name}`` replaced by ``fields[name]`` (all must be given)."""
    return _FIELD.sub(lambda m: fields[m.group(1)], template)
