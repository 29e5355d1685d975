"""What the WebService may write to the log: no request body, no whole phone number.

spyne logs whole requests: one its parser refuses at ERROR (a 50 MB text node made a
52 MB line with the UsernameToken password in it), every document at DEBUG, and the
values it could not read. Its loggers are cut off when a server starts; the service
logs each refusal itself, by fault code (see ``service.log_fault``).
"""

from __future__ import annotations

import logging
import re

from hisms.carrier.wire.numbers import mask

_NUMBER = re.compile(r"\d{7,}")


def masked(text: str) -> str:
    """``text`` with every run of 7 or more digits masked like a phone number."""
    return _NUMBER.sub(lambda m: mask(m[0]), text)


def silence_spyne() -> None:
    """Nothing that spyne logs reaches a handler (idempotent; called at server start)."""
    spyne = logging.getLogger("spyne")
    spyne.setLevel(logging.CRITICAL + 1)  # records are not even built
    spyne.propagate = False  # a child logger set to DEBUG by hand still writes nowhere
    if not spyne.handlers:  # a handler stops logging's last resort (stderr)
        spyne.addHandler(logging.NullHandler())
