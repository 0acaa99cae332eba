"""A fast stand-in for the Bot API, for benchmarks: it answers every method at once and counts.

    python -m bench.sink [--port 0] [--token T]     # prints {"base_url": ..., "token": ...}

What a bot under benchmark needs of Telegram, and nothing more: `getMe`, `setWebhook`,
`deleteWebhook`, `getWebhookInfo`, `sendMessage` (a Message built from the call) and any other
method (answered `true`); `getUpdates` long-polls a queue the driver fills. Requests are parsed
with httptools on asyncio's protocol API, so the sink costs tens of microseconds a call and
its process, not the bot, stays the cheap side of the measurement. It keeps, on one monotonic
clock (CLOCK_MONOTONIC, the same in every process of the machine):

- every call, by method; every sendMessage's time by chat (the first per chat: a reply);
- polling: when each update was queued and when a getUpdates `offset` confirmed it (its
  acknowledgement), and when the first getUpdates came (the bot is ready);
- one sendMessage of the bot as it came (content type, bytes, buttons), to show that every
  bot under test sends the same reply.

Control routes for the driver (no token): `POST /_sink/updates` (a JSON array of updates to
queue, ids growing), `GET /_sink/count`, `GET /_sink/stats`, `POST /_sink/reset` (forget the
counts and the queue).
Loopback only; no TLS; no validation of what the Bot API would refuse.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httptools
import orjson

DEFAULT_TOKEN = "4000000001:benchSinkToken_0123456789abcdefghijklmn"
BOT_USER = {
    "id": 4000000001,
    "is_bot": True,
    "first_name": "Bench",
    "username": "bench_sink_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_POLL_TIMEOUT = 50.0  # seconds a getUpdates may wait (Telegram allows 50)
DEFAULT_LIMIT = 100  # updates per getUpdates
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?')
_PART_NAME = re.compile(rb'name="([^"]*)"')


class BadRequest(Exception):
    """A call the sink cannot read: answered 400 as the Bot API would."""


@dataclass(slots=True)
class Request:
    method: bytes
    url: bytes
    content_type: bytes
    body: bytes
    keep_alive: bool


def _multipart(content_type: bytes, body: bytes) -> dict[str, str]:
    """The text fields of a multipart/form-data body (files are not expected here)."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise BadRequest("multipart without a boundary")
    fields: dict[str, str] = {}
    for part in body.split(b"--" + found.group(1)):
        head, sep, value = part.partition(b"\r\n\r\n")
        name = _PART_NAME.search(head)
        if sep and name is not None:
            fields[name.group(1).decode()] = value.removesuffix(b"\r\n").decode()
    return fields


def _params(request: Request, query: bytes) -> dict[str, Any]:
    """A call's parameters, however the client encoded them (PTB and aiogram post forms, our
    client JSON), with the query string's."""
    params: dict[str, Any] = dict(parse_qsl(query.decode())) if query else {}
    body, kind = request.body, request.content_type.lower()
    if not body:
        return params
    try:
        if kind.startswith(b"application/json"):
            decoded = orjson.loads(body)
            if not isinstance(decoded, dict):
                raise BadRequest("the JSON body is not an object")
            params.update(decoded)
        elif kind.startswith(b"application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode()))
        elif kind.startswith(b"multipart/form-data"):
            params.update(_multipart(request.content_type, body))
        else:
            raise BadRequest(f"unexpected content type {kind.decode(errors='replace')}")
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"unreadable body: {exc}") from None
    return params


def _int(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} is not an integer: {value!r}") from None


def _buttons(markup: Any) -> int:
    if isinstance(markup, str | bytes):
        try:
            markup = orjson.loads(markup)
        except orjson.JSONDecodeError:
            return 0
    if not isinstance(markup, dict):
        return 0
    return sum(len(row) for row in markup.get("inline_keyboard", ()))


