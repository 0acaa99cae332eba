"""Per-user order: one user's updates are handled in the order sent, others go on meanwhile."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall, Outcome
from trt_actors.domain.updates import Incoming, Kind
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.testing.basic_bot import BasicBot
from trt_actors.testing.kit import running_bot


class Recorder(BasicBot):
    """Remembers every text in the session state; answers "done?" with what it saw."""

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        if incoming.kind is Kind.TEXT and incoming.text != "done?":
            return Outcome({**state, "seen": [*state.get("seen", []), incoming.text]})
        if incoming.kind is Kind.TEXT:
            seen = ",".join(state.get("seen", []))
            return Outcome(
                dict(state), [BotCall("sendMessage", {"chat_id": incoming.chat_id, "text": seen})]
            )
        return super().__call__(state, incoming, context)


async def test_50_updates_of_one_user_in_order_while_others_proceed(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator, handler=Recorder()) as bot:
        ann = bot.user("Ann")
        others = [bot.user(f"Other{i}") for i in range(5)]
        for i in range(50):
            await ann.send(f"m{i}")
            if i % 10 == 0:
                for other in others:
                    await other.send("/start")
        await ann.send("done?")
        summary = await ann.next_message(timeout=20)
        assert summary["text"] == ",".join(f"m{i}" for i in range(50))
        for other in others:  # five /start menus each, paced to one per second per chat
            for _ in range(5):
                assert other.user.first_name in (await other.next_message(timeout=10))["text"]
