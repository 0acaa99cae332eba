"""Fetching a user's file from Telegram for a job: getFile, then the file download URL.

A file larger than a bot may download (`domain.media.MAX_FILE_BYTES`) is never fetched whole:
its size from getFile (or Telegram's refusal, "file is too big") stops it before any byte is
read, and the download stops at the limit whatever was said — a size that was not given, or
was wrong. Either way the fetch raises `MediaTooBig`, which fails the job with that reason.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import trio

from trt_actors.actors.job import MediaFetcher, MediaTooBig
from trt_actors.actors.outbound import Outbound
from trt_actors.domain.media import MAX_FILE_BYTES
from trt_actors.telegram.errors import BadRequest

DOWNLOAD_DEADLINE = 120.0


def telegram_media_fetcher(
    outbound: Outbound,
    base_url: str,
    token: str,
    client: Callable[[], httpx.AsyncClient],
    *,
    limit: int = MAX_FILE_BYTES,
) -> MediaFetcher:
    """A `MediaFetcher`: bytes and file name of a Telegram file id, at most `limit` bytes,
    downloaded with `client()` (`ClientOnFirstUse.get`: built at the first download)."""
    file_base = f"{base_url.rstrip('/')}/file/bot{token}"

    async def fetch(file_id: str) -> tuple[bytes, str]:
        try:
            info = await outbound.call("getFile", {"file_id": file_id})
        except BadRequest as exc:
            if "too big" in str(exc).lower():  # Telegram's own refusal of a large file
                raise MediaTooBig(file_id, limit) from None
            raise
        path = str(info["file_path"])
        declared = info.get("file_size")
        if isinstance(declared, int) and declared > limit:
            raise MediaTooBig(file_id, limit)
        with trio.fail_after(DOWNLOAD_DEADLINE):
            content = await _download(client(), f"{file_base}/{path}", file_id, limit)
        return content, path.rsplit("/", 1)[-1]

    return fetch


async def _download(client: httpx.AsyncClient, url: str, file_id: str, limit: int) -> bytes:
    """The body at `url`, read in chunks; `MediaTooBig` as soon as it passes `limit` bytes
    (or its Content-Length says it will)."""
    parts: list[bytes] = []
    received = 0
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise MediaTooBig(file_id, limit)
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > limit:
                raise MediaTooBig(file_id, limit)
            parts.append(chunk)
    return b"".join(parts)
