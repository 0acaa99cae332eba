"""What a user costs in memory while their session runs, and once it rests: a census of the
objects the service holds for them.

    .venv/bin/python scripts/bench_session_memory.py              # 1,000 new users
    .venv/bin/python scripts/bench_session_memory.py --users 3000 --top 30

The whole service runs in this process (the test kit, `trt_actors/testing/kit.py`: the real
tree on a fresh SQLite file, the Telegram emulator as its Bot API), twice:

1. **running**: N new users send /start and are answered while their session actors still
   run (the rest is set far beyond the measurement);
2. **resting**: the same, then every session actor rests (`SESSION_REST` set to half a
   second) and leaves the user's state in memory (`actors/resident_states.py`).

Each time the objects the garbage collector tracks are counted before and after (collected
and unfrozen first: the service freezes what survives, `service.py`), and each new object is
sized with `sys.getsizeof` (an instance's `__dict__` included). What the emulator keeps for
its chats (anything new reachable from it) is left out. Objects the collector does not track
(strings, numbers, bytes) are not counted, so the figures are a floor; the side-by-side
benchmark's RSS is the ceiling (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import collections
import gc
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from trt_actors.app import tree
from trt_actors.testing.kit import BotService, clean_environment, running_bot

ANSWER_DEADLINE = 300.0
LONG_REST = 3600.0  # phase 1: no session actor ends while it is measured
SHORT_REST = 0.5  # phase 2: every session actor rests at once
SHARED = 8192  # bytes: an object this big is a container shared by many users


def _tracked() -> dict[int, Any]:
    """Every object the collector tracks now, by id (the frozen ones included)."""
    gc.unfreeze()
    gc.collect()
    return {id(o): o for o in gc.get_objects()}


CONTAINERS = (dict, list, set, frozenset, tuple, collections.deque, collections.OrderedDict)


def _emulators(root: object, among: dict[int, Any]) -> set[int]:
    """The ids of the objects in `among` that the emulator `root` keeps: reachable from it
    through containers, events and the emulators' own objects (not through functions, modules
    or the service's objects)."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        for child in gc.get_referents(todo.pop()):
            key = id(child)
            if key in seen:
                continue
            ours = type(child).__module__.startswith("trt_actors.emulators")
            if isinstance(child, (*CONTAINERS, trio.Event)) or ours:
                seen.add(key)
                todo.append(child)
    return seen & among.keys()


def _size(obj: object) -> int:
    size = sys.getsizeof(obj)
    if not isinstance(obj, type):
        try:
            own = object.__getattribute__(obj, "__dict__")
        except AttributeError:
            return size
        if isinstance(own, dict):
            size += sys.getsizeof(own)
    return size


@contextmanager
def _no_freezing() -> Iterator[None]:
    """The service freezes survivors after each collection: off while objects are counted."""
    kept = list(gc.callbacks)
    gc.callbacks.clear()
    try:
        yield
    finally:
        gc.callbacks.extend(kept)


async def _answered(bot: BotService, users: list[Any]) -> None:
    ctl = bot.emulator.ctl
    with trio.fail_after(ANSWER_DEADLINE):
        while not all(ctl.bot_messages(user) for user in users):  # noqa: ASYNC110 — polls the emulator
            await trio.sleep(0.05)


@dataclass
class Census:
    """What the new users left held: bytes and objects by type (containers shared by all
    users apart), and how many session actors still ran."""

    sizes: collections.Counter[str] = field(default_factory=collections.Counter)
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    shared: int = 0  # bytes in objects above SHARED: containers every user filled a little
    running: int = 0


async def census(users: int, rest: float, data_dir: Path) -> Census:
    """New users answered, their sessions running or resting (by `rest`): what they hold."""
    clean_environment()
    tree.SESSION_REST = rest
    async with running_bot(
        data_dir, telegram_rate_scale=100.0, user_updates_per_second=0, log_level="warning"
    ) as bot:
        ctl = bot.emulator.ctl
        warm = [ctl.user(f"Warm{i}", language_code="en") for i in range(20)]
        for user in warm:
            ctl.send_command(user, "start")
        await _answered(bot, warm)
        tenant = bot.tree.tenant_subtree("default")
        assert tenant is not None
        sessions = tenant.child("sessions")
        if rest < LONG_REST:
            while sessions.describe():  # noqa: ASYNC110 — polls the supervisor
                await trio.sleep(0.1)
        with _no_freezing():
            bot.events.clear()
            before = _tracked()  # kept alive: no id of theirs is taken by a new object
            people = [ctl.user(f"User{i}", language_code="en") for i in range(users)]
            for n, user in enumerate(people):
                ctl.send_command(user, "start")
                if n % 50 == 0:
                    await trio.sleep(0.01)
            await _answered(bot, people)
            if rest < LONG_REST:
                with trio.fail_after(ANSWER_DEADLINE):
                    while sessions.describe():  # noqa: ASYNC110 — polls the supervisor
                        await trio.sleep(0.1)
            await trio.sleep(1.0)  # replies' leftovers settle
            bot.events.clear()
            found = Census(running=len(sessions.keys()))
            after = _tracked()
            new = {key: obj for key, obj in after.items() if key not in before}
            emulator = _emulators(bot.emulator, new)
            for key, obj in new.items():
                if key in emulator:
                    continue
                size = _size(obj)
                if size > SHARED:  # one container all users filled, not a user's own
                    found.shared += size
                    continue
                found.sizes[type(obj).__qualname__] += size
                found.counts[type(obj).__qualname__] += 1
            del new, after
    return found


def _report(title: str, users: int, found: Census, top: int) -> None:
    own = sum(found.sizes.values())
    sizes, counts = found.sizes, found.counts
    print(f"## {title}: {users:,} new users answered, {found.running:,} session actors running")
    print(
        f"held: {(own + found.shared) / 1e6:.1f} MB; without the containers shared by all "
        f"users, grown by the burst ({found.shared / 1e6:.1f} MB): "
        f"**{own / users:,.0f} B per user**"
    )
    print()
    print("| B per user | objects per user | type |")
    print("|---|---|---|")
    for name, size in sizes.most_common(top):
        print(f"| {size / users:,.0f} | {counts[name] / users:.2f} | {name} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--top", type=int, default=20, help="types to show")
    args = parser.parse_args()
    for title, rest in (("running", LONG_REST), ("resting", SHORT_REST)):
        with tempfile.TemporaryDirectory(prefix="trt-session-memory-") as data_dir:
            measured = trio.run(census, args.users, rest, Path(data_dir))
        _report(title, args.users, measured, args.top)


if __name__ == "__main__":
    main()
