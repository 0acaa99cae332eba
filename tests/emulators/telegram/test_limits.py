"""Flood limits: token buckets under MockClock, and 429 + retry_after through the API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import trio
from trio.testing import MockClock

from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimiter,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.web import Headers, Request, RouteMatch

from .conftest import Api


def test_private_chat_burst_then_one_per_second() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimits(), clock=lambda: now[0])
    assert [limiter.acquire(1, is_group=False) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire(1, is_group=False) == 1.0
    assert limiter.acquire(2, is_group=False) == 0.0, "other chats are separate"
    now[0] = 0.5
    assert limiter.acquire(1, is_group=False) == 0.5
    now[0] = 1.0
    assert limiter.acquire(1, is_group=False) == 0.0


def test_group_twenty_per_minute_and_global_thirty_per_second() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimits(), clock=lambda: now[0])
    assert all(limiter.acquire(-100, is_group=True) == 0.0 for _ in range(20))
    assert limiter.acquire(-100, is_group=True) == 3.0
    spread = [limiter.acquire(chat, is_group=False) for chat in range(1, 12)]
    assert spread[:10] == [0.0] * 10 and spread[10] > 0, "30 per second across all chats"


def test_disabled_limits() -> None:
    limiter = RateLimiter(RateLimits.relaxed(), clock=lambda: 0.0)
    assert all(limiter.acquire(1, is_group=False) == 0.0 for _ in range(1000))


async def test_limiter_follows_trio_mock_clock(autojump_clock: MockClock) -> None:
    limiter = RateLimiter(RateLimits(private_burst=1))
    assert limiter.acquire(5, is_group=False) == 0.0
    wait = limiter.acquire(5, is_group=False)
    assert wait == 1.0
    await trio.sleep(wait)
    assert limiter.acquire(5, is_group=False) == 0.0


async def _call_in_memory(
    emu: TelegramEmulator, method: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Run one API call through the emulator's handler without any socket."""
    path = f"/bot{emu.config.token}/{method}"
    found = emu.router.match("POST", path)
    assert isinstance(found, RouteMatch)
    request = Request(
        "POST",
        path,
        params=found.params,
        headers=Headers([("content-type", "application/json")]),
        body=json.dumps(params).encode(),
    )
    response = await found.route.handler(request)
    body: dict[str, Any] = json.loads(response.body)
    return body


async def test_api_429_with_retry_after_under_mock_clock(autojump_clock: MockClock) -> None:
    emu = TelegramEmulator(EmulatorConfig(rate_limits=RateLimits(private_burst=2)))
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    for _ in range(2):
        assert (await _call_in_memory(emu, "sendMessage", {"chat_id": user.id, "text": "a"}))["ok"]
    flooded = await _call_in_memory(emu, "sendMessage", {"chat_id": user.id, "text": "a"})
    assert flooded == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    await trio.sleep(flooded["parameters"]["retry_after"])
    assert (await _call_in_memory(emu, "sendMessage", {"chat_id": user.id, "text": "a"}))["ok"]
    emu.assert_no_violations()


async def test_api_429_over_real_sockets() -> None:
    limits = RateLimits(private_per_second=20, private_burst=2)
    config = EmulatorConfig(rate_limits=limits)
    async with open_telegram_emulator(config) as emu, httpx.AsyncClient(timeout=5) as client:
        api = Api(client, emu)
        user = emu.ctl.user()
        emu.ctl.send_text(user, "x")
        for _ in range(2):
            assert (await api.call("sendMessage", chat_id=user.id, text="a"))["ok"]
        flooded = await api.raw("sendMessage", json={"chat_id": user.id, "text": "a"})
        assert flooded.status_code == 429
        assert flooded.json()["parameters"] == {"retry_after": 1}
        await trio.sleep(0.06)
        assert (await api.call("sendMessage", chat_id=user.id, text="a"))["ok"]
        group = emu.ctl.group("g", [user])
        assert (await api.call("sendMessage", chat_id=group.id, text="g"))["ok"]
