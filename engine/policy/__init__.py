"""Content policy: what a message must pass before it is sent (issue 16).

The checks, in order, after the number is validated: template (render), content and
signature, blacklist, sensitive words, duplicates (:mod:`.check`); the rules come from the
database (:mod:`.sync`), changed there with an audit row (:mod:`hisms.engine.store.policystore`).
"""
