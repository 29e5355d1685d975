"""Monitoring: the engine's Prometheus metrics, health and readiness, ``hisms top``, alarms.

``metrics`` (the counters the running engine keeps), ``channels`` (what the carriers
show at scrape time: links, windows, queues), ``health`` (database probe, backlog
and readiness), ``routes`` (``/metrics``, ``/healthz``, ``/readyz`` on the shared HTTP
server of :mod:`hisms.adapters.http`), ``service`` (starting all that in ``hisms run``).
"""
