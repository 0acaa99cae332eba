"""A flooding user is slowed, not the bot: past a burst and a pace, their presses are answered
without work (the callback answer still comes, so no button spins) and the flood gets one
notice; money, files and other users are never held back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from trt_actors.actors.flood_limit import FloodGate, FloodLimit
from trt_actors.domain.texts import text
from trt_actors.domain.updates import read
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import running_bot

FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)


def press(n: int) -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    message = {"message_id": 1, "date": 1, "chat": {"id": 7, "type": "private"}, "text": "menu"}
    query = {"id": f"q{n}", "from": user, "message": message, "data": "v1|?", "chat_instance": "1"}
    return {"update_id": n, "callback_query": query}


def payment(n: int) -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Ann"}
    paid = {"currency": "XTR", "total_amount": 50, "invoice_payload": "p",
            "telegram_payment_charge_id": f"c{n}", "provider_payment_charge_id": ""}  # fmt: skip
    message = {"message_id": n, "date": 1, "chat": {"id": 7, "type": "private"}, "from": user,
               "successful_payment": paid}  # fmt: skip
    return {"update_id": n, "message": message}


def test_past_the_burst_presses_wait_for_the_pace_and_payments_never_do() -> None:
    gate = FloodGate(FloodLimit(rate=2, burst=5))
    presses = [gate.passes(read(press(n)), now=0.0) for n in range(8)]
    assert presses == [True] * 5 + [False] * 3
    assert all(gate.passes(read(payment(n)), now=0.0) for n in range(20))  # money: always
    assert not gate.passes(read(press(9)), now=0.4)
    assert gate.passes(read(press(10)), now=0.5)  # one token back at 2 per second
    assert FloodGate(FloodLimit(rate=0, burst=1)).passes(read(press(1)), now=0.0)  # off


def test_a_slowed_press_is_answered_and_the_flood_gets_one_notice() -> None:
    gate = FloodGate(FloodLimit(rate=1, burst=1))
    first = gate.slowed(read(press(1)), "en", now=10.0)
    assert [call.method for call in first] == ["answerCallbackQuery", "sendMessage"]
    assert first[0].params["text"] == text("en", "flood_toast")
    assert first[1].params["text"] == text("en", "flood_notice")
    again = gate.slowed(read(press(2)), "en", now=30.0)
    assert [call.method for call in again] == ["answerCallbackQuery"]  # no second notice
    later = gate.slowed(read(press(3)), "en", now=75.0)
    assert [call.method for call in later] == ["answerCallbackQuery", "sendMessage"]


async def test_a_flooding_user_gets_every_press_answered_and_one_notice_while_others_go_on(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(
            tmp_path, emulator=emulator, limits=FAST, user_updates_per_second=1,
            user_updates_burst=3,
        ) as bot,
    ):  # fmt: skip
        ann, bob = bot.user("Ann", language_code="en"), bot.user("Bob", language_code="en")
        await ann.send("/menu")
        menu = await ann.next_message()
        ctl = emulator.ctl
        queries = [ctl.forge_callback(ann.id, menu["message_id"], "v1|?") for _ in range(30)]
        await bob.send("/menu")  # meanwhile, another user
        assert (await bob.next_message())["reply_markup"]
        with trio.fail_after(30):  # every press answered: no button spins
            while ctl.unanswered_callbacks():
                await trio.sleep(0.02)
        answers = [ctl.callback_answer(query) or {} for query in queries]
        slowed = [a for a in answers if a.get("text") == text("en", "flood_toast")]
        assert 20 <= len(slowed) < 30  # the burst went through, the rest were slowed
        notices = [m for m in ann.messages() if m.get("text") == text("en", "flood_notice")]
        assert len(notices) == 1
