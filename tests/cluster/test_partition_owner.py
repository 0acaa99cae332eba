"""The partition owner on trio's MockClock: instances sharing one coordination backend (the
in-process one, as several owners in one process would) divide the partitions, hand them
over when one leaves, and take a dead one's after its leases expire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import trio
from trio.testing import MockClock

from trt_actors.actors import ActorRef, actor_child
from trt_actors.actors._actor import Actor
from trt_actors.actors.dispatcher import DispatcherMessage, Release, Take
from trt_actors.actors.partition_owner import LEASE_TTL, REBALANCE_EVERY, PartitionOwnerActor
from trt_actors.cluster import PARTITIONS
from trt_actors.coordination import Coordination
from trt_actors.storage import Store
from trt_actors.supervisors import Strategy, Supervisor
from trt_actors.testing.inline_store import open_inline_store

TENANT = "t"


@dataclass
class Tokens:
    """What one instance's dispatcher was told."""

    owned: dict[int, int | None] = field(default_factory=dict)
    released: list[frozenset[int]] = field(default_factory=list)
    resumed: set[int] = field(default_factory=set)
    stopped: set[int] = field(default_factory=set)


class RecordingDispatcher(Actor[DispatcherMessage]):
    def __init__(self, seen: Tokens) -> None:
        self.seen = seen

    async def handle(self, message: DispatcherMessage) -> int | None:
        if isinstance(message, Take):
            self.seen.owned.update(message.tokens)
            return 0
        if isinstance(message, Release):
            for partition in message.partitions:
                self.seen.owned.pop(partition, None)
            self.seen.released.append(message.partitions)
            message.done.set()
        return None


@dataclass
class Instance:
    name: str
    seen: Tokens
    root: Supervisor
    scope: trio.CancelScope


@asynccontextmanager
async def world() -> AsyncIterator[tuple[Coordination, Store]]:
    async with open_inline_store(clock=lambda: int(trio.current_time() * 1000)) as store:
        yield Coordination(), store


async def start(
    nursery: trio.Nursery, coordination: Coordination, store: Store, name: str
) -> Instance:
    seen = Tokens()
    dispatcher_spec, dispatcher = actor_child(
        "dispatcher", lambda: RecordingDispatcher(seen), capacity=100
    )
    ref: ActorRef[DispatcherMessage] = dispatcher

    async def taken(partitions: frozenset[int]) -> None:
        seen.resumed |= partitions

    async def released(partitions: frozenset[int]) -> None:
        seen.stopped |= partitions

    owner_spec, _ = actor_child(
        "partitions",
        lambda: PartitionOwnerActor(
            TENANT,
            coordination,
            store,
            ref,
            name,
            fenced=True,
            on_taken=taken,
            on_released=released,
        ),
        shutdown=5.0,
    )
    root = Supervisor(name, [dispatcher_spec, owner_spec], strategy=Strategy.REST_FOR_ONE)
    scope = trio.CancelScope()

    async def run(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with scope:
            await root.run(task_status=task_status)

    await nursery.start(run)
    return Instance(name, seen, root, scope)


async def test_one_instance_owns_every_partition_at_start(autojump_clock: MockClock) -> None:
    async with world() as (coordination, store), trio.open_nursery() as nursery:
        alone = await start(nursery, coordination, store, "a")
        assert sorted(alone.seen.owned) == list(range(PARTITIONS))  # before it reported started
        assert all(token is not None for token in alone.seen.owned.values())
        assert alone.seen.resumed == set(range(PARTITIONS))
        nursery.cancel_scope.cancel()


async def test_a_second_instance_takes_half_and_gets_it_back_when_it_stops(
    autojump_clock: MockClock,
) -> None:
    async with world() as (coordination, store), trio.open_nursery() as nursery:
        a = await start(nursery, coordination, store, "a")
        b = await start(nursery, coordination, store, "b")
        await trio.sleep(5)
        assert set(a.seen.owned).isdisjoint(b.seen.owned)
        assert len(a.seen.owned) + len(b.seen.owned) == PARTITIONS
        assert abs(len(a.seen.owned) - len(b.seen.owned)) <= 2
        given = set().union(*a.seen.released)  # a gave b's share back before b took it
        assert given == set(b.seen.owned) and a.seen.stopped == given
        b.root.request_stop()  # a graceful stop: its partitions are given back at once
        await trio.sleep(REBALANCE)
        assert sorted(a.seen.owned) == list(range(PARTITIONS))
        nursery.cancel_scope.cancel()


REBALANCE = 2.0  # a rebalance or two


async def test_a_dead_instances_partitions_are_taken_after_its_leases_expire(
    autojump_clock: MockClock,
) -> None:
    async with world() as (coordination, store), trio.open_nursery() as nursery:
        a = await start(nursery, coordination, store, "a")
        b = await start(nursery, coordination, store, "b")
        await trio.sleep(5)
        b_share = set(b.seen.owned)
        tokens_before = {p: b.seen.owned[p] for p in b_share}
        b.scope.cancel()  # dies: no hand-back, its leases just stop being renewed
        died_at = trio.current_time()
        while set(a.seen.owned) != set(range(PARTITIONS)):
            await trio.sleep(0.1)
        took = trio.current_time() - died_at
        assert LEASE_TTL - REBALANCE_EVERY <= took <= LEASE_TTL + REBALANCE
        # every partition taken over carries a newer fencing token than the dead one's
        assert all(a.seen.owned[p] > tokens_before[p] for p in b_share)  # type: ignore[operator]
        assert a.seen.resumed >= b_share
        nursery.cancel_scope.cancel()
