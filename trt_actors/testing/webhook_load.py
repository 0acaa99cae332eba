"""Posting updates to a webhook the way Telegram does, at a set rate, cheaply enough that the
load generator is not what a benchmark measures.

Telegram posts from a few addresses over kept-alive connections (up to `max_connections`,
40 by default) and posts a refused update again later. `post_updates` does the same: each
source address gets a few HTTP/1.1 connections (raw trio sockets, answers parsed with
httptools: tens of microseconds a request, where an httpx client costs hundreds), the
updates are offered at their scheduled times, and an update answered 429 or 503 is offered
again after its Retry-After (with `retry`), as Telegram would. Latency is measured from the
scheduled time, so a slow server is not hidden by requests waiting for a free connection
(`answered_in` is each request's own time, for a closed loop: `rate=None`).

    results = await post_updates("127.0.0.1", port, "/webhook/default", secret, bodies,
                                 rate=1000, addresses=("127.0.0.1", "127.0.0.2"))
    acked = sum(r.status == 200 for r in results)

Used by `scripts/bench_burst.py`, `scripts/bench_peers.py` and by the burst tests
(tests/e2e/test_burst.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httptools
import trio

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONNECT_DEADLINE = 5.0
REQUEST_DEADLINE = 30.0
GIVE_UP_AFTER = 600.0  # with `retry`: an update still refused after this long is given up
MAX_RETRY_AFTER = 60.0


@dataclass(slots=True)
class Posted:
    """What became of one update: its last answer, when it was acknowledged, how often it
    was refused first."""

    update_id: int
    status: int = 0  # of the last attempt; 0: no answer (connection failed or timed out)
    first_latency: float = math.nan  # seconds from the schedule to the first answer
    acked_after: float = math.nan  # seconds from the schedule to the 200
    scheduled_at: float = math.nan  # when it was due (`time.perf_counter()`: CLOCK_MONOTONIC)
    answered_in: float = math.nan  # seconds the last attempt took, from its send to its answer
    refused: int = 0  # 429/503 answers before it was taken
    retry_after: list[float] = field(default_factory=list)


class _Answer:
    """httptools callbacks: the status, Retry-After, whether the server closes the connection
    after it, and the end of one answer."""

    def __init__(self) -> None:
        self.complete = False
        self.retry_after: float | None = None
        self.closing = False  # `Connection: close` (HTTP/1.1 keeps the connection otherwise)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"connection" and b"close" in value.lower():
            self.closing = True
        elif name.lower() == b"retry-after":
            try:
                self.retry_after = float(value)
            except ValueError:
                self.retry_after = None

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    """One kept-alive connection from one source address; reopened when it breaks."""

    def __init__(self, host: str, port: int, source: str) -> None:
        self.host = host
        self.port = port
        self.source = source
        self.stream: trio.SocketStream | None = None

    async def _open(self) -> trio.SocketStream:
        sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
        try:
            # bound to a source address, a closed connection's port stays taken in TIME_WAIT;
            # without SO_REUSEADDR that would keep servers from listening on it meanwhile
            sock.setsockopt(trio.socket.SOL_SOCKET, trio.socket.SO_REUSEADDR, 1)
            await sock.bind((self.source, 0))
            with trio.fail_after(CONNECT_DEADLINE):
                await sock.connect((self.host, self.port))
        except BaseException:
            sock.close()
            raise
        return trio.SocketStream(sock)

    async def exchange(self, request: bytes) -> tuple[int, float | None]:
        """Send one request, read its answer: (status, Retry-After seconds or None)."""
        if self.stream is None:
            self.stream = await self._open()
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        try:
            await self._round_trip(self.stream, request, parser, answer)
        except BaseException:
            await self.close()
            raise
        # (httptools' should_keep_alive() is meaningful only while the headers are parsed:
        # asked once the answer is complete, it said "close" to every answer)
        if answer.closing or parser.get_http_version() != "1.1":
            await self.close()
        return parser.get_status_code(), answer.retry_after

    @staticmethod
    async def _round_trip(
        stream: trio.SocketStream,
        request: bytes,
        parser: httptools.HttpResponseParser,
        answer: _Answer,
    ) -> None:
        await stream.send_all(request)
        while not answer.complete:
            data = await stream.receive_some(65536)
            if not data:
                raise OSError("the server closed the connection")
            parser.feed_data(data)

    async def close(self) -> None:
        if self.stream is not None:
            stream, self.stream = self.stream, None
            with trio.CancelScope(shield=True):
                await stream.aclose()


def webhook_request(host: str, port: int, path: str, secret: str, body: bytes) -> bytes:
    """One whole HTTP/1.1 POST of `body` to the webhook at `path`, with Telegram's secret."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: {secret}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def post_updates(
    host: str,
    port: int,
    path: str,
    secret: str,
    bodies: Sequence[tuple[int, bytes]],
    *,
    rate: float | None = None,
    addresses: Sequence[str] = ("127.0.0.1",),
    connections_per_address: int = 16,
    retry: bool = True,
    request_deadline: float = REQUEST_DEADLINE,
    give_up_after: float = GIVE_UP_AFTER,
) -> list[Posted]:
    """Post each `(update_id, body)` at `rate` per second (None: as fast as the connections
    go), spread over `addresses`; return one `Posted` per update, in the order given.

    With `retry`, an update answered 429 or 503 is posted again after its Retry-After (1 s
    without one), and one that got no answer after a second, until it is taken or
    `give_up_after` seconds passed since its schedule. Never raises for what the server does.
    """
    poster = _Poster(
        host,
        port,
        path,
        secret,
        bodies,
        retry=retry,
        request_deadline=request_deadline,
        give_up_after=give_up_after,
    )
    if bodies:
        await poster.run(rate, addresses, connections_per_address)
    return poster.results


