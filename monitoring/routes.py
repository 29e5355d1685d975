"""``/metrics``, ``/healthz`` and ``/readyz``: answered from memory, never from the database."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hisms.monitoring.health import Health
from hisms.monitoring.metrics import Metrics


def routes(metrics: Metrics, health: Health) -> list[Route]:
    async def scrape(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def alive(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def ready(request: Request) -> Response:
        problems = health.problems()
        if problems:
            return PlainTextResponse("".join(f"{p}\n" for p in problems), status_code=503)
        return PlainTextResponse("ready\n")

    return [
        Route("/metrics", scrape),
        Route("/healthz", alive),
        Route("/readyz", ready),
    ]
