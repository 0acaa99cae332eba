"""A scriptable Bot API server for HttpBotApi's own tests: h11 on trio, plain or TLS.

It records every request and answers with what `reply` returns for it, including the
misbehaviours the emulator cannot produce: answers that stall or trickle, connections closed
with or without saying so, answers that are not JSON.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import h11
import trio

OK = json.dumps({"ok": True, "result": True}).encode()


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int


@dataclass
class Reply:
    status: int = 200
    body: bytes = OK
    close: bool = False  # answer with "Connection: close", then close
    hang_up: bool = False  # close right after answering, without saying so
    stall: bool = False  # send the head, then nothing until the client hangs up
    trickle: float = 0.0  # send the body one byte per this many seconds
    chunked: bool = False  # no Content-Length: the body goes in chunks
    raw: bytes | None = None  # send these bytes instead of an HTTP answer, then close

    @classmethod
    def json(cls, status: int, body: Any, **options: Any) -> Reply:
        return cls(status, json.dumps(body).encode(), **options)


@dataclass
class FakeBotApi:
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    closed: int = 0  # connections that ended (either side closed them)
    reply: Callable[[Seen], Reply] = lambda seen: Reply()
    port: int = 0

    async def handle(self, stream: trio.abc.Stream) -> None:
        self.connections += 1
        number = self.connections
        conn = h11.Connection(h11.SERVER)
        try:
            while (seen := await self._request(stream, conn, number)) is not None:
                self.requests.append(seen)
                if not await self._answer(stream, conn, self.reply(seen)):
                    break
                conn.start_next_cycle()
            self.closed += 1
        except (trio.BrokenResourceError, trio.ClosedResourceError, ssl.SSLError):
            self.closed += 1
        finally:
            await trio.aclose_forcefully(stream)

    async def _request(
        self, stream: trio.abc.Stream, conn: h11.Connection, number: int
    ) -> Seen | None:
        head: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(bytes(await stream.receive_some(65536)))
            elif isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                headers = {k.decode().lower(): v.decode() for k, v in head.headers}
                return Seen(head.method.decode(), head.target.decode(), headers, body, number)
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _answer(self, stream: trio.abc.Stream, conn: h11.Connection, reply: Reply) -> bool:
        """Send `reply`; False when the connection is to be closed."""
        if reply.raw is not None:
            await stream.send_all(reply.raw)
            return False
        headers = [("Content-Type", "application/json")]
        if not reply.chunked:
            headers.append(("Content-Length", str(len(reply.body))))
        if reply.close:
            headers.append(("Connection", "close"))
        await stream.send_all(
            conn.send(h11.Response(status_code=reply.status, headers=headers)) or b""
        )
        if reply.stall:  # until the client hangs up
            while await stream.receive_some(65536):
                pass
            return False
        if reply.trickle:
            for byte in reply.body:
                await trio.sleep(reply.trickle)
                await stream.send_all(conn.send(h11.Data(data=bytes([byte]))) or b"")
        elif reply.chunked:
            for start in range(0, len(reply.body), 7):
                await stream.send_all(
                    conn.send(h11.Data(data=reply.body[start : start + 7])) or b""
                )
        else:
            await stream.send_all(conn.send(h11.Data(data=reply.body)) or b"")
        await stream.send_all(conn.send(h11.EndOfMessage()) or b"")
        return not (reply.close or reply.hang_up)


async def serve(
    nursery: trio.Nursery, server: FakeBotApi, tls: ssl.SSLContext | None = None
) -> str:
    """Start `server` on a free loopback port; its base URL."""
    if tls is None:
        listeners = await nursery.start(partial(trio.serve_tcp, host="127.0.0.1"), server.handle, 0)
    else:
        serve_tls = partial(trio.serve_ssl_over_tcp, host="127.0.0.1")
        listeners = await nursery.start(serve_tls, server.handle, 0, tls)
    listener = listeners[0]
    sock = listener.transport_listener.socket if tls is not None else listener.socket
    server.port = sock.getsockname()[1]
    return f"{'https' if tls else 'http'}://127.0.0.1:{server.port}"


def self_signed(directory: Path) -> tuple[Path, ssl.SSLContext] | None:
    """A certificate for 127.0.0.1 made by the openssl tool, and a server context using it;
    None when the tool is missing."""
    tool = shutil.which("openssl")
    if tool is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            tool,
            "req",
            "-x509",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context
