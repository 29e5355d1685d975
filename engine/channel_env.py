"""Channel keys from the environment: ``HISMS_CHANNELS__<NAME>__<KEY>``.

``channels`` is a list in the file, so the generic ``HISMS_<SECTION>__<KEY>`` rule cannot
reach into it; instead the variable names the channel (case-insensitive), e.g.
``HISMS_CHANNELS__CMCC__SECRET`` sets ``secret`` of the channel named ``cmcc``: carrier
secrets stay out of the file. A key the channel already has keeps its type (``port``
stays a number, a flag true or false, read as JSON); any other key is taken as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

PREFIX = "HISMS_CHANNELS"
# The type a key's value has in the file -> how its override must read.
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "true or false"),
    ((int, float), "a number"),
    (list, "a JSON list"),
    (dict, "a JSON object"),
)


def override(
    channels: Sequence[Mapping[str, Any]],
    named: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """``channels`` with the keys ``named`` gives (``{name: {key: text}}``, as the
    environment spells them) set; ``defaults`` types keys a channel leaves unset.
    Raises ValueError naming the variable for an override that names no channel."""
    out = [dict(c) for c in channels]
    for name, keys in named.items():
        var = f"{PREFIX}__{name.upper()}"
        if not isinstance(keys, dict):
            raise ValueError(f"{var}: a channel override is {PREFIX}__<NAME>__<KEY>")
        channel = _channel(out, name, f"{var}__{next(iter(keys), '').upper()}")
        for key, text in keys.items():
            _set(channel, key, text, defaults, f"{var}__{key.upper()}")
    return out


def _channel(channels: list[dict[str, Any]], name: str, var: str) -> dict[str, Any]:
    found = [c for c in channels if str(c.get("name", "")).casefold() == name.casefold()]
    if len(found) != 1:
        known = ", ".join(str(c.get("name")) for c in channels)
        problem = "names no channel" if not found else "names more than one channel"
        raise ValueError(f"{var} {problem} {name!r} (channels: {known})")
    return found[0]


def _set(
    channel: dict[str, Any], key: str, text: Any, defaults: Mapping[str, Any], var: str
) -> None:
    if not isinstance(text, str):
        raise ValueError(f"{var}__...: a channel override sets one key: {PREFIX}__<NAME>__<KEY>")
    key = next((k for k in channel if k.casefold() == key.casefold()), key)
    current = channel.get(key, defaults.get(key))
    channel[key] = _like(text, current, var)


def _like(text: str, current: Any, var: str) -> Any:
    """``text`` as a value of ``current``'s type; text when ``current`` is text or unset."""
    for types, kind in _KINDS:
        if not isinstance(current, types):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, types) or (kind == "a number" and isinstance(value, bool)):
            raise ValueError(f"{var}: {text!r} is not {kind}, as the file's {current!r} is")
        return value
    return text
