"""Redis failing under a bot that coordinates through it (`REDIS_URL` set): down at start,
lost mid-run, stalled. The whole tree in-process against a private Redis server.

With Redis set the service cannot know it is alone, so without Redis it handles nobody's
updates (no partition lease can be proved): it keeps acknowledging them — they wait in the
inbox, nothing is lost — and answers them once Redis is back. A Redis that is only slow costs
a reply at most a second: the shared message budget falls back to the local one.
"""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import pytest
import trio
from structlog.testing import capture_logs

from trt_actors.coordination import _factory
from trt_actors.coordination._settings import RedisSettings
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.testing.kit import running_bot
from trt_actors.testing.redis_server import RedisServer

from .support import named, until_stored, wait_until

HELD = 2.0  # seconds a user is seen waiting while Redis is away


async def test_redis_down_at_start_holds_answers_until_it_is_back(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    with RedisServer() as redis:
        await trio.to_thread.run_sync(redis.kill)  # it was started once: its URL is known
        with capture_logs() as logs:
            async with running_bot(
                tmp_path, emulator=telegram_emulator, redis_url=redis.url
            ) as bot:  # the service starts, degraded
                ann = bot.user("Ann", language_code="en")
                await ann.send("/start")
                pending = await until_stored(bot, lambda tx: tx.inbox.pending(), bool)
                assert len(pending) == 1  # acknowledged: Telegram has forgotten it
                await trio.sleep(HELD)
                assert ann.messages() == []  # but nobody may handle it yet
                assert named(logs, "partitions.rebalance_failed")
                assert bot.tree.load()["default"]["partitions"] == 0  # `trt top`: partitions 0
                await trio.to_thread.run_sync(redis.start)
                assert "Hi, Ann" in (await ann.next_message(timeout=20))["text"]
                assert bot.tree.load()["default"]["partitions"] == 256
                assert bot.failures() == []
    [down] = named(logs, "coordination.redis_down")
    assert down["log_level"] == "warning" and "Connection refused" in down["error"]
    assert len(named(logs, "coordination.redis_up")) == 1
    assert named(logs, "partitions.taken")


async def test_redis_lost_mid_run_holds_answers_until_it_is_back(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    with RedisServer() as redis, capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator, redis_url=redis.url) as bot:
            ann = bot.user("Ann", language_code="en")
            await ann.send("/start")
            await ann.next_message()
            await trio.to_thread.run_sync(redis.kill)  # its data is lost with it
            await wait_until(lambda: bool(named(logs, "partitions.expiring")), timeout=15)
            await ann.send("/help")
            await trio.sleep(HELD)
            assert len(ann.messages()) == 1  # the /help waits, stored
            assert bot.tree.load()["default"]["partitions"] == 0  # `trt top`: partitions 0
            await trio.to_thread.run_sync(redis.start)
            assert "What the bot does" in (await ann.next_message(timeout=20))["text"]
            assert bot.failures() == []
    assert len(named(logs, "coordination.redis_down")) == 1
    assert len(named(logs, "coordination.redis_up")) == 1
    [expiring] = named(logs, "partitions.expiring")
    assert expiring["log_level"] == "warning" and len(expiring["partitions"]) == 256


async def test_a_stalled_redis_delays_a_reply_by_a_second_at_most(
    telegram_emulator: TelegramEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis stops answering for 2.5 s (paused: a long fork, a swapped host) — shorter than
    the partition leases, so nothing is handed over; each reply waits for the shared message
    budget at most a second, then is paced locally.

    The health probe runs every 0.2 s here (every 2 s by default): only a call that starts in
    the stall's first second outlasts its 1.5 s deadline before Redis answers again, and with
    the default interval whether one did depended on where the probe's cycle stood."""
    fast_probe = functools.partial(RedisSettings, probe_interval_up=0.2)
    monkeypatch.setattr(_factory, "RedisSettings", fast_probe)
    with RedisServer() as redis, capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator, redis_url=redis.url) as bot:
            ann = bot.user("Ann", language_code="en")
            await ann.send("/start")
            await ann.next_message()
            pid = redis._proc.pid  # type: ignore[union-attr]
            os.kill(pid, signal.SIGSTOP)
            try:
                began = trio.current_time()
                await ann.send("/help")
                assert "What the bot does" in (await ann.next_message(timeout=5))["text"]
                assert trio.current_time() - began < 2.0
                await trio.sleep(2.5 - (trio.current_time() - began))
            finally:
                os.kill(pid, signal.SIGCONT)
            await wait_until(lambda: bool(named(logs, "coordination.redis_up")), timeout=10)
            await ann.send("/help")
            await ann.next_message()
            assert bot.failures() == []
    assert [entry["error"] for entry in named(logs, "outbound.shared_budget_failed")]
    assert "no reply" in named(logs, "coordination.redis_down")[0]["error"]
    assert named(logs, "partitions.expiring") == [] and named(logs, "partitions.lost") == []
