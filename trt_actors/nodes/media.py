"""Fetching a user's file from Telegram for a job: getFile, then the file download URL."""

from __future__ import annotations

import httpx
import trio

from trt_actors.actors.job import MediaFetcher
from trt_actors.actors.outbound import Outbound

MAX_TELEGRAM_FILE = 20 * 1024 * 1024  # what the Bot API serves to bots
DOWNLOAD_DEADLINE = 120.0


def telegram_media_fetcher(
    outbound: Outbound, base_url: str, token: str, client: httpx.AsyncClient
) -> MediaFetcher:
    """A `MediaFetcher`: bytes and file name of a Telegram file id, at most 20 MB."""
    file_base = f"{base_url.rstrip('/')}/file/bot{token}"

    async def fetch(file_id: str) -> tuple[bytes, str]:
        info = await outbound.call("getFile", {"file_id": file_id})
        path = str(info["file_path"])
        if int(info.get("file_size") or 0) > MAX_TELEGRAM_FILE:
            raise ValueError(f"file {file_id} is over Telegram's 20 MB for bots")
        with trio.fail_after(DOWNLOAD_DEADLINE):
            response = await client.get(f"{file_base}/{path}")
        response.raise_for_status()
        return response.content, path.rsplit("/", 1)[-1]

    return fetch
