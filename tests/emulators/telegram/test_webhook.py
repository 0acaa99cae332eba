"""Webhook delivery: secret header, order, retries on non-2xx, info, drop_pending_updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

from trt_actors.emulators.telegram import SECRET_HEADER, TelegramEmulator
from trt_actors.web import HTTPServer, Request, Response, Router

from .conftest import Api

DEADLINE = 5.0


class Receiver:
    """A webhook endpoint that fails its first `failures` requests with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.statuses: list[int] = []
        self.changed = trio.Event()
        self.router = Router()
        self.router.add("POST", "/hook", self.handle)

    async def handle(self, request: Request) -> Response:
        status = 500 if self.failures > 0 else 200
        self.failures -= 1
        self.statuses.append(status)
        if status == 200:
            self.received.append((request.json(), request.headers.get(SECRET_HEADER)))
        self.changed.set()
        self.changed = trio.Event()
        return Response.json({}, status)

    async def wait_for(self, count: int) -> None:
        with trio.fail_after(DEADLINE):
            while len(self.received) < count:
                await self.changed.wait()


@asynccontextmanager
async def receiving(failures: int = 0) -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver(failures)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(HTTPServer(receiver.router).serve, "127.0.0.1", 0)
        yield receiver, f"http://127.0.0.1:{port}/hook"
        nursery.cancel_scope.cancel()


async def test_delivers_in_order_with_secret_header(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    async with receiving() as (receiver, url):
        assert await api.ok("setWebhook", url=url, secret_token="s3cr3t_-X") is True
        for text in ("one", "two", "three"):
            emu.ctl.send_text(user, text)
        await receiver.wait_for(3)
    assert [u["message"]["text"] for u, _ in receiver.received] == ["one", "two", "three"]
    assert {secret for _, secret in receiver.received} == {"s3cr3t_-X"}
    assert len(emu.bot().updates) == 0
    emu.assert_no_violations()


async def test_no_secret_header_without_secret(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    async with receiving() as (receiver, url):
        await api.ok("setWebhook", url=url)
        emu.ctl.send_text(user, "x")
        await receiver.wait_for(1)
    assert receiver.received[0][1] is None


async def test_retries_after_500_and_reports_the_error(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    async with receiving(failures=2) as (receiver, url):
        await api.ok("setWebhook", url=url)
        emu.ctl.send_text(user, "first")
        emu.ctl.send_text(user, "second")
        await receiver.wait_for(2)
        info = await api.ok("getWebhookInfo")
    assert receiver.statuses[:3] == [500, 500, 200]
    assert [u["message"]["text"] for u, _ in receiver.received] == ["first", "second"]
    assert info["url"] == url and info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 500"
    attempts = emu.webhook_attempts()
    assert [a.status for a in attempts[:3]] == [500, 500, 200]


async def test_unreachable_webhook_keeps_updates_then_gives_up(
    emu: TelegramEmulator, api: Api
) -> None:
    user = emu.ctl.user()
    await api.ok("setWebhook", url="http://127.0.0.1:9/closed")
    emu.ctl.send_text(user, "lost")
    with trio.fail_after(DEADLINE):
        while len(emu.webhook_attempts()) < 4:
            await trio.sleep(0.01)
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"].startswith("Connection error")
    assert all(a.status is None for a in emu.webhook_attempts())


async def test_drop_pending_updates_is_honoured_and_recorded(
    emu: TelegramEmulator, api: Api
) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "old")
    assert emu.drop_records == []
    await api.ok("deleteWebhook", drop_pending_updates=False)
    assert len(emu.bot().updates) == 1 and emu.drop_records == []
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert len(emu.bot().updates) == 0
    assert [(r.method, r.dropped) for r in emu.drop_records] == [("deleteWebhook", 1)]
    emu.ctl.send_text(user, "older")
    await api.ok("setWebhook", url="http://127.0.0.1:9/x", drop_pending_updates=True)
    assert [r.method for r in emu.drop_records] == ["deleteWebhook", "setWebhook"]


async def test_webhook_info_without_webhook(emu: TelegramEmulator, api: Api) -> None:
    emu.ctl.send_text(emu.ctl.user(), "x")
    info = await api.ok("getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 1}
    await api.ok("setWebhook", url="")
    assert (await api.ok("getWebhookInfo"))["url"] == ""
