"""Raw-socket helpers for HTTP server tests (h11 on the client side, under deadlines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import h11
import trio

from trt_actors.web import HTTPServer, Router, ServerLimits

IO_DEADLINE = 5.0


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@asynccontextmanager
async def running(router: Router, limits: ServerLimits | None = None) -> AsyncIterator[HTTPServer]:
    """Run a server on a free port for the duration of the block, then cancel it."""
    server = HTTPServer(router, limits=limits)
    async with trio.open_nursery() as nursery:
        await nursery.start(server.serve, "127.0.0.1", 0)
        yield server
        nursery.cancel_scope.cancel()


async def read_all(stream: trio.abc.Stream) -> bytes:
    """Read until the peer closes (under a deadline)."""
    out = bytearray()
    with trio.fail_after(IO_DEADLINE):
        while True:
            try:
                chunk = await stream.receive_some(65536)
            except trio.BrokenResourceError:
                break
            if not chunk:
                break
            out += chunk
    return bytes(out)


def parse_responses(data: bytes, head: bool = False) -> list[RawResponse]:
    """Parse every response in `data` (a whole conversation's server bytes)."""
    conn = h11.Connection(h11.CLIENT)
    results: list[RawResponse] = []
    conn.receive_data(data)
    conn.receive_data(b"")
    while True:
        conn.send(
            h11.Request(method="HEAD" if head else "GET", target="/", headers=[("host", "x")])
        )
        conn.send(h11.EndOfMessage())
        event = conn.next_event()
        if isinstance(event, h11.ConnectionClosed) or event is h11.NEED_DATA:
            return results
        assert isinstance(event, h11.Response), event
        headers = {k.decode(): v.decode() for k, v in event.headers}
        body = bytearray()
        while True:
            ev = conn.next_event()
            if isinstance(ev, h11.Data):
                body += ev.data
            elif isinstance(ev, h11.EndOfMessage):
                break
            else:
                raise AssertionError(ev)
        results.append(RawResponse(event.status_code, headers, bytes(body)))
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is not h11.DONE:
            return results
        conn.start_next_cycle()
        if not conn.trailing_data[0]:
            return results


async def exchange(port: int, data: bytes, *, head: bool = False) -> list[RawResponse]:
    """Send raw bytes, read until the server closes, parse the responses."""
    with trio.fail_after(IO_DEADLINE):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        with trio.fail_after(IO_DEADLINE):
            await stream.send_all(data)
        return parse_responses(await read_all(stream), head=head)
