"""An httpx transport that hands requests straight to a `trt_actors.web.Router`.

No socket is opened, so a client on this transport runs under trio's MockClock (time
jumps only when every task waits on trio itself). Handlers run under their route's
deadline like on the real server; `Response.drop()` becomes `httpx.RemoteProtocolError`.
"""

from __future__ import annotations

import httpx
import trio

from trt_actors.web import Headers, HTTPError, Request, Response, RouteMatch, Router

#: Handler deadline when the route sets none (the server's default).
DEFAULT_HANDLER_TIMEOUT = 30.0


class InProcessTransport(httpx.AsyncBaseTransport):
    """Serves httpx requests from `router`, whatever host the URL names."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        web_request = Request(
            method=request.method,
            path=request.url.raw_path.decode("ascii").split("?", 1)[0],
            query_string=request.url.query.decode("ascii"),
            headers=Headers(request.headers.multi_items()),
            body=body,
            client=("127.0.0.1", 0),
        )
        response = await self._dispatch(web_request)
        if response.abort:
            raise httpx.RemoteProtocolError("server closed the connection", request=request)
        headers = dict(response.headers)
        if response.content_type:
            headers["content-type"] = response.content_type
        content = b"" if request.method == "HEAD" else response.body
        return httpx.Response(response.status, headers=headers, content=content, request=request)

    async def _dispatch(self, request: Request) -> Response:
        found = self.router.match(request.method, request.path)
        if not isinstance(found, RouteMatch):
            status = 405 if hasattr(found, "allowed") else 404
            return Response.text("method not allowed" if status == 405 else "not found", status)
        request.params = found.params
        timeout = found.route.handler_timeout or DEFAULT_HANDLER_TIMEOUT
        with trio.move_on_after(timeout):
            try:
                return await found.route.handler(request)
            except HTTPError as exc:
                return Response.text(exc.detail, exc.status, headers=exc.headers)
        return Response.text("handler deadline exceeded", 503, headers={"retry-after": "1"})
