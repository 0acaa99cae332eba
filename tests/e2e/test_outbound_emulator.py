"""The outbound actor against the real emulator over HTTP, both with flood limits on.

Limits are scaled ten times on both sides (emulator and sender) so the test takes seconds;
the pacing logic is the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from trt_actors.actors import actor_child
from trt_actors.actors.outbound import Outbound, OutboundActor
from trt_actors.emulators.telegram import (
    EmulatorConfig,
    FaultKind,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.supervisors import Supervisor
from trt_actors.telegram.pacing import Limits
from trt_actors.telegram.ptb_bot_api import PtbBotApi
from trt_actors.testing.kit import running_bot

SCALE = 10.0
EMULATOR_LIMITS = RateLimits(
    private_per_second=1 * SCALE, group_per_minute=20 * SCALE, global_per_second=30 * SCALE
)


@asynccontextmanager
async def outbound_to(emu: TelegramEmulator) -> AsyncIterator[Outbound]:
    assert emu.base_url is not None
    api = PtbBotApi(emu.config.token, emu.base_url)
    spec, ref = actor_child(
        "outbound", lambda: OutboundActor(api, limits=Limits().scaled(SCALE)), capacity=5000
    )
    sup = Supervisor("tenant", [spec])
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            yield Outbound(ref)
            sup.request_stop()
    finally:
        await api.close()


async def test_no_429_for_100_to_one_chat_and_1000_to_1000_chats() -> None:
    async with open_telegram_emulator(EmulatorConfig(rate_limits=EMULATOR_LIMITS)) as emu:
        one = emu.ctl.user("One")
        emu.ctl.send_text(one, "hi")
        many = [emu.ctl.user(f"M{i}") for i in range(1000)]
        for user in many:
            emu.ctl.send_text(user, "hi")
        async with outbound_to(emu) as outbound, trio.open_nursery() as nursery:
            for i in range(100):
                nursery.start_soon(
                    outbound.call, "sendMessage", {"chat_id": one.id, "text": f"m{i}"}
                )
                await trio.lowlevel.checkpoint()
            for user in many:
                nursery.start_soon(
                    outbound.call, "sendMessage", {"chat_id": user.id, "text": "news"}
                )
        assert [m["text"] for m in emu.ctl.bot_messages(one)] == [f"m{i}" for i in range(100)]
        assert all(len(emu.ctl.bot_messages(user)) == 1 for user in many)
        throttled = [c for c in emu.calls if c.status == 429]
        assert throttled == []
        emu.assert_no_violations()


async def test_403_marks_the_user_blocked(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        ann = bot.user("Ann")
        await ann.send("/start")
        await ann.next_message()
        store = bot.tree.root.child("store")
        telegram_emulator.faults.inject(FaultKind.BLOCKED, method="sendMessage")
        await ann.send("anyone there?")  # the hint in reply meets 403
        with trio.fail_after(10):
            while True:
                user = await store.read("default", lambda tx: tx.users.find(ann.id))
                if user is not None and user.blocked_bot:
                    break
                await trio.sleep(0.05)
        await ann.send("/start")  # writing again unblocks: the menu arrives
        assert "Ann" in (await ann.next_message())["text"]
        with trio.fail_after(10):
            while (await store.read("default", lambda tx: tx.users.get(ann.id))).blocked_bot:
                await trio.sleep(0.05)
