"""The sign names and templates an account registered at the provider, for the simulators.

Aliyun templates name their variables (``${name}``), Tencent's number them (``{1}``);
either way the simulator renders the text (to bill its segments and to match the reply
rules) and refuses a template or sign the account never registered, as the providers do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hisms.engine import segment

_ALIYUN_VAR = re.compile(r"\$\{(\w+)\}")
_TENCENT_VAR = re.compile(r"\{(\d+)\}")


def parse_registered(given: Sequence[str]) -> dict[str, str]:
    """``CODE=TEXT`` pairs from the command line."""
    pairs = {}
    for item in given:
        code, sep, text = item.partition("=")
        if not sep or not code:
            raise ValueError(f"template {item!r}: expected CODE=TEXT")
        pairs[code] = text
    return pairs


def aliyun_render(text: str, params: Mapping[str, str]) -> str | list[str]:
    """The text, or the variables ``params`` lacks."""
    missing = [name for name in _ALIYUN_VAR.findall(text) if name not in params]
    if missing:
        return missing
    return _ALIYUN_VAR.sub(lambda m: str(params[m[1]]), text)


def tencent_render(text: str, params: Sequence[str]) -> str | None:
    """The text, or None when ``params`` does not fill the numbered variables exactly."""
    wanted = {int(n) for n in _TENCENT_VAR.findall(text)}
    if wanted != set(range(1, len(params) + 1)):
        return None
    return _TENCENT_VAR.sub(lambda m: params[int(m[1]) - 1], text)


def billed(sign: str, text: str) -> int:
    """Segments the provider bills: the signature counts, 70 characters or 67 a part."""
    return segment.count(f"【{sign}】{text}")
