"""The engine's own HTTP server: one ASGI app (Starlette) that features add routes to.

Monitoring mounts ``/metrics``, ``/healthz`` and ``/readyz`` here; the HTTP JSON API,
carrier callbacks and the web console are meant to mount beside them.
"""
