"""Operator and region of a mainland mobile number, from its number segment (号段).

The segment data is Google's libphonenumber as packaged by ``phonenumbers``: its
``carrier`` and ``geocoder`` prefix tables for China, in Chinese. Newer segments and
re-allocations arrive with a newer package (``pip install -U phonenumbers``, see
docs/ops.md#routing); numbers ported to another operator (携号转网) keep their old
segment, so the router lays the DBA's ``sms_number_override`` rows over this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import carrier

OPERATORS = ("mobile", "unicom", "telecom", "broadnet", "unknown")
_OPERATOR_BY_NAME = {
    "中国移动": "mobile",
    "中国联通": "unicom",
    "中国电信": "telecom",
    "中国广电": "broadnet",
}
# "江苏省常州市", "内蒙古自治区呼和浩特市", "北京市" (a municipality is its own province).
_PROVINCE = re.compile(r"^(.+?(?:省|自治区|特别行政区))(.*)$")


@dataclass(frozen=True, slots=True)
class NumberInfo:
    operator: str  # one of OPERATORS
    province: str  # "" when the segment has no region
    city: str
    source: str = "segment"  # or "override" (sms_number_override)


def lookup(number: str) -> NumberInfo:
    """What the segment of a normalised 11-digit number says: operator and region."""
    if len(number) == 11 and number.isdigit():
        # The segment is the first seven digits (network code + HLR code): one lookup
        # serves its 10,000 numbers, where a cache by number would miss for bulk sends.
        return _segment(number[:7])
    return _parsed(number)


def operator_of(number: str) -> str:
    """The operator alone, without the region tables (see :func:`_region`)."""
    if len(number) == 11 and number.isdigit():
        return _segment_operator(number[:7])
    parsed = _parse(number)
    return "unknown" if parsed is None else _operator(parsed)


@lru_cache(maxsize=65536)
def _segment(prefix: str) -> NumberInfo:
    return _parsed(prefix + "0000")


@lru_cache(maxsize=65536)
def _segment_operator(prefix: str) -> str:
    parsed = _parse(prefix + "0000")
    return "unknown" if parsed is None else _operator(parsed)


def _parsed(number: str) -> NumberInfo:
    parsed = _parse(number)
    if parsed is None:
        return NumberInfo("unknown", "", "")
    return NumberInfo(_operator(parsed), *split_region(_region(parsed)))


def _parse(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return None


def _operator(parsed: phonenumbers.PhoneNumber) -> str:
    return _OPERATOR_BY_NAME.get(carrier.name_for_number(parsed, "zh"), "unknown")


def _region(parsed: phonenumbers.PhoneNumber) -> str:
    # Imported on first use: the geocoder loads every country's region tables (about 110 MB
    # and 0.6 s of CPU), which only routing rules by region and `route explain` need.
    from phonenumbers import geocoder

    return str(geocoder.description_for_number(parsed, "zh"))


def split_region(description: str) -> tuple[str, str]:
    """(province, city) of a Chinese geocoder description; a municipality is both."""
    if not description or description == "中国":
        return "", ""
    match = _PROVINCE.match(description)
    if match:
        return match[1], match[2]
    return description, description
