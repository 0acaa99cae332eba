"""A lean `BotApi`: Bot API calls as HTTP/1.1 requests on trio sockets (`_http1`).

Each call is one POST to `{base}/bot{token}/{method}`: a compact UTF-8 JSON body (orjson; nested
objects such as `reply_markup` stay JSON objects), or multipart/form-data when a parameter is
a file (`bytes`, or `telegram_file(name, data, mime)`; httpx encodes the multipart body).
Parameters set to None are left out, as PTB does. Connections are pooled and kept alive (TLS
for https, certificates checked as httpx checks them: certifi's bundle, or `SSL_CERT_FILE` /
`SSL_CERT_DIR`); everything that does not change between calls is built once.
`scripts/bench_bot_api.py` measures this path at about a quarter of PtbBotApi's CPU per call:
httpx's client and connection pool, which PTB goes through, are most of PTB's cost
(docs/telegram-io.md, "The senders").

Answers map to the typed errors of `errors` as `PtbBotApi` maps PTB's:

| answer | raises |
|---|---|
| `parameters.migrate_to_chat_id` | `BadRequest("chat migrated to <id>")` |
| `parameters.retry_after` (a 429) | `RetryAfter(seconds)` |
| 403 | `BotBlocked` |
| 400, or parameters that cannot be encoded (nothing is sent) | `BadRequest` |
| 401, 404 | `InvalidToken` |
| 409 | `Conflict` |
| 5xx, any other status, network errors, timeouts, an answer that is not JSON | `TransientError` |

Guarantees: `call` returns the `result` JSON or raises one of those errors (trio's
`Cancelled` passes through untouched); it never retries; every await is under a trio deadline:
one per phase (pool, connect, write, read) and one for the whole call, so a server trickling
bytes cannot hold it longer than the phases' sum. A connection whose exchange did not finish
cleanly (error, timeout, cancellation) is closed, never reused. The bot token never appears in
an error's text or traceback (no exception is chained to ours), nor in the object's repr.
Not supported: HTTP proxies (`environment_proxy` tells when one is configured; PtbBotApi goes
through it).
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httptools
import httpx
import orjson
import trio

from trt_actors.model import OCTET_STREAM, TelegramFile
from trt_actors.observability.redaction import MASK, redact_url, redactor
from trt_actors.outgoing_tls import outgoing_tls

from ._http1 import Connection, Failure
from .errors import (
    BadRequest,
    BotBlocked,
    Conflict,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TransientError,
)

# Per-phase timeouts (seconds), the same as PtbBotApi's.
CONNECT_TIMEOUT = 5.0  # TCP connect and TLS handshake
READ_TIMEOUT = 10.0  # from the request sent to the whole answer read
WRITE_TIMEOUT = 10.0
MEDIA_WRITE_TIMEOUT = 30.0  # uploads
POOL_TIMEOUT = 2.0  # waiting for one of CONNECTIONS
CONNECTIONS = 64
KEEPALIVE_EXPIRY = 30.0  # an idle connection older than this is closed, not reused
DEADLINE_MARGIN = 1.0  # the whole call's deadline: every phase's timeout plus this
USER_AGENT = b"trt-actors"
_METHOD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_HEAD = (
    b"POST %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
    b"Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
)
_encode = orjson.dumps  # compact UTF-8; raises TypeError for what JSON cannot hold


def telegram_file(name: str, data: bytes, mime: str = OCTET_STREAM) -> TelegramFile:
    """A file parameter (`{"photo": telegram_file("cat.jpg", data, "image/jpeg")}`).

    Plain `bytes` work too, sent under the parameter's name as application/octet-stream. A
    JSON parameter may refer to a file parameter as `attach://<its name>` (sendMediaGroup)."""
    return TelegramFile(name, data, mime)


def environment_proxy(base_url: str) -> str | None:
    """The proxy the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, ...) sets for
    `base_url`, password masked; None when requests go direct, as HttpBotApi sends them."""
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return redact_url(proxy)


class _Pool:
    """Up to CONNECTIONS connections to one origin; idle ones reused most recent first."""

    def __init__(self, scheme: str, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.https = scheme == "https"  # the TLS context is built at the first connection
        self.idle: list[Connection] = []
        self.slots = trio.Semaphore(CONNECTIONS)
        self.closed = False

    async def request(
        self, head: bytes, body: bytes, write: float, read: float
    ) -> tuple[int, bytes]:
        if self.closed:
            raise RuntimeError("HttpBotApi is closed")
        try:
            self.slots.acquire_nowait()
        except trio.WouldBlock:  # every connection busy: wait, within POOL_TIMEOUT
            with trio.move_on_after(POOL_TIMEOUT) as waiting:
                await self.slots.acquire()
            if waiting.cancelled_caught:
                raise Failure(f"pool timeout: all {CONNECTIONS} connections busy") from None
        try:
            conn = await self._take() or await self._connect()
            done = False
            try:
                answer = await conn.exchange(head, body, write, read)
                done = conn.reusable()
                return answer
            finally:
                if done and not self.closed:
                    conn.idle_since = trio.current_time()
                    self.idle.append(conn)
                else:
                    await trio.aclose_forcefully(conn.stream)
        finally:
            self.slots.release()

    async def _take(self) -> Connection | None:
        now = trio.current_time()
        while self.idle:
            conn = self.idle.pop()
            if conn.fresh(now, KEEPALIVE_EXPIRY):
                return conn
            await trio.aclose_forcefully(conn.stream)
        return None

    async def _connect(self) -> Connection:
        with trio.move_on_after(CONNECT_TIMEOUT):
            tcp = await trio.open_tcp_stream(self.host, self.port)
            if not self.https:
                return Connection(tcp, tcp.socket)
            stream = trio.SSLStream(tcp, outgoing_tls(), server_hostname=self.host)
            try:
                await stream.do_handshake()
            except BaseException:
                await trio.aclose_forcefully(stream)
                raise
            return Connection(stream, tcp.socket)
        raise Failure(f"connect timeout ({CONNECT_TIMEOUT:g}s)")

    async def close(self) -> None:
        self.closed = True
        idle, self.idle = self.idle, []
        for conn in idle:
            await trio.aclose_forcefully(conn.stream)


class HttpBotApi:
    """`BotApi` over pooled keep-alive HTTP/1.1 connections (httptools on trio)."""

    def __init__(self, token: str, base_url: str) -> None:
        if not token or any(c in token for c in "/?# \t\r\n"):
            raise ValueError("the bot token is empty or holds characters a URL path cannot")
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = redact_url(base_url)
            raise ValueError(f"the Bot API base URL must be http(s)://host[:port], not {shown}")
        default_port = 443 if parts.scheme == "https" else 80
        port = parts.port or default_port
        self._token = token
        self._prefix = f"{parts.path}/bot{token}/".encode()
        host = parts.hostname if port == default_port else f"{parts.hostname}:{port}"
        self._host = host.encode("idna")
        self._pool = _Pool(parts.scheme, parts.hostname, port)

    def __repr__(self) -> str:
        bot_id, _, _ = self._token.partition(":")
        return f"HttpBotApi(bot={bot_id if bot_id.isdigit() else MASK})"

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        """POST `method`; the answer's `result`, or a typed error (see the module's table).

        `read_timeout` replaces the read phase's timeout (a getUpdates long poll needs its poll
        time plus a margin); the call's whole deadline grows with it."""
        content_type, body = self._body(method, params)
        head = self._head(method, content_type, len(body))
        write = WRITE_TIMEOUT if content_type is _JSON else MEDIA_WRITE_TIMEOUT
        read = READ_TIMEOUT if read_timeout is None else read_timeout
        budget = POOL_TIMEOUT + CONNECT_TIMEOUT + write + read + DEADLINE_MARGIN
        failure = ""
        with trio.move_on_after(budget) as scope:
            try:
                status, answer = await self._pool.request(head, body, write, read)
            except (Failure, OSError, trio.BrokenResourceError, httptools.HttpParserError) as exc:
                failure = self._clean(f"{method}: {_describe(exc)}")
        if failure:  # raised out here, so that no exception is chained to it
            raise TransientError(failure)
        if scope.cancelled_caught:
            raise TransientError(f"{method}: no complete answer within {budget:g}s")
        return _result(status, answer, self._clean)

    async def close(self) -> None:
        """Close every idle connection; calls after this raise RuntimeError. Never blocks."""
        await self._pool.close()

    def _head(self, method: str, content_type: bytes, length: int) -> bytes:
        if not _METHOD.fullmatch(method):
            raise BadRequest(self._clean(f"not a Bot API method name: {method!r}"))
        return _HEAD % (self._prefix, method.encode(), self._host, USER_AGENT, content_type, length)

    def _body(self, method: str, params: Mapping[str, Any]) -> tuple[bytes, bytes]:
        """Content-Type and body; BadRequest (before anything is sent) if unencodable."""
        problem = ""
        try:
            if not _needs_care(params):
                return _JSON, _encode(params if type(params) is dict else dict(params))
            kept = {k: v for k, v in params.items() if v is not None}
            if not any(isinstance(v, _FILE_TYPES) for v in kept.values()):
                return _JSON, _encode(kept)
            return _multipart(kept)
        except (TypeError, ValueError) as exc:
            problem = f"{method}: parameters cannot be encoded: {exc}"
        raise BadRequest(problem)

    def _clean(self, text: str) -> str:
        return redactor.text(text.replace(self._token, MASK))


