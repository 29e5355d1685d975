"""Source-system profiles: what each calling system (HIS, EMR, LIS, CV, appointments...)
gives its messages, which content policies apply to them, and how a patient's reply finds
its way back to it.

Seeded from ``[sources.<SOURCE_SYSTEM>]`` in ``etc/hisms.toml`` (the name is the
``source_system`` its rows carry) into ``sms_source_profile`` by ``hisms db init`` and
``upgrade``; edited at run time with ``hisms source set``. The database's profile wins over
the configuration's. The engine asks two things: the profile of a row's source system
(:meth:`Profiles.of`) and which system owns a reply's sender extension (:meth:`Profiles.owner`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal["transactional", "notice", "marketing"]
# The columns of sms_source_profile a NULL stands for "" in.
_TEXT = ("ext", "signature", "account", "dept_code")


class SourceProfile(BaseModel):
    """One source system's settings; a system without a profile gets the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Appended to a channel's service number as the sender: replies to it belong here.
    ext: str = Field("", max_length=8)
    # Used when a row has none; overrides [validation].default_signature.
    signature: str = Field("", max_length=32)
    signature_at: Literal["start", "end"] = "start"  # where 【signature】 goes
    priority: int | None = Field(None, ge=0, le=9)  # SendSms / hisms send without one
    account: str = ""  # for rows without one (statistics, routing)
    dept_code: str = ""
    # transactional (critical values, verification codes) still reaches a number that
    # unsubscribed; notice and marketing do not. A template's category wins.
    category: Category = "notice"
    blacklist: bool = True  # the blacklist applies
    words: Literal["reject", "mask", "off"] = "reject"  # on a sensitive word
    duplicate_seconds: int = Field(0, ge=0)  # same number and text within: DUPLICATE (0: off)
    # The template codes its messages may use; empty: any (a text without one is not limited).
    templates: tuple[str, ...] = ()

    @field_validator("templates", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> tuple[str, ...]:
        """A list, or a comma-separated text (``hisms source set --templates FZ,JC``)."""
        if value is None:
            return ()
        given = value.split(",") if isinstance(value, str) else list(value)
        codes = [str(c).strip() for c in given]
        if any(len(c) > 64 for c in codes):
            raise ValueError("a template code is at most 64 characters")
        return tuple(dict.fromkeys(c for c in codes if c))

    def allows(self, template_code: str) -> bool:
        """Whether this source's messages may use the template ``template_code``."""
        return not self.templates or template_code in self.templates

    def row(self, source_system: str) -> dict[str, Any]:
        """As a ``sms_source_profile`` row."""
        row = self.model_dump()
        row.update({k: row[k] or None for k in _TEXT}, blacklist=int(self.blacklist))
        row["templates"] = ",".join(self.templates) or None
        return {"source_system": source_system, **row}

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> SourceProfile:
        values = {k: v for k, v in row.items() if k != "source_system"}
        values.update({k: values[k] or "" for k in _TEXT}, blacklist=bool(values["blacklist"]))
        values["templates"] = values.get("templates") or ()  # NULL: any
        return cls(**values)


NO_PROFILE = SourceProfile()


class Profiles:
    """The profiles, by source system and by extension."""

    def __init__(self, profiles: Mapping[str, SourceProfile]) -> None:
        self._by_name = dict(profiles)
        self._by_ext: dict[str, str] = {}
        for name, profile in self._by_name.items():
            if not profile.ext:
                continue
            other = self._by_ext.setdefault(profile.ext, name)
            if other != name:  # a reply to that extension would have two owners
                raise ValueError(f"sources {other} and {name} both use ext {profile.ext!r}")

    def of(self, source_system: str) -> SourceProfile:
        """The profile of ``source_system``; the defaults for a system not configured."""
        return self._by_name.get(source_system, NO_PROFILE)

    def owner(self, ext: str) -> str | None:
        """The source system whose extension ``ext`` is, if any."""
        return self._by_ext.get(ext) if ext else None

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def over(self, rows: Mapping[str, SourceProfile]) -> Profiles:
        """These profiles with ``rows`` (the database's) in place of theirs."""
        return Profiles({**self._by_name, **rows})
