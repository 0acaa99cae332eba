"""`/healthz` (the process answers), `/readyz` (store, tenants and intake are up) and
`/metrics` (Prometheus text format)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from trt_actors.web import Request, Response, Router

ReadinessCheck = Callable[[], dict[str, Any]]


def add_health_routes(router: Router, readiness: ReadinessCheck) -> None:
    """`readiness()` returns {"ready": bool, ...details}; /readyz answers 200 or 503 with it."""

    async def healthz(request: Request) -> Response:
        return Response.json({"status": "alive"})

    async def readyz(request: Request) -> Response:
        report = readiness()
        status = 200 if report.get("ready") else 503
        headers = {} if status == 200 else {"Retry-After": "5"}
        return Response.json(report, status=status, headers=headers)

    router.add("GET", "/healthz", healthz)
    router.add("GET", "/readyz", readyz)


PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def add_metrics_route(router: Router, render: Callable[[], Awaitable[bytes]]) -> None:
    async def metrics(request: Request) -> Response:
        return Response.bytes(await render(), PROMETHEUS_TEXT)

    router.add("GET", "/metrics", metrics)
