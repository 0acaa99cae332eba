"""What several instances share through storage, on both backends: the instances registry,
partition fences, the inbox by partition, and (PostgreSQL) the inbox notifications."""

from __future__ import annotations

import pytest
import trio

from trt_actors.storage import AppendResult, Fenced, InstanceRow, Store, open_store

from .support import OTHER_TENANT, TENANT


def instance(name: str, *, seen: int = 0, serving: bool = True) -> InstanceRow:
    return InstanceRow(name, "host-a", 4242, 1_000, seen, "none", serving)


async def test_instances_register_refresh_and_leave(store: Store) -> None:
    await store.instances.beat(instance("a", serving=False))
    await store.instances.beat(instance("b"))
    await store.instances.beat(instance("a", serving=True))  # a refresh: now serving
    alive = await store.instances.alive(within_ms=60_000)
    assert [(i.instance_id, i.serving, i.coordination) for i in alive] == [
        ("a", True, "none"),
        ("b", True, "none"),
    ]
    assert all(i.seen_at > 0 for i in alive)
    await store.instances.leave("a")
    assert [i.instance_id for i in await store.instances.alive(within_ms=60_000)] == ["b"]
    await trio.sleep(0.02)
    assert await store.instances.alive(within_ms=1) == []  # b was not refreshed since
    await store.instances.leave("c", forget_before_ms=2**62)  # and old rows are forgotten
    assert await store.instances.alive(within_ms=10**12) == []


async def test_a_partition_takes_only_increasing_fencing_tokens(store: Store) -> None:
    await store.run(TENANT, lambda tx: tx.fences.hold(7, 100))
    await store.run(TENANT, lambda tx: tx.fences.hold(7, 100))  # the same owner again
    await store.run(TENANT, lambda tx: tx.fences.hold(7, 150))  # a newer owner
    with pytest.raises(Fenced) as refused:
        await store.run(TENANT, lambda tx: tx.fences.hold(7, 120))
    assert (refused.value.partition, refused.value.token, refused.value.current) == (7, 120, 150)
    # other partitions and other tenants are fenced apart
    await store.run(TENANT, lambda tx: tx.fences.hold(8, 1))
    await store.run(OTHER_TENANT, lambda tx: tx.fences.hold(7, 1))
    assert await store.read(TENANT, lambda tx: tx.fences.token(7)) == 150


async def test_a_fenced_write_keeps_nothing_of_its_transaction(store: Store) -> None:
    await store.run(TENANT, lambda tx: tx.fences.hold(3, 10))

    def stale_owner(tx: object) -> None:
        tx.users.upsert(55, first_name="Stale")  # type: ignore[attr-defined]
        tx.fences.hold(3, 9)  # type: ignore[attr-defined]

    with pytest.raises(Fenced):
        await store.run(TENANT, stale_owner)
    assert await store.read(TENANT, lambda tx: tx.users.find(55)) is None


async def test_the_inbox_by_partition(store: Store) -> None:
    for update_id, partition in [(30, 2), (10, 1), (20, 2), (40, 5)]:
        raw = b'{"update_id": %d}' % update_id
        assert await store.inbox.append(TENANT, update_id, raw, partition=partition) is (
            AppendResult.NEW
        )
    await store.inbox.append(OTHER_TENANT, 11, b"{}", partition=2)
    assert await store.inbox.pending_ids(TENANT, [2, 5]) == [(20, 2), (30, 2), (40, 5)]
    assert await store.inbox.pending_ids(TENANT, []) == []
    await store.run(TENANT, lambda tx: tx.inbox.mark_done(20))
    assert await store.inbox.pending_ids(TENANT, [2]) == [(30, 2)]
    entries = await store.inbox.entries(TENANT, [40, 30, 999])
    assert [(e.update_id, e.partition, e.payload) for e in entries] == [
        (30, 2, b'{"update_id": 30}'),
        (40, 5, b'{"update_id": 40}'),
    ]


async def test_rows_stored_before_partitions_get_theirs_once(store: Store) -> None:
    for update_id in (1, 2, 3):
        await store.inbox.append(TENANT, update_id, b'{"u": %d}' % update_id)  # partition -1
    await store.inbox.append(TENANT, 4, b'{"u": 4}', partition=9)
    assigned = await store.inbox.assign_partitions(TENANT, lambda payload: len(payload) % 7)
    assert assigned == 3
    assert await store.inbox.assign_partitions(TENANT, lambda payload: 0) == 0
    ids = await store.inbox.pending_ids(TENANT, list(range(10)))
    assert ids == [(1, 1), (2, 1), (3, 1), (4, 9)]  # len(b'{"u": 1}') % 7 == 1


async def test_postgresql_notifies_other_instances_of_each_batch(fresh_pg_url: str) -> None:
    async with (
        open_store(fresh_pg_url) as writer,
        open_store(fresh_pg_url, migrate=False) as listener,
        trio.open_nursery() as nursery,
    ):
        await nursery.start(writer.inbox.run_writer)
        assert await listener.inbox.notifications(wait=0.2) == []  # listening from now on
        await writer.inbox.append(TENANT, 1, b"{}", partition=3)  # not announced: no notice
        assert await listener.inbox.notifications(wait=0.3) == []
        writer.inbox.announce_as("instance-a")
        async with trio.open_nursery() as appends:
            for update_id, partition in [(2, 3), (3, 7), (4, 3)]:
                appends.start_soon(
                    lambda u=update_id, p=partition: writer.inbox.append(
                        TENANT, u, b"{}", partition=p
                    )
                )
        await writer.inbox.append(OTHER_TENANT, 5, b"{}", partition=1)
        seen: list[str] = []
        with trio.fail_after(5):
            while not any(OTHER_TENANT in notice for notice in seen):
                seen += await listener.inbox.notifications(wait=1.0)
        partitions = {
            (tenant, int(p))
            for notice in seen
            for part in notice.split("|")[1:]
            for tenant, ps in [part.split(":")]
            for p in ps.split(",")
        }
        assert all(notice.startswith("instance-a|") for notice in seen)
        assert partitions == {(TENANT, 3), (TENANT, 7), (OTHER_TENANT, 1)}
        nursery.cancel_scope.cancel()


async def test_sqlite_has_no_notifications_and_waits(tmp_path: object) -> None:
    async with open_store(f"sqlite:///{tmp_path}/n.db") as store:
        began = trio.current_time()
        assert await store.inbox.notifications(wait=0.2) == []
        assert trio.current_time() - began >= 0.2
