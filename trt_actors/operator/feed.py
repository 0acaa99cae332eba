"""The ops feed server (trio-websocket): the tree now, then every lifecycle event as it happens.

A client connects to `ws://OPS_HOST:OPS_PORT/feed` (with `?token=OPS_TOKEN` when a token is
set; it is required when OPS_HOST is not a loopback address). It receives JSON messages:

- `{"type": "tree", "tree": [...], "load": {...}, "at": ...}` at once, then every
  `SNAPSHOT_EVERY` seconds (states, restarts, ages and mailbox depths change without events;
  `load` is what waits per tenant: the inbox backlog, the outbound queue, the expected time
  to drain, whether backpressure or shedding is on);
- `{"type": "event", ...}` for each start, exit, crash, kill, restart, give-up and stop.

A client may send `{"type": "restart", "path": "tenants/tenant:default/outbound"}` to kill
that child (its supervisor restarts it by policy): the SRE's "restart this actor", and the
tests' hook.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import structlog
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, WebSocketRequest, serve_websocket

from trt_actors.nodes.tenant_node import TenantNode
from trt_actors.observability.events import EventBus
from trt_actors.supervisors import Supervisor

log = structlog.get_logger(__name__)

SNAPSHOT_EVERY = 2.0
SEND_DEADLINE = 5.0  # a client that cannot take a message in this long is dropped
MAX_CLIENTS = 16


class OpsFeed:
    """Serves the feed of one tree. `token` None: no token needed (loopback only)."""

    def __init__(
        self,
        root: Supervisor,
        bus: EventBus,
        token: str | None,
        load: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.root = root
        self.bus = bus
        self.token = token
        self.load = load
        self.clients = 0

    async def serve(
        self, host: str, port: int, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED
    ) -> None:
        async with trio.open_nursery() as nursery:
            server = await nursery.start(serve_websocket, self._handle, host, port, None)
            bound = server.port
            log.info("ops.listening", host=host, port=bound)
            task_status.started(bound)

    async def _handle(self, request: WebSocketRequest) -> None:
        if not self._authorised(request.path) or self.clients >= MAX_CLIENTS:
            await request.reject(403)
            return
        ws = await request.accept()
        self.clients += 1
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._listen, ws, nursery.cancel_scope.cancel)
                await self._stream(ws)
        except* (ConnectionClosed, trio.TooSlowError):
            log.debug("ops.client_left")  # it left or stalled: only this connection ends
        finally:
            self.clients -= 1

    def _authorised(self, path: str) -> bool:
        if self.token is None:
            return True
        given = parse_qs(urlsplit(path).query).get("token", [""])[0]
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def _stream(self, ws: WebSocketConnection) -> None:
        with self.bus.subscribe() as events:
            await self._send(ws, self.snapshot())
            while True:
                with trio.move_on_after(SNAPSHOT_EVERY):
                    event = await events.receive()
                    await self._send(ws, {"type": "event", **event.as_dict()})
                    continue
                await self._send(ws, self.snapshot())

    async def _listen(self, ws: WebSocketConnection, done: Callable[[], None]) -> None:
        try:
            while True:
                command = json.loads(await ws.get_message())
                if isinstance(command, dict) and command.get("type") == "restart":
                    self.restart(str(command.get("path", "")))
        except (ConnectionClosed, json.JSONDecodeError):
            done()

    def snapshot(self) -> dict[str, Any]:
        return {
            "type": "tree",
            "root": self.root.name,
            "tree": self.root.describe(),
            "load": self.load() if self.load is not None else {},
            "at": trio.current_time(),
        }

    def restart(self, path: str) -> bool:
        """Kill the child at `path` (relative to the root); True if there was one."""
        *parents, child_id = [part for part in path.split("/") if part and part != "root"] or [""]
        node: Any = self.root
        for part in parents:  # supervisors, and tenant nodes that hand out their subtree's
            node = node.child(part) if isinstance(node, Supervisor | TenantNode) else None
        killed = isinstance(node, Supervisor | TenantNode) and node.kill(child_id)
        log.warning("ops.restart_requested", path=path, found=killed)
        return killed

    async def _send(self, ws: WebSocketConnection, message: dict[str, Any]) -> None:
        with trio.fail_after(SEND_DEADLINE):
            await ws.send_message(json.dumps(message, default=str))
