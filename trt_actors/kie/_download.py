"""Fetching a result file from the host KIE put it on, with a size limit.

Result hosts are not KIE's API: the request carries no API key. The body is streamed and
the download stops as soon as it passes `max_bytes` (checked against `Content-Length`
first when the host sends one).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import trio

from ._errors import KieDownloadError, KieResultGone, KieResultTooLarge
from ._http import transport_error

#: Statuses that mean the link is dead (not a passing failure).
GONE_STATUSES = frozenset({401, 403, 404, 410})


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A result file: its bytes, the content type the host gave, and the URL fetched."""

    content: bytes
    content_type: str
    url: str

    @property
    def size(self) -> int:
        return len(self.content)


async def fetch_once(
    client: httpx.AsyncClient, url: str, *, max_bytes: int, attempt_timeout: float
) -> DownloadedFile:
    """One GET of `url`; raises `KieResultGone`, `KieResultTooLarge`, `KieDownloadError`
    (other statuses) or `KieTransportError`."""
    try:
        with trio.fail_after(attempt_timeout):
            async with client.stream("GET", url) as response:
                _check_status(response)
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise KieResultTooLarge(
                        f"result is {declared} bytes, limit {max_bytes}", status=None
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise KieResultTooLarge(
                            f"result is over the limit of {max_bytes} bytes", status=None
                        )
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "application/octet-stream")
    except (httpx.TransportError, trio.TooSlowError) as exc:
        raise transport_error(exc, what="download") from None
    return DownloadedFile(b"".join(chunks), content_type, url)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in GONE_STATUSES:
        raise KieResultGone(f"result link answered HTTP {status}", status=status)
    raise KieDownloadError(f"result host answered HTTP {status}", status=status)


async def head_size(client: httpx.AsyncClient, url: str, *, timeout: float) -> int | None:
    """The size a result host declares for `url` (a HEAD request under `timeout`), or None
    when it does not say, answers an error, or does not answer in time."""
    try:
        with trio.fail_after(timeout):
            response = await client.head(url)
    except (httpx.HTTPError, trio.TooSlowError):
        return None
    declared = response.headers.get("content-length", "")
    if not (200 <= response.status_code < 300) or not declared.isdigit():
        return None
    return int(declared)
