"""The TLS context of every outgoing https connection (Telegram, KIE, file downloads).

Building one loads the whole certificate bundle (certifi's, or `SSL_CERT_FILE` /
`SSL_CERT_DIR` as httpx reads them): 20-30 ms of CPU on the event loop each time, which
stalls every actor of the process. It is built once per process, on first use, and shared —
an `ssl.SSLContext` is safe to share between connections. Every client speaks HTTP/1.1 only,
so the ALPN protocols it carries are the same for all.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def outgoing_tls() -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context
