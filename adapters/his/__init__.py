"""Source systems (HIS, EMR, LIS, CV, appointment platform...): their profiles."""

from hisms.adapters.his.profiles import Profiles, SourceProfile

__all__ = ["Profiles", "SourceProfile"]
