"""A handler that crashes: the session restarts and retries, and after three failed attempts
the update is set aside and the user gets an apology with the menu — never silence."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.context import Context
from trt_actors.domain.effects import Outcome
from trt_actors.domain.updates import Incoming
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.observability.events import EventKind, current_bus
from trt_actors.storage import InboxState
from trt_actors.testing.basic_bot import BasicBot
from trt_actors.testing.kit import running_bot


class Fragile(BasicBot):
    """Crashes on "boom" always, and on "flaky" the first time only."""

    def __init__(self) -> None:
        self.flaky_failures = 0

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        if incoming.text == "boom":
            raise RuntimeError("the handler has a bug")
        if incoming.text == "flaky" and self.flaky_failures == 0:
            self.flaky_failures += 1
            raise RuntimeError("a one-off failure")
        return super().__call__(state, incoming, context)


async def test_a_crash_is_retried_and_a_poison_update_set_aside_with_an_apology(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    handler = Fragile()
    with current_bus.get().subscribe() as events:
        async with running_bot(tmp_path, emulator=telegram_emulator, handler=handler) as bot:
            ann = bot.user("Ann", language_code="en")
            await ann.send("flaky")
            assert "did not understand" in (await ann.next_message())["text"]  # retried, fine
            await ann.send("boom")
            apology = await ann.next_message()
            assert "Sorry" in apology["text"]
            assert apology["reply_markup"]["inline_keyboard"]  # the way back to the menu
            await ann.send("/start")  # the user is not stuck behind the poison update
            assert "Hi, Ann" in (await ann.next_message())["text"]
            store = bot.tree.root.child("store")
            with trio.fail_after(5):
                while True:
                    rows = await store.read("default", lambda tx: tx.inbox.pending())
                    if not rows:
                        break
                    await trio.sleep(0.05)
            boom = telegram_emulator.config.first_update_id + 1  # the second update sent
            dead = await store.read("default", lambda tx: tx.inbox.get(boom))
            assert dead.state is InboxState.DEAD and dead.attempts == 3
        crashes = [e for e in events.drain() if e.kind is EventKind.CRASHED and "user:" in e.child]
    # "flaky" crashed once; "boom" crashed twice (the second time while being retried at
    # start), and its third failure set it aside instead of crashing
    assert len(crashes) == 3
