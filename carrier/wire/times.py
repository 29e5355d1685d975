"""The times gateways write: report times in the gateway's zone, and login stamps.

CMPP and SMGP reports and SMPP receipts (Appendix B) carry YYMMDDhhmm, many
SMSCs YYMMDDhhmmss, in the gateway's local time: Beijing (:data:`GATEWAY_TZ`)
unless the channel's ``gateway_timezone`` says otherwise. Logins and SGIP
sequences stamp MMDDHHMMSS.
"""

from __future__ import annotations

import functools
import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

GATEWAY_TZ = ZoneInfo("Asia/Shanghai")
REPORT_FORMAT = "%y%m%d%H%M"
_LAYOUTS = {10: REPORT_FORMAT, 12: "%y%m%d%H%M%S"}


@functools.lru_cache(maxsize=256)  # to the minute: a burst of reports shares a few values
def gateway_time(value: str, zone: ZoneInfo = GATEWAY_TZ) -> datetime | None:
    """The moment a report's YYMMDDhhmm[ss], read in ``zone``, names (what follows the
    digits is ignored); None if unreadable."""
    digits = "".join(itertools.takewhile(str.isdigit, value.strip()))
    layout = _LAYOUTS.get(len(digits))
    if layout is None:
        return None
    try:
        return datetime.strptime(digits, layout).replace(tzinfo=zone)
    except ValueError:
        return None


def stamp(moment: datetime) -> str:
    """MMDDHHMMSS, as login authenticators and SGIP sequences take the time."""
    return moment.strftime("%m%d%H%M%S")
