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
from phonenumbers import carrier, geocoder

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
    """What the segment of a normalised 11-digit number says."""
    if len(number) == 11 and number.isdigit():
        # The segment is the first seven digits (network code + HLR code): one lookup
        # serves its 10,000 numbers, where a cache by number would miss for bulk sends.
        return _segment(number[:7])
    return _parsed(number)


@lru_cache(maxsize=65536)
def _segment(prefix: str) -> NumberInfo:
    return _parsed(prefix + "0000")


def _parsed(number: str) -> NumberInfo:
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return NumberInfo("unknown", "", "")
    name = carrier.name_for_number(parsed, "zh")
    province, city = split_region(geocoder.description_for_number(parsed, "zh"))
    return NumberInfo(_OPERATOR_BY_NAME.get(name, "unknown"), province, city)


def split_region(description: str) -> tuple[str, str]:
    """(province, city) of a Chinese geocoder description; a municipality is both."""
    if not description or description == "中国":
        return "", ""
    match = _PROVINCE.match(description)
    if match:
        return match[1], match[2]
    return description, description
