"""One HTTP attempt against KIE: per-phase timeouts, a trio deadline, typed errors.

`send_once` never lets an httpx exception escape: a failure before the request could reach
KIE (connect, pool) is `KieTransportError(request_sent=False)`, any later one
`request_sent=True`; a non-2xx status or a `code` other than 200 is the typed `KieApiError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import trio

from ._envelope import http_error, loads, parse_retry_after, unwrap
from ._errors import KieTransportError

#: Errors raised before any byte of the request left: safe to repeat any request.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class KieTimeouts:
    """Per-phase HTTP timeouts (seconds), and the trio deadline of one whole attempt.

    `upload_write` replaces `write` for file uploads; `upload_attempt` replaces `attempt`.
    """

    connect: float = 5.0
    read: float = 30.0
    write: float = 15.0
    pool: float = 5.0
    attempt: float = 45.0
    upload_write: float = 120.0
    upload_attempt: float = 300.0

    def for_httpx(self, *, upload: bool = False) -> httpx.Timeout:
        write = self.upload_write if upload else self.write
        return httpx.Timeout(connect=self.connect, read=self.read, write=write, pool=self.pool)


def transport_error(exc: BaseException, *, what: str) -> KieTransportError:
    """The `KieTransportError` for an httpx failure (or a trio attempt deadline)."""
    if isinstance(exc, trio.TooSlowError):
        return KieTransportError(f"{what}: attempt deadline passed", request_sent=True)
    sent = not isinstance(exc, _NOT_SENT)
    return KieTransportError(f"{what}: {type(exc).__name__}: {exc}", request_sent=sent)


def read_answer(response: httpx.Response) -> Any:
    """The envelope's `data` of a KIE answer, or the typed error for it."""
    if not 200 <= response.status_code < 300:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise http_error(response.status_code, response.content, retry_after)
    return unwrap(loads(response.content), http_status=response.status_code)


async def send_once(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    attempt_timeout: float,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    content: AsyncIterable[bytes] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
) -> Any:
    """Send one request and return the envelope's `data`.

    Raises `KieTransportError` (no answer), `KieApiError` subclasses (an error answer) or
    `KieProtocolError` (an unreadable answer). The whole attempt runs under
    `attempt_timeout` seconds besides httpx's per-phase timeouts.
    """
    request_timeout: Any = timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT
    try:
        with trio.fail_after(attempt_timeout):
            response = await client.request(
                method,
                url,
                json=json,
                params=dict(params) if params is not None else None,
                content=content,
                headers=dict(headers) if headers is not None else None,
                timeout=request_timeout,
            )
    except (httpx.TransportError, trio.TooSlowError) as exc:
        raise transport_error(exc, what=what) from None
    return read_answer(response)
