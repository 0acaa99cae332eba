"""Answering an update leaves no reference cycles behind.

What a cycle holds is freed only by Python's collector, whose passes stop the event loop
(a full one took 100-200 ms under load); without cycles everything an update made is freed
as soon as it is done with. A regression here shows as p99 spikes in
`scripts/bench_start.py`, long before anyone notices the memory."""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from trt_actors.app import tree
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.testing.kit import running_bot

OURS = "trt_actors."
NOT_THE_SERVICE = ("trt_actors.emulators", "trt_actors.testing")


def service_garbage(garbage: list[object]) -> Counter[str]:
    """The service's own objects among the collector's garbage, by type (functions and
    closures by their qualified name)."""
    found: Counter[str] = Counter()
    for thing in garbage:
        module = getattr(type(thing), "__module__", "") or ""
        name = type(thing).__qualname__
        if callable(thing) and hasattr(thing, "__qualname__"):
            module, name = getattr(thing, "__module__", "") or "", thing.__qualname__
        if module.startswith(OURS) and not module.startswith(NOT_THE_SERVICE):
            found[f"{module}.{name}"] += 1
    return found


@contextlib.contextmanager
def cycles_made() -> Iterator[Counter[str]]:
    """The service's objects left in cycles by what runs inside the block (filled at exit)."""
    found: Counter[str] = Counter()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.update(service_garbage(gc.garbage))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_menus_and_first_replies_leave_no_cycles(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        warm = bot.user("Warm", language_code="en")
        await warm.send("/start")
        await warm.next_message()
        users = [bot.user(f"U{n}", language_code="en") for n in range(10)]
        with cycles_made() as found:
            for user in users:  # a new user's first update, then a returning user's menus
                await user.send("/start")
                await user.next_message()
                await user.send("/menu")
                await user.next_message()
                await user.send("/help")
                await user.next_message()
    assert found == Counter(), found.most_common(20)


async def test_sessions_passivating_and_taken_up_again_leave_no_cycles(
    telegram_emulator: TelegramEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree, "SESSION_REST", 0.5)  # session actors end half a second after use
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        users = [bot.user(f"U{n}", language_code="en") for n in range(10)]
        for user in users:
            await user.send("/start")
            await user.next_message()
        sessions = bot.tree.tenant_subtree("default").child("sessions")
        with cycles_made() as found, trio.fail_after(20):
            while sessions.describe():  # every session actor has passivated
                await trio.sleep(0.1)
            for user in users:  # a new actor takes each resting state up
                await user.send("/menu")
                await user.next_message()
            while sessions.describe():
                await trio.sleep(0.1)
    assert found == Counter(), found.most_common(20)