class Sink:
    """The Bot API of one bot (`token`), its update queue and its counts."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.prefix = f"/bot{token}/".encode()
        self.queue: deque[tuple[int, bytes]] = deque()  # (update_id, raw), in id order
        self.arrived = asyncio.Event()  # something was queued (long polls wake up)
        self.message_ids = itertools.count(1)
        self.webhook_url = ""
        self.reset()

    def reset(self) -> None:
        """Forget the counts and whatever is still queued (the next target starts clean)."""
        self.queue.clear()
        self.calls: Counter[str] = Counter()
        self.replies = 0  # sendMessage calls
        self.reply_at: dict[int, float] = {}  # chat → its first sendMessage since the reset
        self.first_reply: float | None = None
        self.last_reply: float | None = None
        self.first_get_updates: float | None = None
        self.queued_at: dict[int, float] = {}  # update_id → when queued
        self.acked_at: dict[int, float] = {}  # update_id → when an offset confirmed it
        self.sample: dict[str, Any] | None = None

    # -- the Bot API ---------------------------------------------------------------------

    async def call(self, method: str, request: Request, query: bytes) -> bytes:
        """The `result` of `method`, as JSON."""
        now = time.monotonic()
        self.calls[method] += 1
        params = _params(request, query)
        if method == "sendMessage":
            return self._send_message(params, request, now)
        if method == "getUpdates":
            return await self._get_updates(params, now)
        if method == "getMe":
            return orjson.dumps(BOT_USER)
        if method == "setWebhook":
            self.webhook_url = str(params.get("url", ""))
            return b"true"
        if method == "deleteWebhook":
            self.webhook_url = ""
            return b"true"
        if method == "getWebhookInfo":
            info = {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self.queue),
            }
            return orjson.dumps(info)
        if method == "getMyCommands":
            return b"[]"
        if method == "getChatMenuButton":
            return b'{"type":"default"}'
        return b"true"

    def _send_message(self, params: dict[str, Any], request: Request, now: float) -> bytes:
        chat = _int(params, "chat_id", 0)
        self.replies += 1
        self.reply_at.setdefault(chat, now)
        self.first_reply = self.first_reply if self.first_reply is not None else now
        self.last_reply = now
        if self.sample is None:
            self.sample = {
                "content_type": request.content_type.decode(errors="replace").split(";")[0],
                "bytes": len(request.body),
                "buttons": _buttons(params.get("reply_markup")),
            }
        message = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "B"},
            "from": BOT_USER,
            "text": str(params.get("text", "")),
        }
        return orjson.dumps(message)

    async def _get_updates(self, params: dict[str, Any], now: float) -> bytes:
        if self.first_get_updates is None:
            self.first_get_updates = now
        offset = _int(params, "offset", 0)
        limit = min(max(_int(params, "limit", DEFAULT_LIMIT), 1), DEFAULT_LIMIT)
        timeout = min(max(float(_int(params, "timeout", 0)), 0.0), MAX_POLL_TIMEOUT)
        queue = self.queue
        while queue and queue[0][0] < offset:  # confirmed by the offset: acknowledged
            update_id, _ = queue.popleft()
            self.acked_at[update_id] = now
        if not queue and timeout > 0:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout)
            except TimeoutError:
                return b"[]"
        return b"[" + b",".join(raw for _, raw in itertools.islice(queue, limit)) + b"]"

    # -- the driver's routes -------------------------------------------------------------

    def control(self, route: str, request: Request) -> bytes:
        if route == "updates":
            return self._queue(request.body)
        if route == "count":
            count = {
                "replies": self.replies,
                "chats": len(self.reply_at),
                "first_get_updates": self.first_get_updates,
            }
            return orjson.dumps(count)
        if route == "reset":
            self.reset()
            return b"true"
        if route == "stats":
            return self._stats()
        raise BadRequest(f"no control route {route!r}")

    def _queue(self, body: bytes) -> bytes:
        try:
            updates = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"unreadable updates: {exc}") from None
        if not isinstance(updates, list):
            raise BadRequest("updates must be a JSON array")
        now = time.monotonic()
        last = self.queue[-1][0] if self.queue else -1
        for update in updates:
            update_id = int(update["update_id"])
            if update_id <= last:
                raise BadRequest(f"update {update_id} queued after {last}: ids must grow")
            self.queue.append((update_id, orjson.dumps(update)))
            self.queued_at[update_id] = now
            last = update_id
        self.arrived.set()
        return orjson.dumps(len(updates))

    def _stats(self) -> bytes:
        stats = {
            "calls": dict(self.calls),
            "replies": self.replies,
            "reply_at": self.reply_at,
            "first_reply": self.first_reply,
            "last_reply": self.last_reply,
            "first_get_updates": self.first_get_updates,
            "queued_at": self.queued_at,
            "acked_at": self.acked_at,
            "waiting": len(self.queue),
            "sample": self.sample,
            "webhook_url": self.webhook_url,
        }
        return orjson.dumps(stats, option=orjson.OPT_NON_STR_KEYS)

    # -- HTTP ----------------------------------------------------------------------------

    async def answer(self, request: Request) -> tuple[int, bytes]:
        path, _, query = request.url.partition(b"?")
        try:
            if path.startswith(self.prefix):
                method = path[len(self.prefix) :].decode()
                result = await self.call(method, request, query)
                return 200, b'{"ok":true,"result":' + result + b"}"
            if path.startswith(b"/_sink/"):
                return 200, self.control(path[len(b"/_sink/") :].decode(), request)
        except BadRequest as exc:
            error = {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
            return 400, orjson.dumps(error)
        return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'


_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 500: b"Internal Server Error"}


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: requests parsed as they come, answered in order."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.answering: asyncio.Task[None] | None = None
        self._url = b""
        self._content_type = b""
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answering is not None:
            self.answering.cancel()  # a long poll whose client left
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            print(f"sink: unreadable request: {exc}", file=sys.stderr)
            if self.transport is not None:
                self.transport.close()

    def on_message_begin(self) -> None:
        self._url, self._content_type, self._body = b"", b"", []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-type":
            self._content_type = value

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        request = Request(
            self.parser.get_method(),
            self._url,
            self._content_type,
            b"".join(self._body),
            self.parser.should_keep_alive(),
        )
        self.answering = asyncio.ensure_future(self._answer(request, self.answering))

    async def _answer(self, request: Request, before: asyncio.Task[None] | None) -> None:
        if before is not None:
            await before  # answers leave in the order the requests came
        try:
            status, body = await self.sink.answer(request)
        except Exception:  # noqa: BLE001  a bug of the sink's: say so, answer, do not hang the bot
            traceback.print_exc()
            status, body = 500, b'{"ok":false,"error_code":500,"description":"sink error"}'
        if self.transport is None or self.transport.is_closing():
            return
        head = (
            b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (
                status,
                _REASONS.get(status, b"Error"),
                len(body),
                b"" if request.keep_alive else b"Connection: close\r\n",
            )
        )
        self.transport.write(head + body)
        if not request.keep_alive:
            self.transport.close()


async def serve(sink: Sink, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(sink), host, port, backlog=1024, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    info = {"base_url": f"http://{host}:{bound}", "token": sink.token}
    print(orjson.dumps(info).decode(), flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    asyncio.run(serve(Sink(args.token), args.host, args.port))


if __name__ == "__main__":
    main()
