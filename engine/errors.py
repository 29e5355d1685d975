"""The ``error_code`` values hisms itself writes, listed once (docs/errors.md mirrors them).

Stored in ``sms_outbox.error_code`` (and ``sms_event.error_code``) with a readable
``error_text``. Carriers add their own values beside these: the gateway's result code of
a refused submit and the stat of a failed delivery report (docs/errors.md lists them
per protocol); those are the carrier's words, not members here.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """An error code with the one-line meaning the docs show for it."""

    description: str

    def __new__(cls, value: str, description: str) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # Rejected by validation (REJECTED): the row is never sent.
    PHONE_EMPTY = "PHONE_EMPTY", "the phone number is empty"
    PHONE_FORMAT = "PHONE_FORMAT", "the phone number has characters other than digits"
    PHONE_LENGTH = "PHONE_LENGTH", "the phone number does not have 11 digits"
    PHONE_NOT_MOBILE = (
        "PHONE_NOT_MOBILE",
        "not a mainland mobile number (a landline with an area code, or no 13x-19x prefix)",
    )
    CONTENT_EMPTY = "CONTENT_EMPTY", "the content is empty once control characters are removed"
    CONTENT_TOO_LONG = (
        "CONTENT_TOO_LONG",
        "the signed content is over validation.max_chars, or needs more parts than allowed",
    )
    SIGNATURE_MISSING = (
        "SIGNATURE_MISSING",
        "no 【signature】 in the content, the row, the source system or the configuration",
    )
    # Refused by the content policy (REJECTED), in the order of the checks (docs/policy.md).
    TEMPLATE_NOT_ALLOWED = (
        "TEMPLATE_NOT_ALLOWED",
        "template_code is not one of the templates its source's profile lists (both named)",
    )
    TEMPLATE_UNKNOWN = (
        "TEMPLATE_UNKNOWN",
        "template_code names no template, or one that is not APPROVED",
    )
    TEMPLATE_PARAMS = (
        "TEMPLATE_PARAMS",
        "params is not a JSON object, or lacks or adds a variable (named in error_text)",
    )
    SIGNATURE_FOREIGN = (
        "SIGNATURE_FOREIGN",
        "the content carries the 【signature】 of another source system or account",
    )
    BLACKLISTED = (
        "BLACKLISTED",
        "a blacklist entry blocks the number for this message (its id in error_text)",
    )
    SENSITIVE_WORD = (
        "SENSITIVE_WORD",
        "the content holds a sensitive word (named in error_text)",
    )
    DUPLICATE = (
        "DUPLICATE",
        "same number and text from the same source within its window (the first id in error_text)",
    )
    # Settled before submission.
    EXPIRED = "EXPIRED", "expire_at passed before the message was submitted"
    CANCELLED = "CANCELLED", "cancelled by the caller (CancelSms) while still PENDING"
    NO_CHANNEL = (
        "NO_CHANNEL",
        "no routing rule matches the message, or its rule's group has no channel",
    )
    # On a PENDING row: not an error, the reason it waits (attempts are not spent).
    WAITING_CHANNEL = (
        "WAITING_CHANNEL",
        "PENDING: every channel of the message's group is DOWN, DISABLED or DRAINING",
    )
    # Billing accounts (docs/reports.md): a held message is PENDING, not an error.
    QUOTA_HELD = (
        "QUOTA_HELD",
        "PENDING: its account's daily or monthly quota is used up (held until it allows)",
    )
    QUOTA_EXCEEDED = (
        "QUOTA_EXCEEDED",
        "its account's daily or monthly quota is used up, and the account refuses (REJECT)",
    )
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED", "its billing account is disabled (sms_account.enabled)"
    WORKER_LOST = "WORKER_LOST", "the lease expired max_attempts times without a result"
    # From the carrier side; on a PENDING row they are the last error before the next try.
    RETRY = (
        "RETRY",
        "the carrier handed the part back (throttled, unanswered, link down or stopped)",
    )
    NO_RESULT = "NO_RESULT", "the carrier returned no result for a part"
    CARRIER_ERROR = "CARRIER_ERROR", "the carrier raised an exception on submit"
    ENCODE = "ENCODE", "the part cannot be encoded in the protocol's PDU"
    FAILED = "FAILED", "the carrier failed the part, or retries ran out, with no code of its own"
    # After submission.
    NO_REPORT = (
        "NO_REPORT",
        "no delivery report came within engine.report_timeout_hours of submission",
    )
