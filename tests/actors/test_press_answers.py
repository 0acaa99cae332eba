"""A button press is answered within a second whatever the work behind it, on trio's
MockClock: the tenant's update path from tests/actors/test_flow_control.py, with a store
whose reads can be made slow (a chart being drawn, an export, a database under load)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import trio
from trio.testing import MockClock

from trt_actors.actors.session import EARLY_ANSWER_AFTER
from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall, Outcome
from trt_actors.domain.updates import Incoming
from trt_actors.testing.basic_bot import BasicBot

from .test_flow_control import Tenant, message, press, tenant

USER = 7001
WORK = 3.0  # seconds the slow store takes to read


class ToastingBot(BasicBot):
    """The test bot, answering each press with a toast."""

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        outcome = super().__call__(state, incoming, context)
        calls = [
            BotCall(call.method, {**call.params, "text": "Saved"})
            if call.method == "answerCallbackQuery"
            else call
            for call in outcome.calls
        ]
        return replace(outcome, calls=calls)


def slow_reads(world: Tenant, seconds: float) -> None:
    """Every read of the store takes `seconds` longer from now on."""
    read = world.store.read

    async def slow_read(*args: Any, **kwargs: Any) -> Any:
        await trio.sleep(seconds)
        return await read(*args, **kwargs)

    world.store.read = slow_read  # type: ignore[method-assign]


async def sent_after(world: Tenant, count: int) -> list[tuple[float, str, Any]]:
    with trio.fail_after(60):
        while len(world.bot.sent) < count:
            await trio.sleep(0.01)
    return world.bot.sent


async def test_a_slow_press_is_answered_at_once_and_its_screen_follows(
    autojump_clock: MockClock,
) -> None:
    async with tenant(handler=ToastingBot()) as world:
        await world.receive(message(1, USER, "/start"))  # the user's session is up
        await sent_after(world, 1)
        slow_reads(world, WORK)
        pressed = trio.current_time()
        await world.receive(press(2, USER))
        _, (answered, method, toast), (edited, edit, _) = await sent_after(world, 3)
    assert method == "answerCallbackQuery" and toast is None  # no text: the spinner stops
    assert answered - pressed < 1.0
    assert edit == "editMessageText" and edited - pressed >= WORK  # the screen when ready
    assert [m for _, m, _ in world.bot.sent].count("answerCallbackQuery") == 1
    assert world.crashes == []


async def test_a_quick_press_keeps_its_own_answer(autojump_clock: MockClock) -> None:
    async with tenant(handler=ToastingBot()) as world:
        slow_reads(world, EARLY_ANSWER_AFTER / 4)
        await world.receive(press(1, USER))
        (_, method, toast), (_, edit, _) = await sent_after(world, 2)
        await trio.sleep(EARLY_ANSWER_AFTER * 2)
    assert (method, toast, edit) == ("answerCallbackQuery", "Saved", "editMessageText")
    assert len(world.bot.sent) == 2
