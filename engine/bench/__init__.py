"""Benchmarks (``hisms bench``): the queue alone (:mod:`.claim`), intake, backlog and
priority under load (:mod:`.load`, :mod:`.soap`), and INSERT to DELIVERED through CMPP
(:mod:`.e2e`). Tooling: nothing in the engine imports it."""
