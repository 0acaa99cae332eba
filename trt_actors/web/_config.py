"""Limits and deadlines of the HTTP server, as named defaults in one frozen object.

Every number the server enforces lives here, so a reader (and `docs/http.md`) can see the
whole contract in one place. Routes may override the body limit and the handler deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Largest request target (path and query), in bytes; longer answers 414.
MAX_TARGET_BYTES = 8 * 1024
#: Largest request head (request line and all headers), in bytes; larger answers 431.
MAX_HEAD_BYTES = 16 * 1024
#: Most header fields in one request; more answers 431.
MAX_HEADER_COUNT = 100
#: Default largest request body, in bytes; a route may set its own. Larger answers 413.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Most connections served at once; extra connections get a quick 503 and are closed.
MAX_CONNECTIONS = 1000
#: How long a connection may sit without starting a request (keep-alive idle), in seconds.
IDLE_TIMEOUT = 30.0
#: How long a client may take to send one whole request (head and body) once it started.
REQUEST_READ_TIMEOUT = 10.0
#: Default deadline of one handler call; past it the client gets 503.
HANDLER_TIMEOUT = 30.0
#: Deadline for writing one response to the socket.
SEND_TIMEOUT = 10.0
#: How long a connection over the cap may take to send its request head before the 503.
REJECT_TIMEOUT = 1.0
#: Default grace of `HTTPServer.drain`: in-flight requests get this long to finish.
DRAIN_GRACE = 10.0
#: How long the server keeps reading (and discarding) after answering a request whose body
#: it did not read, so that the client sees the answer rather than a connection reset.
CLOSE_LINGER = 0.5
#: Bytes asked of the socket per read.
RECEIVE_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """The limits one `HTTPServer` enforces. All durations are in seconds."""

    max_target_bytes: int = MAX_TARGET_BYTES
    max_head_bytes: int = MAX_HEAD_BYTES
    max_header_count: int = MAX_HEADER_COUNT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_connections: int = MAX_CONNECTIONS
    idle_timeout: float = IDLE_TIMEOUT
    request_read_timeout: float = REQUEST_READ_TIMEOUT
    handler_timeout: float = HANDLER_TIMEOUT
    send_timeout: float = SEND_TIMEOUT
    reject_timeout: float = REJECT_TIMEOUT
    drain_grace: float = DRAIN_GRACE
    close_linger: float = CLOSE_LINGER
