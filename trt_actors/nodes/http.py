"""The `http` node: one HTTP server for webhooks, health and readiness."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
import trio

from trt_actors.routes.health import ReadinessCheck, add_health_routes, add_metrics_route
from trt_actors.routes.webhook import WebhookDoors, add_webhook_routes
from trt_actors.web import HTTPServer, Router

log = structlog.get_logger(__name__)

DRAIN_GRACE = 1.5  # requests in flight at shutdown get this long to finish


class HttpNode:
    """The running server: a stop request drains it (webhooks then answer 503 elsewhere)."""

    def __init__(self, server: HTTPServer, port: int, doors: WebhookDoors) -> None:
        self.server = server
        self.port = port
        self.doors = doors

    def request_stop(self) -> None:
        self.doors.draining = True
        self.server.request_drain(DRAIN_GRACE)


async def serve_http(
    host: str,
    port: int,
    doors: WebhookDoors,
    readiness: ReadinessCheck,
    render_metrics: Callable[[], Awaitable[bytes]],
    *,
    max_body_bytes: int,
    more_routes: Callable[[Router], None] | None = None,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    router = Router()
    add_health_routes(router, readiness)
    add_metrics_route(router, render_metrics)
    add_webhook_routes(router, doors, max_body_bytes=max_body_bytes)
    if more_routes is not None:
        more_routes(router)
    server = HTTPServer(router)
    doors.draining = False
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(server.serve, host, port)
        log.info("http.listening", host=host, port=bound)
        task_status.started(HttpNode(server, bound, doors))
