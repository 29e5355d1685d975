"""Message status codes: a contract with DBAs and HIS code.

Documented with their transitions in docs/status.md; the same codes are the rows of
``sms_status`` created by sql/<dialect>/migrations/0001_initial.sql (8 UNKNOWN by 0006).
"""

from __future__ import annotations

import enum


class Status(enum.IntEnum):
    PENDING = 0  # inserted, waiting for send_at / next_attempt_at
    SENDING = 1  # PENDING -> claimed by a worker under a lease
    SUBMITTED = 2  # SENDING -> every part accepted by the carrier
    DELIVERED = 3  # SUBMITTED -> every part reported DELIVRD
    FAILED = 4  # SENDING/SUBMITTED -> refused, retries exhausted or a failed report
    EXPIRED = 5  # PENDING/SENDING -> expire_at passed before submission
    REJECTED = 6  # SENDING -> invalid number/content; never sent
    CANCELLED = 7  # PENDING -> cancelled by the caller before submission
    UNKNOWN = 8  # SUBMITTED -> no delivery report within engine.report_timeout_hours

    @property
    def final(self) -> bool:
        return self not in (Status.PENDING, Status.SENDING, Status.SUBMITTED)
