"""spyne's loggers are silenced where the server starts, not on import; digits are masked."""

from __future__ import annotations

import logging
import subprocess
import sys

from hisms.adapters.webservice.logs import masked, silence_spyne


def test_importing_the_service_leaves_logging_alone() -> None:
    code = (
        "import logging; import hisms.adapters.webservice.server; "
        "print(logging.getLogger('spyne').level, logging.getLogger('spyne').propagate, "
        "logging.getLogger('spyne.application.client').level)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True", "0"]


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_no_spyne_record_reaches_a_handler() -> None:
    # Our own handler on the root, as the engine's logging has: pytest's caplog attaches
    # itself to every non-propagating logger, spyne's included, so it cannot judge this.
    kept = _Kept()
    root = logging.getLogger()
    root.addHandler(kept)
    silence_spyne()
    invalid = logging.getLogger("spyne.protocol.soap.soap11.invalid")
    invalid.setLevel(logging.DEBUG)  # as spyne's docs suggest for debugging
    try:
        invalid.error("XMLSyntaxError in string %r", "<Password>his-secret</Password>")
    finally:
        invalid.setLevel(logging.NOTSET)
        root.removeHandler(kept)
    assert kept.lines == []


def test_runs_of_digits_are_masked_like_phone_numbers() -> None:
    assert masked("Priority 13912345678 is not within 0..9") == (
        "Priority 139****5678 is not within 0..9"
    )
    assert masked("line 4, column 1362; id 123456") == "line 4, column 1362; id 123456"
