"""A small, strict HTTP/1.1 server on h11 and `trio.serve_tcp`, with a tiny router.

Usage::

    router = Router()

    @router.route("POST", "/webhook/{tenant}", max_body_bytes=256 * 1024)
    async def webhook(request: Request) -> Response:
        return Response.json({"ok": True})

    server = HTTPServer(router)
    port = await nursery.start(server.serve, "127.0.0.1", 0)
    ...
    await server.drain(grace=5)

Limits and deadlines are in `ServerLimits` (see docs/http.md).
"""

from trt_actors.observability.redaction import redact_path
from trt_actors.web._config import ServerLimits
from trt_actors.web._headers import Headers
from trt_actors.web._request import HTTPError, Request
from trt_actors.web._response import Response
from trt_actors.web._router import Handler, MethodNotAllowed, NotFound, Route, RouteMatch, Router
from trt_actors.web._server import HTTPServer, ServerStats, retry_after_seconds, serve

__all__ = [
    "HTTPError",
    "HTTPServer",
    "Handler",
    "Headers",
    "MethodNotAllowed",
    "NotFound",
    "Request",
    "Response",
    "Route",
    "RouteMatch",
    "Router",
    "ServerLimits",
    "ServerStats",
    "redact_path",
    "retry_after_seconds",
    "serve",
]
