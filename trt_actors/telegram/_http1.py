"""One kept-alive HTTP/1.1 client connection of `HttpBotApi`.

A request is written as bytes (`HttpBotApi` builds its head: a POST with a known length);
the answer is parsed by httptools, the binding of llhttp (Node.js's HTTP parser, in C). It
replaced h11 here because a Bot API call is two HTTP messages and h11, pure Python, spent
about 70 µs of CPU on each pair, httptools 4 (docs/telegram-io.md, "The senders").

An exchange either ends with the whole answer or raises: `Failure` (timeouts, the server
closing early, an answer over `MAX_ANSWER_BYTES`), `httptools.HttpParserError` (not HTTP),
`OSError` or `trio.BrokenResourceError`. Only a connection whose last answer was complete,
kept alive by the server and followed by nothing is reused.
"""

from __future__ import annotations

import httptools
import trio

__all__ = ["MAX_ANSWER_BYTES", "Connection", "Failure"]

MAX_ANSWER_BYTES = 32 * 1024 * 1024
RECEIVE_BYTES = 65536
ONE_WRITE_BYTES = 65536  # a head and body shorter than this go in one send


class Failure(Exception):
    """A request that got no usable answer: a timeout, or the connection went wrong."""


class _Answer:
    """The parser's callbacks: the body's chunks, and whether the message is complete."""

    __slots__ = ("chunks", "complete", "keep_alive", "messages", "parser", "size")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0  # over MAX_ANSWER_BYTES: the chunks are dropped (raising here would
        self.complete = False  # reach the caller as the parser's own error)
        self.keep_alive = False
        self.messages = 0
        self.parser: httptools.HttpResponseParser | None = None

    def on_message_begin(self) -> None:
        self.messages += 1

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size <= MAX_ANSWER_BYTES:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        if self.parser is not None:  # only known here: llhttp resets once the message ends
            self.keep_alive = self.parser.should_keep_alive()


class Connection:
    """One HTTP/1.1 connection: its stream, its socket, and whether it may be reused."""

    def __init__(self, stream: trio.abc.Stream, socket: trio.socket.SocketType) -> None:
        self.stream = stream
        self.socket = socket
        self.idle_since = 0.0
        self._reusable = False

    def fresh(self, now: float, expiry: float) -> bool:
        """Reusable now: idle for less than `expiry` seconds, and the server has not closed
        it (nothing waiting to be read)."""
        return now - self.idle_since < expiry and not self.socket.is_readable()

    async def exchange(
        self, head: bytes, body: bytes, write: float, read: float
    ) -> tuple[int, bytes]:
        """Send one request, read its whole answer: the status and the body."""
        self._reusable = False
        answer = _Answer()
        parser = answer.parser = httptools.HttpResponseParser(answer)
        phase = "write"
        try:  # one scope for both phases, its deadline moved from the one to the other
            with trio.CancelScope(deadline=trio.current_time() + write) as scope:
                if len(head) + len(body) < ONE_WRITE_BYTES:
                    await self.stream.send_all(head + body)
                else:
                    await self.stream.send_all(head)
                    await self.stream.send_all(body)
                phase = "read"
                scope.deadline = trio.current_time() + read
                while not answer.complete:
                    data = await self.stream.receive_some(RECEIVE_BYTES)
                    if not data:
                        raise Failure("server closed the connection without an answer")
                    parser.feed_data(data)
                    if answer.size > MAX_ANSWER_BYTES:
                        raise Failure(f"answer over {MAX_ANSWER_BYTES} bytes")
        finally:
            answer.parser = None  # the parser holds the answer: leave no cycle behind
        if scope.cancelled_caught:
            raise Failure(f"{phase} timeout")
        self._reusable = answer.keep_alive and answer.messages == 1
        return parser.get_status_code(), b"".join(answer.chunks)

    def reusable(self) -> bool:
        """After an exchange: may this connection carry the next request?"""
        return self._reusable
