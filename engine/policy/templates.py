"""Templates: a registered text with ``{named}`` variables, rendered from a row's params.

Only ``{name}`` is a variable (letters, digits, underscore): no attribute or index access
as ``str.format`` would allow, and ``{{``/``}}`` stand for braces. A missing or extra
variable is an error naming it, never a blank in a patient's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hisms.engine.errors import ErrorCode

_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)\}")
# The code of the confirmation an unsubscribe reply gets ([policy] unsubscribe_reply): a
# template the engine holds itself, transactional, so the fresh blacklist entry lets it by.
UNSUBSCRIBE_REPLY = "UNSUBSCRIBE_REPLY"


@dataclass(frozen=True, slots=True)
class Template:
    code: str
    body: str
    category: str
    state: str  # DRAFT, APPROVED or DISABLED: only APPROVED ones are sent

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Template:
        return cls(row["code"], row["body"], row["category"], row["state"])

    @classmethod
    def unsubscribe_reply(cls, text: str) -> Template:
        """The confirmation of an unsubscribe: ``text`` as written (its braces are not
        variables)."""
        body = text.replace("{", "{{").replace("}", "}}")
        return cls(UNSUBSCRIBE_REPLY, body, "transactional", "APPROVED")

    def variables(self) -> set[str]:
        return {m[1] for m in _FIELD.finditer(self.body) if m[1]}


@dataclass(frozen=True, slots=True)
class Refused:
    code: ErrorCode
    text: str


def render(templates: Mapping[str, Template], code: str, params: str | None) -> str | Refused:
    """The text of template ``code`` with ``params`` (a JSON object of strings or numbers)."""
    template = templates.get(code)
    if template is None:
        return Refused(ErrorCode.TEMPLATE_UNKNOWN, f"no template {code!r}")
    if template.state != "APPROVED":
        return Refused(ErrorCode.TEMPLATE_UNKNOWN, f"template {code!r} is {template.state}")
    values = _params(params)
    if isinstance(values, Refused):
        return values
    wanted = template.variables()
    missing, extra = sorted(wanted - values.keys()), sorted(values.keys() - wanted)
    if missing or extra:
        said = [f"missing variable {', '.join(missing)}"] if missing else []
        said += [f"extra variable {', '.join(extra)}"] if extra else []
        return Refused(ErrorCode.TEMPLATE_PARAMS, f"template {code!r}: {'; '.join(said)}")
    return _FIELD.sub(lambda m: values[m[1]] if m[1] else m[0][0], template.body)


def _params(params: str | None) -> dict[str, str] | Refused:
    try:
        values = json.loads(params) if params else {}
    except ValueError as exc:
        return Refused(ErrorCode.TEMPLATE_PARAMS, f"params is not JSON: {exc}")
    if not isinstance(values, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in values.values()
    ):
        return Refused(ErrorCode.TEMPLATE_PARAMS, "params must be a JSON object of texts")
    return {str(k): str(v) for k, v in values.items()}
