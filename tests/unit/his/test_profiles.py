"""Source-system profiles: the lookup by source_system and by extension, and their
configuration (``[sources.<NAME>]``, the format hisms has always read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hisms.adapters.his import Profiles, SourceProfile
from hisms.engine.config import ConfigError, load

PROFILES = Profiles(
    {
        "HIS": SourceProfile(ext="01", signature="某某医院"),
        "LIS": SourceProfile(ext="02"),
        "NOTICE": SourceProfile(),  # sends from the bare service number
    }
)


def test_a_configured_system_gets_its_profile_and_another_the_defaults() -> None:
    assert PROFILES.of("HIS") == SourceProfile(ext="01", signature="某某医院")
    assert PROFILES.of("EMR") == SourceProfile()
    assert PROFILES.of("his") == SourceProfile()  # source_system is matched exactly


def test_an_extension_names_the_system_it_belongs_to() -> None:
    assert (PROFILES.owner("01"), PROFILES.owner("02")) == ("HIS", "LIS")
    assert PROFILES.owner("03") is None
    assert PROFILES.owner("") is None  # a reply to the bare number belongs to no system


def test_two_systems_cannot_share_an_extension() -> None:
    with pytest.raises(ValueError, match="HIS and CV both use ext '01'"):
        Profiles({"HIS": SourceProfile(ext="01"), "CV": SourceProfile(ext="01")})


def test_profiles_are_read_from_the_sources_sections(tmp_path: Path) -> None:
    path = tmp_path / "hisms.toml"
    path.write_text(
        '[sources.HIS]\next = "01"\nsignature = "某某医院"\n[sources.CV]\next = "03"\n', "utf-8"
    )
    profiles = load(path).profiles()
    assert profiles.of("HIS").signature == "某某医院"
    assert profiles.owner("03") == "CV"


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[sources.HIS]\next = "01"\n[sources.CV]\next = "01"\n', "both use ext '01'"),
        ('[sources.HIS]\nprefix = "01"\n', "sources.HIS.prefix"),
    ],
)
def test_a_wrong_profile_is_a_config_error(tmp_path: Path, toml: str, problem: str) -> None:
    path = tmp_path / "hisms.toml"
    path.write_text(toml, "utf-8")
    with pytest.raises(ConfigError, match=problem):
        load(path)


def test_templates_are_a_list_stored_comma_separated_and_none_means_any() -> None:
    limited = SourceProfile(templates=["FZ", " YY ", "FZ", ""])
    assert limited.templates == ("FZ", "YY") and limited.row("APPT")["templates"] == "FZ,YY"
    assert SourceProfile.of_row(limited.row("APPT")) == limited
    assert SourceProfile(templates="FZ, YY") == limited  # as hisms source set --templates gives
    assert SourceProfile().row("APPT")["templates"] is None
    assert SourceProfile.of_row(SourceProfile().row("APPT")).allows("ANY")
    assert limited.allows("YY") and not limited.allows("JC")