class _Poster:
    """One run of `post_updates`: the schedule, the connections' workers, the retries."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        secret: str,
        bodies: Sequence[tuple[int, bytes]],
        *,
        retry: bool,
        request_deadline: float,
        give_up_after: float,
    ) -> None:
        self.host, self.port = host, port
        self.requests = [webhook_request(host, port, path, secret, body) for _, body in bodies]
        self.results = [Posted(update_id) for update_id, _ in bodies]
        self.retry = retry
        self.request_deadline = request_deadline
        self.give_up_after = give_up_after
        self.send, self.receive = trio.open_memory_channel[tuple[int, float]](math.inf)
        self.outstanding = len(bodies)
        self.all_done = trio.Event()

    async def run(
        self, rate: float | None, addresses: Sequence[str], connections_per_address: int
    ) -> None:
        began = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(connections_per_address):
                for source in addresses:
                    nursery.start_soon(self._worker, source, nursery)
            for index in range(len(self.requests)):
                scheduled = began + (index / rate if rate else 0.0)
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await trio.sleep(delay)
                self.send.send_nowait((index, scheduled))
            await self.all_done.wait()
            nursery.cancel_scope.cancel()

    def _settle(self) -> None:
        self.outstanding -= 1
        if self.outstanding == 0:
            self.all_done.set()

    async def _again(self, index: int, scheduled: float, delay: float) -> None:
        await trio.sleep(delay)
        self.send.send_nowait((index, scheduled))

    async def _worker(self, source: str, nursery: trio.Nursery) -> None:
        connection = _Connection(self.host, self.port, source)
        try:
            async for index, scheduled in self.receive:
                status, retry_after = 0, None
                sent = time.perf_counter()
                with trio.move_on_after(self.request_deadline):
                    try:
                        status, retry_after = await connection.exchange(self.requests[index])
                    except (OSError, trio.BrokenResourceError, trio.TooSlowError):
                        status = 0
                self.results[index].answered_in = time.perf_counter() - sent
                delay = self._answered(index, scheduled, status, retry_after)
                if delay is None:
                    self._settle()
                else:
                    nursery.start_soon(self._again, index, scheduled, delay)
        finally:
            await connection.close()

    def _answered(
        self, index: int, scheduled: float, status: int, retry_after: float | None
    ) -> float | None:
        """Record an answer; the delay before posting the update again, or None if done."""
        elapsed = time.perf_counter() - scheduled
        posted = self.results[index]
        posted.status = status
        posted.scheduled_at = scheduled
        if math.isnan(posted.first_latency):
            posted.first_latency = elapsed
        if status == 200:
            posted.acked_after = elapsed
            return None
        if status in (429, 503):
            posted.refused += 1
            if retry_after is not None:
                posted.retry_after.append(retry_after)
        if self.retry and status in (0, 429, 503) and elapsed < self.give_up_after:
            return min(MAX_RETRY_AFTER, retry_after if retry_after else 1.0)
        return None


def start_update(update_id: int, user_id: int, first_name: str = "User") -> bytes:
    """The body of a private-chat /start from `user_id`, as Telegram posts it."""
    return (
        b'{"update_id":%d,"message":{"message_id":%d,"date":1790000000,'
        b'"chat":{"id":%d,"type":"private","first_name":"%s"},'
        b'"from":{"id":%d,"is_bot":false,"first_name":"%s","language_code":"en"},'
        b'"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}'
        % (update_id, update_id, user_id, first_name.encode(), user_id, first_name.encode())
    )
