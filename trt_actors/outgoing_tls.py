"""The TLS context of every outgoing https connection (Telegram, KIE, file downloads), and
the httpx clients that use it, built on first use.

Building one loads the whole certificate bundle (certifi's, or `SSL_CERT_FILE` /
`SSL_CERT_DIR` as httpx reads them): 20-30 ms of CPU on the event loop each time, which
stalls every actor of the process. It is built once per process, on first use, and shared —
an `ssl.SSLContext` is safe to share between connections. Every client speaks HTTP/1.1 only,
so the ALPN protocols it carries are the same for all.

An httpx client is built on first use too (`ClientOnFirstUse`): the first one imports httpcore
and needs the TLS context, about 50 ms together on this 2-core machine, which a starting
process would spend before it answers its first update — and a bot whose users send no files
never downloads one.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx
import trio

CLOSE_DEADLINE = 5.0  # closing a client's idle connections


@functools.cache
def outgoing_tls() -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class ClientOnFirstUse:
    """An `httpx.AsyncClient` with `options` (and `outgoing_tls()`), built when first asked
    for (`get`); `aclose` closes it if it was."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(verify=outgoing_tls(), **self._options)
        return self._client

    async def aclose(self) -> None:
        """Close its connections, if it was built (shielded, within `CLOSE_DEADLINE`)."""
        if self._client is not None:
            with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_DEADLINE):
                await self._client.aclose()
