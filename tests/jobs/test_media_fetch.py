"""Fetching a user's file for a job never holds more than the limit: a size Telegram gives
stops it before the download, and the download itself stops at the limit when no size (or a
wrong one) was given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest

from trt_actors.actors.job import MediaTooBig
from trt_actors.actors.outbound import Outbound
from trt_actors.nodes.media import telegram_media_fetcher
from trt_actors.telegram.errors import BadRequest

LIMIT = 1024 * 1024
CHUNK = 64 * 1024


class FakeOutbound:
    """Answers getFile with `info`, or raises `error`."""

    def __init__(self, info: dict[str, Any] | None = None, error: Exception | None = None):
        self.info = info or {}
        self.error = error

    async def call(self, method: str, params: dict[str, Any], **_: Any) -> Any:
        assert method == "getFile"
        if self.error is not None:
            raise self.error
        return {"file_id": params["file_id"], "file_path": "photos/file_1.jpg", **self.info}


class Endless:
    """A file server whose body never ends (no Content-Length): counts what was read."""

    def __init__(self) -> None:
        self.requests = 0
        self.sent = 0

    async def body(self) -> AsyncIterator[bytes]:
        while True:
            self.sent += CHUNK
            yield bytes(CHUNK)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(200, content=self.body())


async def fetch(outbound: FakeOutbound, server: Any, file_id: str = "f1") -> tuple[bytes, str]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        fetcher = telegram_media_fetcher(
            cast(Outbound, outbound), "http://tg.invalid", "1:T", lambda: client, limit=LIMIT
        )
        return await fetcher(file_id)


async def test_without_a_size_the_download_stops_at_the_limit() -> None:
    server = Endless()
    with pytest.raises(MediaTooBig):
        await fetch(FakeOutbound(), server)
    assert server.requests == 1 and server.sent <= LIMIT + 2 * CHUNK


async def test_a_size_that_lies_does_not_lift_the_limit() -> None:
    server = Endless()
    with pytest.raises(MediaTooBig):
        await fetch(FakeOutbound({"file_size": 1000}), server)
    assert server.sent <= LIMIT + 2 * CHUNK


async def test_a_file_said_to_be_too_big_is_never_requested() -> None:
    server = Endless()
    with pytest.raises(MediaTooBig):
        await fetch(FakeOutbound({"file_size": LIMIT + 1}), server)
    with pytest.raises(MediaTooBig):
        await fetch(FakeOutbound(error=BadRequest("Bad Request: file is too big")), server)
    assert server.requests == 0


async def test_a_content_length_over_the_limit_is_not_read() -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(100):
            read += CHUNK
            yield bytes(CHUNK)

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(100 * CHUNK)}, content=body())

    with pytest.raises(MediaTooBig):
        await fetch(FakeOutbound(), server)
    assert read == 0


async def test_a_file_within_the_limit_comes_whole_with_its_name() -> None:
    data = bytes(range(256)) * 1000

    def server(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/file/bot1:T/photos/file_1.jpg"
        return httpx.Response(200, content=data)

    assert await fetch(FakeOutbound({"file_size": len(data)}), server) == (data, "file_1.jpg")
