"""The checks on channel options, as pydantic field types, and reading options into a model.

Every protocol's options model (``carrier/<proto>/options.py``) declares its
fields as ``Annotated[type, Check]`` with a description; :func:`read` turns the
first problem into a :class:`CarrierError` naming the channel and the option,
so a typo in ``hisms.toml`` fails at start-up with a clear message. Each check
also describes itself for the generated options table (:mod:`hisms.carrier.options_doc`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from hisms.carrier.base import CarrierError

M = TypeVar("M", bound=BaseModel)


def read(model: type[M], channel: str, options: Mapping[str, Any]) -> M:
    """``options`` validated into ``model``; the first problem is a CarrierError."""
    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        problem = _PROBLEMS.get(error["type"], error["msg"])
        raise CarrierError(f"channel {channel!r}: option {key!r}: {problem}") from None


_PROBLEMS = {"missing": "is required", "extra_forbidden": "unknown option"}


def problem(text: str) -> PydanticCustomError:
    """A validation error whose message is ``text`` as written."""
    return PydanticCustomError("option", text)


class Check(ABC):
    """A field check: converts and validates the raw value before pydantic's own type check."""

    @abstractmethod
    def __call__(self, value: Any) -> Any: ...

    @abstractmethod
    def describe(self) -> str:
        """The accepted values, for the options table."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self, handler(source))


@dataclass(frozen=True, slots=True)
class Text(Check):
    width: int
    required: bool = False  # an empty value counts as missing
    digits: bool = False
    ascii_only: bool = True

    def __call__(self, value: Any) -> str:
        if value is None or (self.required and value == ""):
            raise problem("is required")
        text = str(value)
        if self.ascii_only and (not text.isascii() or len(text) > self.width):
            raise problem(f"must be at most {self.width} ASCII characters")
        if self.digits and not text.isdigit():
            raise problem("must be digits only")
        return text

    def describe(self) -> str:
        kind = "digits" if self.digits else "text"
        return f"{kind}, at most {self.width}" if self.ascii_only else "text"


@dataclass(frozen=True, slots=True)
class Integer(Check):
    low: int
    high: int

    def __call__(self, value: Any) -> int:
        if value is None or value == "":
            raise problem("is required")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise problem(f"must be an integer from {self.low} to {self.high}")
        try:
            number = int(value)
        except ValueError:
            raise problem(f"must be an integer from {self.low} to {self.high}") from None
        if not self.low <= number <= self.high:
            raise problem(f"must be from {self.low} to {self.high}, not {number}")
        return number

    def describe(self) -> str:
        return f"integer {self.low}..{self.high}"


@dataclass(frozen=True, slots=True)
class Seconds(Check):
    def __call__(self, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise problem("must be a number of seconds") from None
        if number <= 0:
            raise problem("must be greater than 0")
        return number

    def describe(self) -> str:
        return "seconds, > 0"


@dataclass(frozen=True, slots=True)
class Rate(Check):
    def __call__(self, value: Any) -> float | None:
        if value in (None, 0, "0", ""):
            return None  # unlimited
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise problem("must be a number per second") from None
        if number <= 0:
            raise problem("must be greater than 0")
        return number

    def describe(self) -> str:
        return "per second, 0 = unlimited"


@dataclass(frozen=True, slots=True)
class Flag(Check):
    def __call__(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise problem("must be true or false")
        return value

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True, slots=True)
class Zone(Check):
    """An IANA time zone name, read as its ZoneInfo."""

    def __call__(self, value: Any) -> ZoneInfo:
        if isinstance(value, ZoneInfo):
            return value  # already read (the default)
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            example = "an IANA name, e.g. Asia/Shanghai"
            raise problem(f"unknown time zone {value!r} ({example})") from None

    def describe(self) -> str:
        return "IANA time zone"


@dataclass(frozen=True)
class Choice(Check):
    """One of the names in ``names`` (case-insensitive), read as the value it maps to."""

    names: Mapping[str, Any]
    problem: str

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) and value in self.names.values():
            return value  # already read (a default, or a model built in code)
        chosen = self.names.get(str(value).lower(), _MISSING)
        if chosen is _MISSING:
            raise problem(self.problem)
        return chosen

    def describe(self) -> str:
        return " / ".join(f'"{name}"' for name in self.names)

    def name_of(self, value: Any) -> str:
        """The (first) name that reads as ``value``, for the table of defaults."""
        return next(name for name, chosen in self.names.items() if chosen == value)


_MISSING = object()
