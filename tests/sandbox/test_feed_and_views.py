"""The sandbox's pieces in-process: message views (file URLs) and the chat websocket's rules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, open_websocket_url

from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.sandbox import People
from trt_actors.sandbox._api import Backend
from trt_actors.sandbox._chat_feed import ChatFeed
from trt_actors.sandbox._views import message_view

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x02\x00\x00\x00\x03" + bytes(9)


@dataclass
class Running:
    emulator: TelegramEmulator
    backend: Backend
    feed: ChatFeed
    ws_url: str


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with open_telegram_emulator(EmulatorConfig(rate_limits=RateLimits.relaxed())) as emu:
        assert emu.base_url is not None
        people = People()
        people.create(emu.ctl)
        backend = Backend(emu.ctl, emu.base_url, people)
        feed = ChatFeed(backend)
        feed.page_port = 8088
        async with trio.open_nursery() as nursery:
            port = await nursery.start(feed.serve, "127.0.0.1", 0)
            yield Running(emu, backend, feed, f"ws://127.0.0.1:{port}/chat")
            nursery.cancel_scope.cancel()


async def test_views_point_at_downloadable_files_and_keep_bot_urls(running: Running) -> None:
    emu, ann = running.emulator, running.backend.people.all[0]
    sent = emu.ctl.send_photo(ann.user_id, PNG, mime_type="image/png")
    stored = emu.ctl.chat(ann.user_id).messages[sent["message_id"]]
    view = message_view(emu.bot(), running.backend.emulator_url, stored)
    (url,) = set(view["files"].values())
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).content == PNG

    base = f"{emu.base_url}/bot{emu.config.token}"
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{base}/sendPhoto",
            json={"chat_id": ann.user_id, "photo": "http://127.0.0.1:9/result.png"},
        )
    message = answer.json()["result"]
    stored = emu.ctl.chat(ann.user_id).messages[message["message_id"]]
    view = message_view(emu.bot(), running.backend.emulator_url, stored)
    assert set(view["files"].values()) == {"http://127.0.0.1:9/result.png"}
    assert view["from_bot"] and view["edits"] == 0 and not view["deleted"]


async def test_feed_sends_the_chat_then_its_changes(running: Running) -> None:
    ann = running.backend.people.all[0]
    running.emulator.ctl.send_text(ann.user_id, "hello")
    async with open_websocket_url(f"{running.ws_url}/{ann.user_id}") as ws:
        with trio.fail_after(5):
            snapshot = json.loads(await ws.get_message())
            assert [m["message"]["text"] for m in snapshot["messages"]] == ["hello"]
            running.emulator.ctl.send_text(ann.user_id, "again")
            change = json.loads(await ws.get_message())
    assert change["kind"] == "new" and change["message"]["message"]["text"] == "again"


async def test_feed_refuses_strangers_and_other_origins(running: Running) -> None:
    with pytest.raises(ConnectionRejected) as unknown:
        async with open_websocket_url(f"{running.ws_url}/42"):
            pass
    assert unknown.value.status_code == 404
    ann = running.backend.people.all[0]
    evil = [("Origin", "http://evil.example")]
    with pytest.raises(ConnectionRejected) as other_site:
        async with open_websocket_url(f"{running.ws_url}/{ann.user_id}", extra_headers=evil):
            pass
    assert other_site.value.status_code == 403
    page = [("Origin", "http://127.0.0.1:8088")]
    async with open_websocket_url(f"{running.ws_url}/{ann.user_id}", extra_headers=page) as ws:
        with trio.fail_after(5):
            assert json.loads(await ws.get_message())["type"] == "snapshot"
