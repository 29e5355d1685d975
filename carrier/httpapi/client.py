"""One ``httpx.AsyncClient`` per channel: its timeouts, pool and certificate checks."""

from __future__ import annotations

import logging
import ssl

import httpx

from hisms.carrier.httpapi.settings import HttpSettings

# httpx logs every request's URL at INFO; some gateways take credentials in the query.
logging.getLogger("httpx").setLevel(logging.WARNING)


def open_client(settings: HttpSettings, base_url: str = "") -> httpx.AsyncClient:
    verify: ssl.SSLContext | bool = settings.verify_tls
    if settings.verify_tls and settings.ca_file:
        verify = ssl.create_default_context(cafile=settings.ca_file)
    pool = settings.connections
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        verify=verify,
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment would see every request
    )
