"""Fixtures for the Telegram emulator tests: a running emulator, a raw API client, PTB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from telegram.request import HTTPXRequest

from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    WebhookPolicy,
    open_telegram_emulator,
)

#: Relaxed limits and fast webhook retries: most tests are not about flood control.
TEST_CONFIG = EmulatorConfig(
    rate_limits=RateLimits.relaxed(),
    webhook=WebhookPolicy(retry_delays=(0.01, 0.02, 0.05), max_attempts=4, request_timeout=2),
)


class Api:
    """A raw Bot API client for one emulator (JSON bodies unless told otherwise)."""

    def __init__(self, client: httpx.AsyncClient, emulator: TelegramEmulator) -> None:
        self.client = client
        self.emulator = emulator
        self.base = f"{emulator.base_url}/bot{emulator.config.token}"

    async def raw(self, method: str, **kwargs: Any) -> httpx.Response:
        return await self.client.post(f"{self.base}/{method}", **kwargs)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        response = await self.raw(method, json=params)
        body: dict[str, Any] = response.json()
        assert body["ok"] == (response.status_code == 200), body
        return body

    async def ok(self, method: str, **params: Any) -> Any:
        body = await self.call(method, **params)
        assert body["ok"], body
        return body["result"]

    async def control(self, action: str, **body: Any) -> httpx.Response:
        return await self.client.post(f"{self.emulator.base_url}/_control/{action}", json=body)


def assert_conforms(emulator: TelegramEmulator) -> None:
    """Every message the emulator stored, and every pending update, matches the spec."""
    for bot in emulator.world.bots.values():
        for chat in bot.chats.values():
            for stored in chat.messages.values():
                assert emulator.validator.check_object("Message", stored.data) == [], stored.data
        for update in bot.updates.peek(100):
            assert emulator.validator.check_object("Update", update) == [], update


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with open_telegram_emulator(TEST_CONFIG) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: TelegramEmulator) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield Api(client, emu)


@pytest.fixture
async def ptb(emu: TelegramEmulator) -> AsyncIterator[telegram.Bot]:
    """PTB's Bot against the emulator, without initialize()/shutdown() (asyncio-only)."""
    request, updates_request = HTTPXRequest(), HTTPXRequest()
    bot = telegram.Bot(
        emu.config.token,
        base_url=f"{emu.base_url}/bot",
        base_file_url=f"{emu.base_url}/file/bot",
        request=request,
        get_updates_request=updates_request,
    )
    try:
        yield bot
    finally:
        await request.shutdown()
        await updates_request.shutdown()
