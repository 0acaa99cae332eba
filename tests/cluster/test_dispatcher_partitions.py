"""The dispatcher's side of ownership, on MockClock with the tenant's real update path
(tests/actors/test_flow_control.py): it handles only the partitions it owns, reads back what
another instance committed, and lets go of released partitions without losing anything."""

from __future__ import annotations

import orjson
import trio
from trio.testing import MockClock

from trt_actors.actors.dispatcher import SWEEP_EVERY, Release, Take
from trt_actors.cluster import PARTITIONS, partition_of
from trt_actors.domain import texts
from trt_actors.storage import InboxState

from ..actors.test_flow_control import TENANT, Tenant, message, tenant

ALL = frozenset(range(PARTITIONS))


def users_in(partition: int, count: int, start: int = 1) -> list[int]:
    found, user = [], start
    while len(found) < count:
        if partition_of(user) == partition:
            found.append(user)
        user += 1
    return found


async def commit_elsewhere(world: Tenant, update_id: int, user: int, text: str) -> None:
    """What another instance does: the row in the shared inbox, no hand-off here."""
    update = message(update_id, user, text)
    await world.store.inbox.append(
        TENANT, update_id, orjson.dumps(update), partition=partition_of(user)
    )


async def test_rows_another_instance_committed_are_found_by_the_sweep(
    autojump_clock: MockClock,
) -> None:
    async with tenant() as world:
        [user] = users_in(7, 1)
        await commit_elsewhere(world, 1, user, "/start")
        await trio.sleep(SWEEP_EVERY + 1)
        assert [chat for chat in world.bot.chats] == [user]
        await world.receive(message(2, user, "hello"))  # and its own, as usual
        await trio.sleep(3)
        assert world.bot.chats == [user, user]
    assert world.crashes == []


async def test_a_notice_makes_the_owner_read_at_once(autojump_clock: MockClock) -> None:
    async with tenant() as world:
        [user] = users_in(9, 1)
        await commit_elsewhere(world, 1, user, "/start")
        world.backlog.notified([9])
        await trio.sleep(0.5)  # well before the next sweep
        assert world.bot.chats == [user]


async def test_updates_of_partitions_it_does_not_own_are_left_for_their_owner(
    autojump_clock: MockClock,
) -> None:
    async with tenant() as world:
        [mine] = users_in(1, 1)
        [theirs] = users_in(2, 1)
        release = Release(frozenset([2]), grace=0.0)
        await world.dispatcher.send(release)
        await release.done.wait()
        await world.receive(message(1, theirs, "/start"))
        await world.receive(message(2, mine, "/start"))
        await trio.sleep(SWEEP_EVERY * 2)
        assert world.bot.chats == [mine]
        row = await world.store.read(TENANT, lambda tx: tx.inbox.get(1))
        assert row.state is InboxState.PENDING  # safe in the inbox for partition 2's owner
        # taking the partition back reads it
        await world.dispatcher.ask(Take({2: None}), 5)
        await trio.sleep(1)
        assert world.bot.chats == [mine, theirs]


async def test_a_release_drops_what_waits_and_lets_sessions_finish(
    autojump_clock: MockClock,
) -> None:
    async with tenant() as world:
        world.bot.latency = 0.5
        users = users_in(3, 300)
        for n, user in enumerate(users):
            await world.receive(message(n + 1, user, "/start"))
        await trio.sleep(0.1)
        in_hand = world.backlog.in_flight
        assert in_hand > 0 and world.backlog.waiting > 0
        release = Release(frozenset([3]), grace=5.0)
        await world.dispatcher.send(release)
        with trio.fail_after(10):
            await release.done.wait()
        assert (world.backlog.waiting, world.backlog.in_flight) == (0, 0)
        assert len(world.bot.sent) == in_hand  # those in hand finished; the rest wait
        pending = await world.store.inbox.pending_ids(TENANT, [3])
        assert len(pending) == len(users) - in_hand
        assert len(world.sessions) == 0  # their sessions stopped
    assert world.crashes == []


async def test_an_earlier_update_another_instance_took_is_handled_first(
    autojump_clock: MockClock,
) -> None:
    """Telegram sends a chat's next update only after the previous one was acknowledged —
    here by another instance, whose notice has not arrived: the owner's own intake gets the
    next one, and still the user's updates are handled in their order."""
    async with tenant() as world:
        [user] = users_in(11, 1)
        await world.dispatcher.ask(Take({11: 4}), 5)  # shared: owned under a fencing token
        await commit_elsewhere(world, 1, user, "/start")
        await world.receive(message(2, user, "hello"))
        await trio.sleep(1)  # well before the next periodic sweep
        texts_sent = [text for _, _, text in world.bot.sent]
        assert texts_sent == [texts.text("en", "welcome", name="U"), texts.text("en", "hint")]
    assert world.crashes == []


async def test_an_own_update_of_a_shared_partition_is_not_handled_twice(
    autojump_clock: MockClock,
) -> None:
    async with tenant() as world:
        [user] = users_in(12, 1)
        await world.dispatcher.ask(Take({12: 1}), 5)
        await world.receive(message(1, user, "/start"))
        world.backlog.notified([12])  # a notice and the sweeps find the row: already queued
        await trio.sleep(SWEEP_EVERY * 3)
        assert world.bot.chats == [user]
        row = await world.store.read(TENANT, lambda tx: tx.inbox.get(1))
        assert row.state is InboxState.DONE
