"""The content policy applied to one claimed row: pure, over a snapshot of the rules.

:meth:`Policy.check` runs the checks in the documented order (docs/errors.md#order-of-checks)
up to duplicates, which need the database (the worker asks it for the whole batch, see
:func:`hisms.engine.process.drop_duplicates`): a row passes with the message to send and
the digest its duplicate window is kept by, or is refused with a code and a text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from hisms.adapters.his import Profiles, SourceProfile
from hisms.engine import phone, validate
from hisms.engine.errors import ErrorCode
from hisms.engine.policy import templates
from hisms.engine.policy.blacklist import Blacklist
from hisms.engine.policy.templates import Template
from hisms.engine.policy.words import WordFilter
from hisms.engine.store.base import Claimed


@dataclass(frozen=True, slots=True)
class Passed:
    message: validate.Message
    source: SourceProfile
    category: str
    template: str  # the template code, '' without one
    digest: str | None = None  # the duplicate window's key; None: not checked
    window: int = 0  # seconds


@dataclass(frozen=True, slots=True)
class Policy:
    """Every rule the checks need, as loaded from the database (and the configuration)."""

    profiles: Profiles
    signatures: Mapping[str, str] = field(default_factory=dict)  # by account
    templates: Mapping[str, Template] = field(default_factory=dict)  # by code
    blacklist: Blacklist = field(default_factory=Blacklist)
    words: WordFilter = field(default_factory=lambda: WordFilter(()))
    unsubscribe: frozenset[str] = frozenset()  # folded keywords
    # Every source's and account's signature: content carrying one of these that is not its
    # own is another hospital's (a 【危急值】 tag, which no source signs with, passes).
    hospitals: frozenset[str] = frozenset()

    def check(
        self, row: Claimed, rules: validate.Rules, now: datetime
    ) -> Passed | validate.Rejection:
        source = self.profiles.of(row.source_system)
        try:
            number = phone.normalise(row.phone)
        except phone.InvalidPhone as exc:
            return validate.Rejection(exc.code, exc.text)
        content, category = row.content, str(source.category)
        if row.template_code and not source.allows(row.template_code):
            text = (
                f"template {row.template_code!r} is not one source {row.source_system} may use"
                f" ({', '.join(source.templates)})"
            )
            return validate.Rejection(ErrorCode.TEMPLATE_NOT_ALLOWED, text)
        if row.template_code:
            rendered = templates.render(self.templates, row.template_code, row.params)
            if isinstance(rendered, templates.Refused):
                return validate.Rejection(rendered.code, rendered.text)
            content, category = rendered, self.templates[row.template_code].category
        allowed = self._signatures(row, source, rules)
        checked = validate.check(
            number, content, next(iter(allowed), None), rules, source.signature_at
        )
        if isinstance(checked, validate.Rejection):
            return checked
        carried = validate.signature_of(checked.text)
        if carried in self.hospitals and carried not in allowed:
            text = f"the content is signed 【{carried}】, not {' or '.join(allowed)}"
            return validate.Rejection(ErrorCode.SIGNATURE_FOREIGN, text)
        entry = self.blacklist.hit(number, row.source_system, category, now)
        if source.blacklist and entry is not None:
            return validate.Rejection(ErrorCode.BLACKLISTED, entry.describe())
        if source.words != "off" and (hits := self.words.hits(checked.text)):
            if source.words == "reject":
                words = ", ".join(dict.fromkeys(h.word for h in hits))
                return validate.Rejection(ErrorCode.SENSITIVE_WORD, f"sensitive word {words}")
            checked = validate.Message(checked.phone, self.words.mask(checked.text))
        passed = Passed(checked, source, category, row.template_code or "")
        if source.duplicate_seconds and category != "transactional":
            key = f"{row.source_system}\n{checked.phone}\n{checked.text}".encode()
            digest = hashlib.sha256(key).hexdigest()
            return replace(passed, digest=digest, window=source.duplicate_seconds)
        return passed

    def barred(self, passed: Passed, source_system: str, sender: str, now: datetime) -> str | None:
        """Once routed: the ``error_text`` of the blacklist entry scoped by service number
        that blocks a message sent as ``sender`` (its channel's service number and its
        source's extension), if any. Entries without that scope were asked in :meth:`check`."""
        if not sender or not passed.source.blacklist or not self.blacklist.by_sender:
            return None
        category = passed.category
        entry = self.blacklist.hit(passed.message.phone, source_system, category, now, sender)
        return entry.describe() if entry is not None else None

    def _signatures(self, row: Claimed, source: SourceProfile, rules: validate.Rules) -> list[str]:
        """The signatures this row may carry, the one to add first: the row's, its account's,
        its source's, the configuration's default."""
        account = row.account or source.account
        given = (row.signature, self.signatures.get(account), source.signature)
        named = [s.strip().strip("【】") for s in given if s and s.strip()]
        default = [rules.default_signature] if rules.require_signature else []
        return list(dict.fromkeys(named + [s for s in default if s]))
