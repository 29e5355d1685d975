"""The engine's copy of the content policy, kept in step with the database.

Every ``health.poll_seconds`` the engine asks the database for the policy tables'
fingerprint and reloads them only when it changed, so a signature, profile, template,
word or blacklist change is picked up without a restart.
"""

from __future__ import annotations

import logging

from hisms.adapters.his import Profiles, SourceProfile
from hisms.engine.policy.blacklist import Blacklist, Entry, keywords
from hisms.engine.policy.check import Policy
from hisms.engine.policy.settings import PolicyConfig
from hisms.engine.policy.templates import UNSUBSCRIBE_REPLY, Template
from hisms.engine.policy.words import WordFilter
from hisms.engine.store.policystore import PolicyRows, PolicyStore

log = logging.getLogger(__name__)


class PolicySync:
    def __init__(self, configured: Profiles, config: PolicyConfig) -> None:
        self._configured = configured
        self._unsubscribe = keywords(config.unsubscribe_keywords)
        self.categories = ",".join(sorted(config.unsubscribe_categories))
        # the confirmation of an unsubscribe, a template of the engine's own beside the
        # database's (docs/policy.md#blacklist)
        self._own = (
            {UNSUBSCRIBE_REPLY: Template.unsubscribe_reply(config.unsubscribe_reply)}
            if config.unsubscribe_reply.strip()
            else {}
        )
        self.confirms = bool(self._own)
        self.current = Policy(configured, templates=self._own, unsubscribe=self._unsubscribe)
        self._version: str | None = None

    def sync(self, store: PolicyStore) -> None:
        """Reload the policy if the database's changed (blocking: run in a thread)."""
        version = store.policy_version()
        if version == self._version:
            return
        rows = store.load_policy()
        self.current = self.policy_of(rows)
        self._version = version
        log.info(
            "content policy: %d profiles, %d templates, %d words, %d blacklist entries",
            len(rows.profiles),
            len(rows.templates),
            len(rows.words),
            len(rows.blacklist),
        )

    def policy_of(self, rows: PolicyRows) -> Policy:
        stored = {r["source_system"]: SourceProfile.of_row(r) for r in rows.profiles}
        try:
            profiles = self._configured.over(stored)
        except ValueError as exc:  # two sources share an ext: keep the configuration's
            log.error("source profiles in the database ignored: %s", exc)
            profiles = self._configured
        signatures = {r["account"]: r["signature"] for r in rows.signatures}
        hospitals = {profiles.of(n).signature for n in profiles.names()} | set(signatures.values())
        return Policy(
            profiles,
            signatures=signatures,
            templates={**{r["code"]: Template.of_row(r) for r in rows.templates}, **self._own},
            blacklist=Blacklist(Entry.of_row(r) for r in rows.blacklist),
            words=WordFilter(
                (r["word"] for r in rows.words if not r["allow"]),
                (r["word"] for r in rows.words if r["allow"]),
            ),
            unsubscribe=self._unsubscribe,
            hospitals=frozenset(hospitals - {""}),
        )
