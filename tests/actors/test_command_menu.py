"""The command menu actor under trio's MockClock: every call made once, hangs cut at the
deadline and retried with backoff, only the leader registers, and readiness never waits."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio.testing import MockClock

from trt_actors.actors import actor_child
from trt_actors.actors.command_menu import CALL_DEADLINE, RETRY_INITIAL, CommandMenuActor
from trt_actors.coordination import Coordination, open_coordination
from trt_actors.domain.journey import default_routes
from trt_actors.domain.texts import LANGUAGES
from trt_actors.supervisors import Restart, Supervisor
from trt_actors.telegram.errors import TransientError

MENU = [call for language in LANGUAGES for call in default_routes().commands_for(language)]


class FakeTelegram:
    """Keeps the command lists per language; fails or hangs the first `bad` calls."""

    def __init__(self, *, bad: int = 0, hang: bool = False) -> None:
        self.bad = bad
        self.hang = hang
        self.calls: list[tuple[float, str | None]] = []
        self.lists: dict[str | None, list[dict[str, str]]] = {}

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        assert method == "setMyCommands"
        language = params.get("language_code")
        self.calls.append((trio.current_time(), language))
        if self.bad > 0:
            self.bad -= 1
            if self.hang:
                await trio.sleep_forever()
            raise TransientError("Bad Gateway")
        self.lists[language] = list(params["commands"])
        return True

    async def close(self) -> None:
        return None


@asynccontextmanager
async def menu_actor(api: FakeTelegram, coord: Coordination) -> AsyncIterator[CommandMenuActor]:
    made: list[CommandMenuActor] = []

    def factory() -> CommandMenuActor:
        made.append(CommandMenuActor(api, coord, MENU, tenant="default", rng=random.Random(3)))
        return made[-1]

    spec, _ = actor_child("command_menu", factory, restart=Restart.TRANSIENT)
    sup = Supervisor("tenant", [spec])
    async with trio.open_nursery() as nursery:
        started = trio.current_time()
        await nursery.start(sup.run)
        assert trio.current_time() == started  # started at once: readiness never waits
        yield made[0]
        sup.request_stop()


async def test_every_language_is_registered_once(autojump_clock: MockClock) -> None:
    api = FakeTelegram()
    async with open_coordination(None) as coord, menu_actor(api, coord) as actor:
        await trio.sleep(3600)
        assert actor.done.is_set()
    assert [language for _, language in api.calls] == ["ru", None, "en"]
    names = [c["command"] for c in api.lists["en"]]
    assert "start" in names and "help" in names and "menu" not in names
    assert api.lists["ru"] != api.lists["en"]  # each in its own language
    assert api.lists[None] == api.lists["ru"]  # users without a list of their own: Russian


async def test_a_hanging_call_is_cut_at_its_deadline_and_retried(autojump_clock: MockClock) -> None:
    api = FakeTelegram(bad=2, hang=True)
    async with open_coordination(None) as coord, menu_actor(api, coord) as actor:
        await actor.done.wait()
    times = [t for t, _ in api.calls]
    first_gap, second_gap = times[1] - times[0], times[2] - times[1]
    assert CALL_DEADLINE + RETRY_INITIAL * 0.75 <= first_gap <= CALL_DEADLINE + RETRY_INITIAL * 1.25
    assert second_gap >= CALL_DEADLINE + 2 * RETRY_INITIAL * 0.75  # backoff grows
    assert set(api.lists) == {"ru", None, "en"}
    assert len(api.calls) == 2 + 3  # two failures, then each call once


async def test_failures_back_off_and_never_give_up(autojump_clock: MockClock) -> None:
    api = FakeTelegram(bad=12)
    async with open_coordination(None) as coord, menu_actor(api, coord) as actor:
        await actor.done.wait()
    times = [t for t, _ in api.calls[:13]]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(later >= earlier * 1.1 or later > 200 for earlier, later in itertools.pairwise(gaps))
    assert set(api.lists) == {"ru", None, "en"}


async def test_only_the_leader_registers(autojump_clock: MockClock) -> None:
    api = FakeTelegram()
    async with open_coordination(None) as coord:
        held = await coord.acquire_lease("command_menu:default", "other-instance", 3600)
        assert held is not None
        async with menu_actor(api, coord):
            await trio.sleep(600)
        assert api.calls == []
