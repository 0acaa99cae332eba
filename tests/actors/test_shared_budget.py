"""Two outbound actors of one bot (two instances) sharing its message budget, on MockClock:
the in-process coordination backend stands for Redis, one fake Telegram judges them both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio.testing import MockClock

from trt_actors.actors import actor_child
from trt_actors.actors.outbound import Outbound, OutboundActor, OutboundLoad
from trt_actors.coordination import Coordination
from trt_actors.supervisors import Supervisor
from trt_actors.telegram.errors import RetryAfter
from trt_actors.telegram.pacing import Limits
from trt_actors.telegram.shared_budget import SharedBudget
from trt_actors.testing.fake_bot_api import FakeBotApi


@asynccontextmanager
async def instances(bot: FakeBotApi, count: int) -> AsyncIterator[list[Outbound]]:
    coordination = Coordination()  # what Redis is to real instances
    specs, handles = [], []
    for n in range(count):
        load = OutboundLoad()
        spec, ref = actor_child(
            f"outbound{n}",
            lambda load=load: OutboundActor(
                bot, load=load, shared=SharedBudget(coordination, "bot", Limits())
            ),
            capacity=10_000,
        )
        specs.append(spec)
        handles.append(Outbound(ref, load))
    root = Supervisor("instances", specs)
    async with trio.open_nursery() as nursery:
        await nursery.start(root.run)
        yield handles
        root.request_stop()


async def send_each(outbound: Outbound, chats: range) -> None:
    async with trio.open_nursery() as nursery:
        for chat in chats:
            nursery.start_soon(outbound.call, "sendMessage", {"chat_id": chat, "text": "hi"})


async def test_three_instances_together_keep_one_budget(autojump_clock: MockClock) -> None:
    bot = FakeBotApi(latency=0.02)
    began = trio.current_time()
    async with instances(bot, 3) as outbound, trio.open_nursery() as nursery:
        for n, instance in enumerate(outbound):
            nursery.start_soon(send_each, instance, range(1000 * n + 1, 1000 * n + 101))
    took = trio.current_time() - began
    assert len(bot.sent) == 300 and bot.throttled == 0
    assert took >= (300 - 20) / 30  # one bot's 30/s (its burst of 20 first), not three


async def test_a_429_that_pauses_one_instance_pauses_the_others(
    autojump_clock: MockClock,
) -> None:
    def first_getme_throttled(method: str, params: Mapping[str, Any]) -> Exception | None:
        if method == "getMe" and not throttled:
            throttled.append(trio.current_time())
            return RetryAfter(5)
        return None

    throttled: list[float] = []
    bot = FakeBotApi(first_getme_throttled, latency=0.0)
    async with instances(bot, 2) as (one, other), trio.open_nursery() as nursery:
        # a 429 (retry_after=5) on a call with no chat pauses everything at this instance
        nursery.start_soon(one.call, "getMe", {})
        await trio.sleep(0.5)
        await other.call("sendMessage", {"chat_id": 7, "text": "after the pause"})
    sent_at = next(t for t, method, _ in bot.sent if method == "sendMessage")
    assert sent_at - throttled[0] >= 5  # the other instance waited too
