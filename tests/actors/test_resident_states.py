"""A resting user's state stays in memory: their session actor ends after a short rest and the
next one takes the state up without reading storage — unless the user's partition was owned
elsewhere meanwhile (another fencing token), or the state is too old. On trio's MockClock,
with the tenant's update path of tests/actors/test_flow_control.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from trt_actors.actors.dispatcher import Take
from trt_actors.actors.resident_states import ResidentStates
from trt_actors.cluster import PARTITIONS, partition_of
from trt_actors.domain.context import Context
from trt_actors.domain.effects import Outcome
from trt_actors.domain.updates import Incoming
from trt_actors.storage import InboxState, Session, Sessions, Tx
from trt_actors.testing.basic_bot import BasicBot

from .test_flow_control import Tenant, message, tenant

USER = 7100
REST = 10.0  # seconds without an update before a session actor ends
KEEP = 300.0  # seconds a state stays after it was left


class Watching(BasicBot):
    """The basic bot, noting the state each update was handled with."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        self.seen.append(dict(state))
        return super().__call__(state, incoming, context)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The users whose session state was read from storage, in order."""
    read: list[int] = []
    load = Sessions.load

    def counted(self: Sessions, user_id: int) -> Session:
        read.append(user_id)
        return load(self, user_id)

    monkeypatch.setattr(Sessions, "load", counted)
    return read


async def answered(world: Tenant, update_id: int) -> None:
    with trio.fail_after(30):
        while (await world.store.read("t", lambda tx: tx.inbox.get(update_id))).state is not (
            InboxState.DONE
        ):
            await trio.sleep(0.1)


async def rested(world: Tenant) -> None:
    with trio.fail_after(REST * 3):
        while world.sessions.keys():
            await trio.sleep(1)


async def test_a_returning_user_is_handled_with_the_state_left_without_reading_storage(
    autojump_clock: MockClock, loads: list[int]
) -> None:
    resident = ResidentStates(KEEP, 1000)
    bot = Watching()
    async with tenant(handler=bot, idle_after=REST, resident=resident) as world:
        await world.receive(message(1, USER, "/start"))
        await answered(world, 1)
        await rested(world)  # the actor ended; the state rests
        assert len(resident) == 1
        await world.receive(message(2, USER, "hello"))
        await answered(world, 2)
        reads = loads.count(USER)
        stored = await world.store.read("t", lambda tx: tx.sessions.load(USER))
    assert bot.seen[1]["screen"] == "main"  # what /start left
    assert bot.seen[1]["recent_updates"] == [1]
    assert reads == 1  # only the first actor read storage
    assert stored.version == 2 and stored.state["recent_updates"] == [1, 2]
    assert [method for _, method, _ in world.bot.sent] == ["sendMessage", "sendMessage"]
    assert world.crashes == []


async def test_a_state_older_than_its_keep_is_read_from_storage_again(
    autojump_clock: MockClock, loads: list[int]
) -> None:
    resident = ResidentStates(KEEP, 1000)
    async with tenant(handler=Watching(), idle_after=REST, resident=resident) as world:
        await world.receive(message(1, USER, "/start"))
        await answered(world, 1)
        await trio.sleep(REST + KEEP + 1)
        await world.receive(message(2, USER, "hello"))
        await answered(world, 2)
    assert loads.count(USER) == 2
    assert world.crashes == []


async def test_a_state_left_under_another_fencing_token_is_not_used(
    autojump_clock: MockClock, loads: list[int]
) -> None:
    """The user's partition went to another instance, which handled an update and changed the
    state, and came back under a newer token: the session reads what the other one saved,
    rather than deciding on the old state (and crashing on the version conflict)."""
    resident = ResidentStates(KEEP, 1000)
    bot = Watching()
    partition = partition_of(USER)
    async with tenant(handler=bot, idle_after=REST, resident=resident) as world:
        await world.dispatcher.ask(Take(dict.fromkeys(range(PARTITIONS), 1)), 5)
        await world.receive(message(1, USER, "/start"))
        await answered(world, 1)
        await rested(world)

        def elsewhere(tx: Tx) -> None:  # another instance, under token 2
            tx.fences.hold(partition, 2)
            state = {"language": "en", "screen": "elsewhere", "recent_updates": [1, 2]}
            tx.sessions.save(USER, state, expected_version=1)

        await world.store.run("t", elsewhere)
        await world.dispatcher.ask(Take({partition: 3}), 5)  # back here, a newer token
        await world.receive(message(3, USER, "hello"))
        await answered(world, 3)
        stored = await world.store.read("t", lambda tx: tx.sessions.load(USER))
    assert [seen.get("screen") for seen in bot.seen] == [None, "elsewhere"]
    assert stored.version == 3 and stored.state["recent_updates"] == [1, 2, 3]
    assert world.crashes == []


def test_states_are_dropped_oldest_first_beyond_the_limit() -> None:
    resident = ResidentStates(KEEP, 2)
    for user in (1, 2, 3):
        assert resident.leave(user, {"n": user}, 1, None, now=float(user))
    assert resident.take(1, now=4.0) is None
    taken = resident.take(2, now=4.0)
    assert taken is not None and taken.state() == {"n": 2} and taken.version == 1
    assert resident.take(2, now=4.0) is None  # taken once: the new actor owns it now


def test_leaving_again_renews_a_state_and_its_keep() -> None:
    resident = ResidentStates(10.0, 10)
    resident.leave(1, {"v": 1}, 1, None, now=0.0)
    resident.leave(2, {"v": 1}, 1, None, now=5.0)
    resident.leave(1, {"v": 2}, 2, None, now=8.0)
    assert resident.take(2, now=16.0) is None  # left at 5: gone at 15
    taken = resident.take(1, now=16.0)
    assert taken is not None and taken.state() == {"v": 2} and taken.version == 2


def test_a_state_json_cannot_hold_is_not_kept_and_storage_answers_instead() -> None:
    resident = ResidentStates(10.0, 10)
    resident.leave(1, {"v": 1}, 1, None, now=0.0)
    assert not resident.leave(1, {"v": 2**70}, 2, None, now=1.0)
    assert resident.take(1, now=1.0) is None  # not the older one either
