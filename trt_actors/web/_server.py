"""The HTTP server: `trio.serve_tcp` accepting into the server's own nursery.

Guarantees:
- every connection task runs in the nursery opened by `HTTPServer.serve`, so when `serve`
  returns (or is cancelled) no connection task is left;
- cancelling the scope around `serve` stops accepting at once and closes every connection;
- `drain(grace)` stops accepting at once, closes idle keep-alive connections, lets requests
  in flight finish for up to `grace` seconds, then cancels what is left; `serve` returns;
- a connection beyond `max_connections` gets a 503 (or is closed) within `reject_timeout`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import structlog
import trio

from trt_actors.web._config import ServerLimits
from trt_actors.web._connection import Connection
from trt_actors.web._router import Router

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class ServerStats:
    """Counters since the server started (for /metrics and tests)."""

    connections: int = 0
    rejected_connections: int = 0
    requests: int = 0
    handler_errors: int = 0
    handler_timeouts: int = 0
    connection_errors: int = 0


class HTTPServer:
    """A strict HTTP/1.1 server for one `Router`.

    Start it with `port = await nursery.start(server.serve, host, port)`; port 0 binds a
    free port, and the port actually bound is what `start` returns (also `server.port`).
    """

    def __init__(self, router: Router, *, limits: ServerLimits | None = None) -> None:
        self.router = router
        self.limits = limits or ServerLimits()
        self.stats = ServerStats()
        self.port: int | None = None
        self.draining = False
        self._connections: set[Connection] = set()
        self._accept_scope: trio.CancelScope | None = None
        self._drain_grace = self.limits.drain_grace
        self._all_closed = trio.Event()
        self._stopped = trio.Event()

    @property
    def active_connections(self) -> int:
        """Connections being served now (rejected ones excluded)."""
        return len(self._connections)

    async def serve(
        self,
        host: str,
        port: int,
        *,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Accept and serve connections until cancelled or drained; reports the bound port."""
        try:
            async with trio.open_nursery() as connections:
                async with trio.open_nursery() as acceptor:
                    self._accept_scope = acceptor.cancel_scope
                    if self.draining:
                        acceptor.cancel_scope.cancel()
                    listeners = await acceptor.start(
                        partial(
                            trio.serve_tcp,
                            self._on_connection,
                            port,
                            host=host,
                            handler_nursery=connections,
                        )
                    )
                    self.port = int(listeners[0].socket.getsockname()[1])
                    log.info("http.server_started", host=host, port=self.port)
                    task_status.started(self.port)
                await self._drain(connections)
        finally:
            self._stopped.set()
            log.info("http.server_stopped", port=self.port)

    def request_drain(self, grace: float | None = None) -> None:
        """Stop accepting now; in-flight requests get `grace` seconds. Does not wait."""
        if self.draining:
            return
        self.draining = True
        if grace is not None:
            self._drain_grace = grace
        log.info("http.drain_started", port=self.port, grace=self._drain_grace)
        if self._accept_scope is not None:
            self._accept_scope.cancel()

    async def drain(self, grace: float | None = None) -> None:
        """Request a drain and wait until `serve` has returned (at most ~`grace` s)."""
        self.request_drain(grace)
        await self._stopped.wait()

    async def _drain(self, connections: trio.Nursery) -> None:
        self.draining = True
        for connection in list(self._connections):
            if connection.idle_scope is not None:
                connection.idle_scope.cancel()
        if self._connections:
            with trio.move_on_after(self._drain_grace):
                await self._all_closed.wait()
        connections.cancel_scope.cancel()

    async def _on_connection(self, stream: trio.SocketStream) -> None:
        connection = Connection(self, stream)
        if len(self._connections) >= self.limits.max_connections or self.draining:
            self.stats.rejected_connections += 1
            log.warning("http.connection_rejected", active=len(self._connections))
            await connection.reject()
            return
        self.stats.connections += 1
        self._connections.add(connection)
        try:
            await connection.run()
        except Exception as exc:  # one broken connection must not stop the server
            self.stats.connection_errors += 1
            log.exception("http.connection_failed", error=repr(exc))
        finally:
            self._connections.discard(connection)
            if self.draining and not self._connections:
                self._all_closed.set()


async def serve(
    router: Router,
    host: str,
    port: int,
    *,
    limits: ServerLimits | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `router` on host:port until cancelled; reports the bound port via `started`.

    Shorthand for `HTTPServer(router, limits=limits).serve(...)`; keep an `HTTPServer`
    instead when you need `drain` or `stats`.
    """
    server = HTTPServer(router, limits=limits)
    await server.serve(host, port, task_status=task_status)


def retry_after_seconds(delay: float) -> str:
    """Format a delay for a `Retry-After` header: whole seconds, at least 1."""
    return str(max(1, math.ceil(delay)))
