"""Bursts far above Telegram's pace, against `trt run` as a real process.

The Telegram emulator (in this process) keeps Telegram's flood limits and answers 429 to
whatever breaks them. A thousand new users' /start arrive within two seconds over the
webhook, from four loopback addresses (as Telegram posts); or ten thousand wait at Telegram
before the service starts, in polling mode. Every update must be acknowledged, every user
answered, with no 429, no crash, no restart and no replay — the burst is held back in the
service, not thrown back or retried through crashes. `scripts/bench_burst.py` is the long
version of the same run, with figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.testing.trt_process import Service, run_service, service_env
from trt_actors.testing.webhook_load import post_updates, start_update

pytestmark = pytest.mark.subprocess

SECRET = "burst-secret"
ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


def answered_chats(emulator: TelegramEmulator) -> int:
    return sum(1 for chat in emulator.ctl.bot.chats.values() if chat.bot_message_ids)


async def wait_until_answered(emulator: TelegramEmulator, users: int, timeout: float) -> float:
    began = trio.current_time()
    with trio.fail_after(timeout):
        while answered_chats(emulator) < users:
            await trio.sleep(0.25)
    return trio.current_time() - began


async def wait_ready(service: Service) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        with trio.fail_after(30):
            while (await client.get(f"{service.base_url}/readyz")).status_code != 200:
                await trio.sleep(0.1)


async def assert_held_not_crashed(service: Service, emulator: TelegramEmulator) -> None:
    """No 429 from Telegram, no crash, give-up or restart, no replay of the inbox; the burst
    held back in backpressure episodes, each logged when it started and when it ended."""
    throttled = {method: n for (method, status), n in emulator.tallies.items() if status == 429}
    assert throttled == {}
    for event in ("crashed", "gave_up", "restarting"):
        assert service.named(f"supervisor.child_{event}") == [], service.log()
    assert service.named("dispatcher.replayed") == []
    with trio.fail_after(10):  # an episode ends a second after the last update was handed out
        while [e["state"] for e in service.named("load.backpressure")][-1:] != ["ended"]:
            await trio.sleep(0.1)
    states = [e["state"] for e in service.named("load.backpressure")]
    assert states[:1] == ["started"]
    assert states == ["started", "ended"] * (len(states) // 2)


def welcomed(emulator: TelegramEmulator, user: Any) -> bool:
    messages = emulator.ctl.bot_messages(user)
    return bool(messages) and user.first_name in messages[0]["text"]


@pytest.mark.timeout(240)
async def test_1000_new_users_within_two_seconds_over_the_webhook(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig(rate_limits=RateLimits())) as emulator:
        assert emulator.base_url is not None
        users = emulator.ctl.open_chats(1000)
        env = service_env(
            emulator.base_url,
            emulator.config.token,
            tmp_path,
            BOT_MODE="webhook",
            WEBHOOK_SECRET_TOKEN=SECRET,
            LOG_LEVEL="info",
        )
        async with run_service(env, tmp_path) as service:
            await wait_ready(service)
            bodies = [
                (n + 1, start_update(n + 1, user.id, user.first_name))
                for n, user in enumerate(users)
            ]
            posted = await post_updates(
                "127.0.0.1",
                service.port,
                "/webhook/default",
                SECRET,
                bodies,
                rate=500,
                addresses=ADDRESSES,
                retry=False,
            )
            assert [p.status for p in posted] == [200] * len(users)
            # 1,000 replies at Telegram's 30 messages/s take about 34 s
            took = await wait_until_answered(emulator, len(users), timeout=120)
            assert took > 20  # paced, as Telegram wants
            assert all(welcomed(emulator, user) for user in users)
            await assert_held_not_crashed(service, emulator)


@pytest.mark.timeout(300)
async def test_10000_updates_waiting_at_telegram_are_answered_in_polling(
    tmp_path: Path,
) -> None:
    """Pacing ten times Telegram's on both sides (the emulator's limits and the service's
    TELEGRAM_RATE_SCALE), so that 10,000 replies take about 35 s instead of six minutes."""
    limits = RateLimits().scaled(10)
    async with open_telegram_emulator(EmulatorConfig(rate_limits=limits)) as emulator:
        assert emulator.base_url is not None
        users = emulator.ctl.open_chats(10_000)
        for user in users:
            emulator.ctl.send_command(user, "start")
        env = service_env(
            emulator.base_url,
            emulator.config.token,
            tmp_path,
            BOT_MODE="polling",
            TELEGRAM_RATE_SCALE="10",
            LOG_LEVEL="info",
        )
        async with run_service(env, tmp_path) as service:
            await wait_until_answered(emulator, len(users), timeout=240)
            assert all(welcomed(emulator, user) for user in users)
            with trio.fail_after(30):  # every update confirmed to Telegram (offset past it)
                while len(emulator.ctl.bot.updates):
                    await trio.sleep(0.25)
            await assert_held_not_crashed(service, emulator)
