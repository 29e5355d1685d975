"""Give spyne 2.14's vendored ``six`` importer the PEP 451 methods of six >= 1.16, and
stop its forced garbage collection.

Without ``find_spec`` it is a legacy meta-path finder: Python 3.11 warns on each
use, and pytest's importlib mode (which asks every finder for ``find_spec``)
fails to import any test module once spyne is loaded. The methods are six
1.16's own.

spyne runs a full ``gc.collect()`` at the end of a request when the last one is more than
``MIN_GC_INTERVAL`` (1 s) ago, to close the files of uploads: we take none (bodies are
bytes in memory), and in a server holding the engine's tables a full collection takes
tens of milliseconds of CPU every second (``hisms bench intake --via sendsms``).
"""

from __future__ import annotations

import importlib.util
import math
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Protocol

from spyne import const
from spyne.util import six


class _SixImporter(Protocol):
    """What the methods use of six's importer."""

    known_modules: dict[str, Any]

    def load_module(self, fullname: str) -> ModuleType: ...


def _find_spec(
    self: _SixImporter, fullname: str, path: Any = None, target: Any = None
) -> ModuleSpec | None:
    return (
        importlib.util.spec_from_loader(fullname, self) if fullname in self.known_modules else None
    )


def _create_module(self: _SixImporter, spec: ModuleSpec) -> ModuleType:
    return self.load_module(spec.name)


def _exec_module(self: _SixImporter, module: ModuleType) -> None:
    """Nothing to run: create_module returned the finished module."""


_importer = type(six._importer)
if not hasattr(_importer, "find_spec"):
    _importer.find_spec = _find_spec
    _importer.create_module = _create_module
    _importer.exec_module = _exec_module

const.MIN_GC_INTERVAL = math.inf
