"""One HTTP/1.1 connection: the h11 state machine driven under trio deadlines.

Guarantees: every socket read and write runs under a deadline from `ServerLimits`; a
malformed request gets 400 (431 for an oversize head, 414 for an oversize target, 413 for
an oversize body, 408 for a slow one) and the connection is closed; a handler crash gets
500 and a `http.handler_crashed` event; the connection is always closed when `run` ends.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import h11
import structlog
import trio

from trt_actors.observability.redaction import redact_path
from trt_actors.web._config import RECEIVE_CHUNK
from trt_actors.web._headers import Headers
from trt_actors.web._request import HTTPError, Request
from trt_actors.web._response import Response
from trt_actors.web._router import MethodNotAllowed, NotFound, Route, RouteMatch

if TYPE_CHECKING:
    from trt_actors.web._server import HTTPServer

log = structlog.get_logger(__name__)

_PEER_GONE = (trio.BrokenResourceError, trio.ClosedResourceError)


@dataclass(slots=True)
class _Incoming:
    """A request read in full, with the route that will answer it, or a ready answer.

    `answer` set means: send it instead of calling a handler; `close` means the request
    was not read to its end (or could not be parsed), so the connection must close after.
    """

    request: Request
    route: Route | None = None
    answer: Response | None = None
    close: bool = False


def _reason(status: int) -> bytes:
    try:
        return http.HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def _error(status: int, detail: str, **headers: str) -> Response:
    return Response.text(detail, status, headers=dict(headers))


def _head_size(event: h11.Request) -> int:
    """Bytes of the request head as sent, near enough (h11 only limits incomplete heads)."""
    size = len(event.method) + len(event.target) + 12
    for name, value in event.headers:
        size += len(name) + len(value) + 4
    return size


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value)
    return None


class Connection:
    """Serves the requests of one client connection, one at a time (keep-alive)."""

    def __init__(self, server: HTTPServer, stream: trio.SocketStream) -> None:
        self._server = server
        self._limits = server.limits
        self._stream = stream
        self._h11 = h11.Connection(
            h11.SERVER, max_incomplete_event_size=server.limits.max_head_bytes
        )
        self._client = _peer_address(stream)
        #: The scope of the keep-alive wait; the server cancels it to drain.
        self.idle_scope: trio.CancelScope | None = None

    async def run(self) -> None:
        """Serve requests until the client leaves, a deadline passes or the server drains."""
        try:
            while await self._wait_for_request():
                if not await self._serve_one():
                    break
                self._h11.start_next_cycle()
            else:
                return
            await self._linger()
        except _PEER_GONE:
            return
        except trio.TooSlowError:
            log.debug("http.send_timeout", client=self._client)

    async def reject(self) -> None:
        """Answer 503 to a connection over the cap, then close it; never waits long."""
        with trio.move_on_after(self._limits.reject_timeout):
            try:
                event = await self._next_event()
                if isinstance(event, h11.Request):
                    busy = _error(503, "server busy", **{"retry-after": "1"})
                    await self._send(busy, head_only=False, close=True)
            except (h11.RemoteProtocolError, trio.TooSlowError, *_PEER_GONE):
                return

    async def _wait_for_request(self) -> bool:
        if self._server.draining:
            return False
        data, closed = self._h11.trailing_data
        if data or closed:
            return True
        with trio.move_on_after(self._limits.idle_timeout) as scope:
            self.idle_scope = scope
            try:
                chunk = await self._stream.receive_some(RECEIVE_CHUNK)
            finally:
                self.idle_scope = None
        if scope.cancelled_caught:
            return False
        self._h11.receive_data(chunk)
        return bool(chunk)

    async def _serve_one(self) -> bool:
        incoming = await self._read_request()
        if incoming is None:
            return False
        request = incoming.request
        if incoming.answer is not None:
            response = incoming.answer
            response.close = response.close or incoming.close
        else:
            response = await self._call(incoming.route, request)
        if response.abort:
            return False
        close = response.close or self._server.draining
        await self._send(response, head_only=request.method == "HEAD", close=close)
        self._server.stats.requests += 1
        return not close and self._h11.our_state is h11.DONE

    async def _read_request(self) -> _Incoming | None:
        try:  # a plain scope, not `fail_after`'s generator: entered for every request
            with trio.move_on_after(self._limits.request_read_timeout):
                event = await self._next_event()
                if not isinstance(event, h11.Request):
                    return None
                return await self._read_rest(event)
            return self._failed(_error(408, "request read timeout"))  # its deadline passed
        except h11.RemoteProtocolError as exc:
            log.debug("http.bad_request", client=self._client, reason=str(exc))
            return self._failed(_error(exc.error_status_hint, "bad request"))

    def _failed(self, response: Response) -> _Incoming | None:
        if self._h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return None
        return _Incoming(Request("GET", "/"), answer=response, close=True)

    def _check_head(self, event: h11.Request) -> _Incoming | None:
        limits = self._limits
        if len(event.target) > limits.max_target_bytes:
            return self._failed_head(414, "request target too long")
        if len(event.headers) > limits.max_header_count:
            return self._failed_head(431, "too many header fields")
        if _head_size(event) > limits.max_head_bytes:
            return self._failed_head(431, "request header fields too large")
        if not event.target.startswith(b"/"):
            return self._failed_head(400, "request target must be an absolute path")
        return None

    async def _read_rest(self, event: h11.Request) -> _Incoming:
        limits = self._limits
        failed = self._check_head(event)
        if failed is not None:
            return failed
        method = event.method.decode("ascii", "replace")
        raw = event.target.decode("latin-1")
        path, _, query = raw.partition("?")
        request = Request(
            method=method,
            path=path,
            query_string=query,
            headers=Headers.from_raw(event.headers),
            client=self._client,
            http_version=event.http_version.decode("ascii", "replace"),
        )
        route, error = self._route(request)
        max_body = limits.max_body_bytes
        if route is not None and route.max_body_bytes is not None:
            max_body = route.max_body_bytes
        length = _content_length(list(event.headers))
        if length is not None and length > max_body:
            return _Incoming(request, answer=_error(413, "request body too large"), close=True)
        body = await self._read_body(max_body)
        if body is None:
            return _Incoming(request, answer=_error(413, "request body too large"), close=True)
        request.body = body
        return _Incoming(request, route, answer=error)

    def _failed_head(self, status: int, detail: str) -> _Incoming:
        return _Incoming(Request("GET", "/"), answer=_error(status, detail), close=True)

    def _route(self, request: Request) -> tuple[Route | None, Response | None]:
        found = self._server.router.match(request.method, request.path)
        if isinstance(found, RouteMatch):
            request.params = found.params
            return found.route, None
        if isinstance(found, MethodNotAllowed):
            allow = ", ".join(found.allowed)
            return None, _error(405, "method not allowed", allow=allow)
        assert isinstance(found, NotFound)
        return None, _error(404, "not found")

    async def _read_body(self, limit: int) -> bytes | None:
        if self._h11.client_is_waiting_for_100_continue:
            go_on = self._h11.send(h11.InformationalResponse(status_code=100, headers=[]))
            if go_on:
                await self._stream.send_all(go_on)
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > limit:
                    return None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise h11.RemoteProtocolError("unexpected event in body", 400)

    async def _next_event(self) -> h11.Event | type[h11.PAUSED]:
        while True:
            event = self._h11.next_event()
            if event is not h11.NEED_DATA:
                return cast("h11.Event | type[h11.PAUSED]", event)
            self._h11.receive_data(await self._stream.receive_some(RECEIVE_CHUNK))

    async def _call(self, route: Route | None, request: Request) -> Response:
        """Run the handler under its deadline; never raises except on cancellation."""
        if route is None:
            return _error(500, "no route")
        timeout = route.handler_timeout or self._limits.handler_timeout
        response: Response | None = None
        with trio.move_on_after(timeout) as scope:
            try:
                response = await route.handler(request)
            except HTTPError as exc:
                response = Response.text(exc.detail, exc.status, headers=exc.headers)
            except Exception as exc:  # a handler bug must not kill the server
                self._server.stats.handler_errors += 1
                log.exception(
                    "http.handler_crashed",
                    method=request.method,
                    path=redact_path(request.path),
                    error=repr(exc),
                )
                response = _error(500, "internal server error")
        if scope.cancelled_caught or response is None:
            self._server.stats.handler_timeouts += 1
            log.warning(
                "http.handler_timeout",
                method=request.method,
                path=redact_path(request.path),
                timeout=timeout,
            )
            return _error(503, "handler deadline exceeded", **{"retry-after": "1"})
        return response

    async def _send(self, response: Response, *, head_only: bool, close: bool) -> None:
        headers: list[tuple[str, str]] = []
        status = response.status
        bodiless = status < 200 or status in (204, 304)
        if response.content_type:
            headers.append(("content-type", response.content_type))
        if not bodiless:
            headers.append(("content-length", str(len(response.body))))
        headers.extend(response.headers.items())
        if close:
            headers.append(("connection", "close"))
        out = bytearray()
        for event in (
            h11.Response(status_code=status, headers=headers, reason=_reason(status)),
            h11.Data(data=b"" if head_only or bodiless else response.body),
            h11.EndOfMessage(),
        ):
            data = self._h11.send(event)
            if data:
                out += data
        with trio.move_on_after(self._limits.send_timeout) as sending:
            await self._stream.send_all(bytes(out))
        if sending.cancelled_caught:
            raise trio.TooSlowError

    async def _linger(self) -> None:
        """After closing early, keep reading briefly so the client sees our answer."""
        if self._h11.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.IDLE):
            return
        with trio.move_on_after(self._limits.close_linger):
            await self._stream.send_eof()
            while await self._stream.receive_some(RECEIVE_CHUNK):
                pass


def _peer_address(stream: trio.SocketStream) -> tuple[str, int] | None:
    try:
        address = stream.socket.getpeername()
    except OSError:
        return None
    if isinstance(address, tuple) and len(address) >= 2:
        return str(address[0]), int(address[1])
    return None
