"""Source-system profiles: what each calling system (HIS, EMR, LIS, CV, appointments...)
gives its messages, and how a patient's reply finds its way back to it.

Configured under ``[sources.<SOURCE_SYSTEM>]`` in ``etc/hisms.toml``; the name is the
``source_system`` its rows carry. The engine asks two things: the profile of a row's
source system (:meth:`Profiles.of`) and which system owns a reply's sender extension
(:meth:`Profiles.owner`).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict


class SourceProfile(BaseModel):
    """One source system's settings; a system without a profile gets the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Appended to a channel's service number as the sender: replies to it belong here.
    ext: str = ""
    # Used when a row has none; overrides [validation].default_signature.
    signature: str = ""


NO_PROFILE = SourceProfile()


class Profiles:
    """The configured profiles, by source system and by extension."""

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
