"""A stale owner cannot write: a session whose partition moved to another instance while it
was mid-update has its save refused by the fencing token; the successor's state stands, the
update stays pending for the successor, and nothing crashes."""

from __future__ import annotations

import trio
from trio.testing import MockClock

from trt_actors.actors.dispatcher import Take
from trt_actors.cluster import PARTITIONS, partition_of
from trt_actors.storage import InboxState

from ..actors.test_flow_control import TENANT, message, tenant

USER = 4242


async def test_a_session_that_lost_its_partition_mid_update_writes_nothing(
    autojump_clock: MockClock,
) -> None:
    partition = partition_of(USER)
    async with tenant() as world:
        # this instance owns the partition under token 100 (the others too, unfenced)
        tokens: dict[int, int | None] = dict.fromkeys(range(PARTITIONS))
        tokens[partition] = 100
        await world.dispatcher.ask(Take(tokens), 5)
        world.bot.latency = 3.0  # the reply takes a while: the session is mid-update then
        await world.receive(message(1, USER, "/start"))
        await trio.sleep(1)
        # meanwhile the partition moved: its new owner (token 200) handled the user
        await world.store.run(TENANT, lambda tx: tx.users.upsert(USER, first_name="Successor"))
        await world.store.run(TENANT, lambda tx: tx.fences.hold(partition, 200))
        await world.store.run(
            TENANT,
            lambda tx: tx.sessions.save(USER, {"screen": "theirs"}, expected_version=0),
        )
        await trio.sleep(10)
        state = await world.store.read(TENANT, lambda tx: tx.sessions.load(USER))
        row = await world.store.read(TENANT, lambda tx: tx.inbox.get(1))
        backlog = (world.backlog.waiting, world.backlog.in_flight)
    assert state.state == {"screen": "theirs"} and state.version == 1  # the successor's
    assert row.state is InboxState.PENDING and row.attempts == 0  # left for the new owner
    assert backlog == (0, 0)
    assert world.crashes == []