_JSON = b"application/json"
_FILE_TYPES = (bytes, TelegramFile)


def _describe(exc: Exception) -> str:
    """What went wrong, in words; trio reports TLS failures as a cause of BrokenResourceError."""
    if isinstance(exc, trio.BrokenResourceError) and exc.__cause__ is not None:
        return f"{type(exc.__cause__).__name__}: {exc.__cause__}"
    return f"{type(exc).__name__}: {exc}"


def _needs_care(params: Mapping[str, Any]) -> bool:
    """True when a parameter is None (left out) or a file (multipart): the rare path."""
    return any(value is None or isinstance(value, _FILE_TYPES) for value in params.values())


def _multipart(params: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """Files as parts; strings as they are; numbers, booleans ("true") and objects as JSON."""
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for key, value in params.items():
        if isinstance(value, TelegramFile):
            files[key] = (value.name, value.data, value.mime)
        elif isinstance(value, bytes):
            files[key] = (key, value, OCTET_STREAM)
        else:
            fields[key] = value if isinstance(value, str) else _encode(value).decode()
    encoded = httpx.Request("POST", "http://multipart.invalid/", data=fields, files=files)
    return encoded.headers["Content-Type"].encode(), encoded.read()


def _result(status: int, body: bytes, clean: Callable[[str], str]) -> Any:
    """The `result` of a successful answer; raises the typed error of any other (its
    description passed through `clean`)."""
    try:
        answer = orjson.loads(body)
    except ValueError:  # orjson.JSONDecodeError, invalid UTF-8 included
        answer = None
    success = 200 <= status < 300
    if not isinstance(answer, dict):
        if success:
            raise TransientError(f"HTTP {status}: the answer is not a JSON object")
        raise _error(status, f"HTTP {status} without a JSON answer")
    if success and answer.get("ok") is True:
        return answer.get("result")
    description = clean(str(answer.get("description") or f"HTTP {status}"))
    parameters = answer.get("parameters")
    if isinstance(parameters, dict):
        migrated_to = parameters.get("migrate_to_chat_id")
        if migrated_to:
            raise BadRequest(f"chat migrated to {migrated_to}")
        retry_after = parameters.get("retry_after")
        if isinstance(retry_after, int | float) and retry_after > 0:
            raise RetryAfter(float(retry_after))
    code = answer.get("error_code") if success else status
    raise _error(code if isinstance(code, int) else 500, description)


def _error(code: int, description: str) -> TelegramError:
    if code == 403:
        return BotBlocked(description)
    if code == 400:
        return BadRequest(description)
    if code in (401, 404):
        return InvalidToken(description)
    if code == 409:
        return Conflict(description)
    return TransientError(description)  # 5xx, a 429 without retry_after, anything unexpected
