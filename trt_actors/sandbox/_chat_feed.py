"""The chat websocket (trio-websocket): one person's private chat with the bot, live.

A page connects to `ws://127.0.0.1:{ws_port}/chat/{user_id}` and receives JSON messages:

- `{"type": "snapshot", "user_id": ..., "messages": [view, ...]}` at once: the whole chat;
- `{"type": "change", "kind": "new" | "edited" | "deleted", "message": view}` for each
  change after that, in the order the emulator recorded them (see `_views.message_view`).

Changes come from a `ChatWatch` over the emulator's state, so a bot message is pushed as soon
as the emulator has stored it. A connection whose Origin is another site is refused; one that
cannot take a message within `SEND_DEADLINE` is dropped (the page reconnects and gets a new
snapshot). Switching person is a new connection.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import structlog
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, WebSocketRequest, serve_websocket

from trt_actors.emulators.telegram import StoredMessage
from trt_actors.emulators.telegram._watch import ChatWatch

from ._api import Backend
from ._views import message_view

log = structlog.get_logger(__name__)

SEND_DEADLINE = 5.0
MAX_CLIENTS = 32
CONNECT_TIMEOUT = 10.0
DISCONNECT_TIMEOUT = 1.0  # at shutdown a page gets this long to answer the close
MAX_INCOMING_MESSAGE = 64 * 1024  # the page sends nothing that matters
_PATH = re.compile(r"^/chat/(\d{1,20})$")


class ChatFeed:
    """Serves the chats of `backend`'s people. `page_port` (set once the page's server is
    bound) is the only origin a browser may connect from."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.page_port: int | None = None
        self.clients = 0

    async def serve(
        self, host: str, port: int, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled; reports the bound port."""
        async with trio.open_nursery() as nursery:
            server = await nursery.start(
                functools.partial(
                    serve_websocket,
                    self._handle,
                    host,
                    port,
                    None,
                    max_message_size=MAX_INCOMING_MESSAGE,
                    connect_timeout=CONNECT_TIMEOUT,
                    disconnect_timeout=DISCONNECT_TIMEOUT,
                )
            )
            log.info("sandbox.chat_feed_listening", host=host, port=server.port)
            task_status.started(int(server.port))

    async def _handle(self, request: WebSocketRequest) -> None:
        found = _PATH.match(request.path.split("?", 1)[0])
        person = self.backend.people.get(int(found.group(1))) if found else None
        if person is None:
            await request.reject(404)
            return
        if not self._origin_allowed(request) or self.clients >= MAX_CLIENTS:
            await request.reject(403)
            return
        ws = await request.accept()
        self.clients += 1
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_listen, ws, nursery.cancel_scope)
                await self._stream(ws, person.user_id)
        except* (ConnectionClosed, trio.TooSlowError):
            log.debug("sandbox.chat_client_left", user_id=person.user_id)
        finally:
            self.clients -= 1

    def _origin_allowed(self, request: WebSocketRequest) -> bool:
        origins = [value for name, value in request.headers if name.lower() == b"origin"]
        if not origins:
            return True  # not a browser (a test, a script): nothing to protect against
        port = self.page_port
        allowed = {f"http://{host}:{port}".encode() for host in ("127.0.0.1", "localhost")}
        return port is not None and origins[0] in allowed

    async def _stream(self, ws: WebSocketConnection, user_id: int) -> None:
        watch = ChatWatch(self.backend.bot, user_id)
        snapshot = [self._view(change.message) for change in watch.poll()]
        await _send(ws, {"type": "snapshot", "user_id": user_id, "messages": snapshot})
        while True:
            for change in await watch.next_changes():
                message = self._view(change.message)
                await _send(ws, {"type": "change", "kind": change.kind.value, "message": message})

    def _view(self, stored: StoredMessage) -> dict[str, Any]:
        return message_view(self.backend.bot, self.backend.emulator_url, stored)


async def _listen(ws: WebSocketConnection, done: trio.CancelScope) -> None:
    """Read (and ignore) what the page sends; end the connection's stream when it closes."""
    try:
        while True:
            await ws.get_message()
    except ConnectionClosed:
        done.cancel()


async def _send(ws: WebSocketConnection, message: dict[str, Any]) -> None:
    with trio.fail_after(SEND_DEADLINE):
        await ws.send_message(json.dumps(message, ensure_ascii=False))
