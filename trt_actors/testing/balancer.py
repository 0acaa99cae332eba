"""A tiny round-robin HTTP/1.1 balancer for tests of several instances.

It stands where a real load balancer stands in front of several `trt run` processes: each
request (not each connection) goes to the next backend in turn, over kept-alive connections,
so a user's consecutive updates land on different instances. A backend that refuses or drops
the connection before answering is skipped and the request goes to the next one (as nginx's
`proxy_next_upstream error`), so killing an instance does not lose the requests in flight;
when none answers, the client gets 502.

    async with open_balancer([port_a, port_b]) as balancer:
        post to f"http://127.0.0.1:{balancer.port}/webhook/default"
        balancer.counts  # requests answered by each backend

Requests are not pipelined (neither Telegram nor httpx does).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httptools
import trio

CONNECT_DEADLINE = 2.0
EXCHANGE_DEADLINE = 30.0
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\nbad gateway"
)


class _Message:
    """httptools callbacks collecting whether one request or answer is complete."""

    def __init__(self) -> None:
        self.complete = False

    def on_message_complete(self) -> None:
        self.complete = True


async def _read_message(stream: trio.abc.Stream, *, request: bool) -> bytes | None:
    """The raw bytes of one request (or answer) from `stream`; None when it closed before
    one began."""
    message = _Message()
    parser = (
        httptools.HttpRequestParser(message) if request else httptools.HttpResponseParser(message)
    )
    received = bytearray()
    while not message.complete:
        data = await stream.receive_some(65536)
        if not data:
            if not received:
                return None
            raise OSError("the connection closed mid-message")
        received += data
        if len(received) > MAX_MESSAGE_BYTES:
            raise OSError("message too large")
        parser.feed_data(bytes(data))
    return bytes(received)


class Balancer:
    """Round robin over `backends` (ports on 127.0.0.1)."""

    def __init__(self, backends: Sequence[int]) -> None:
        self.backends = list(backends)
        self.counts = dict.fromkeys(self.backends, 0)  # requests answered by each
        self.failovers = 0  # requests a backend dropped and the next one answered
        self.port = 0
        self._turn = itertools.count()

    def _order(self) -> list[int]:
        """The backends to try for the next request: the next in turn first."""
        start = next(self._turn) % len(self.backends)
        return self.backends[start:] + self.backends[:start]

    async def serve(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        async with trio.open_nursery() as nursery:
            task_status.started(self.port)
            await trio.serve_listeners(self._client, listeners, handler_nursery=nursery)

    async def _client(self, client: trio.SocketStream) -> None:
        upstream: dict[int, trio.SocketStream] = {}
        try:
            while True:
                request = await _read_message(client, request=True)
                if request is None:
                    return
                await client.send_all(await self._forward(request, upstream))
        except (OSError, trio.BrokenResourceError, httptools.HttpParserError):
            return
        finally:
            for stream in upstream.values():
                await stream.aclose()
            await client.aclose()

    async def _forward(self, request: bytes, upstream: dict[int, trio.SocketStream]) -> bytes:
        for attempt, port in enumerate(self._order()):
            try:
                with trio.fail_after(EXCHANGE_DEADLINE):
                    answer = await self._exchange(port, request, upstream)
            except (OSError, trio.BrokenResourceError, trio.TooSlowError):
                stream = upstream.pop(port, None)
                if stream is not None:
                    await stream.aclose()
                continue
            if answer is None:  # a kept-alive connection the backend had closed
                stream = upstream.pop(port, None)
                if stream is not None:
                    await stream.aclose()
                continue
            self.counts[port] += 1
            self.failovers += attempt > 0
            return answer
        return BAD_GATEWAY

    async def _exchange(
        self, port: int, request: bytes, upstream: dict[int, trio.SocketStream]
    ) -> bytes | None:
        stream = upstream.get(port)
        if stream is None:
            with trio.fail_after(CONNECT_DEADLINE):
                stream = await trio.open_tcp_stream("127.0.0.1", port)
            upstream[port] = stream
        await stream.send_all(request)
        return await _read_message(stream, request=False)


@asynccontextmanager
async def open_balancer(backends: Sequence[int]) -> AsyncIterator[Balancer]:
    """Serve a balancer over `backends` for the block."""
    balancer = Balancer(backends)
    async with trio.open_nursery() as nursery:
        await nursery.start(balancer.serve)
        try:
            yield balancer
        finally:
            nursery.cancel_scope.cancel()
