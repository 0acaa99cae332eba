"""The durable inbox contract, on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import trio

from trt_actors.storage import (
    AppendResult,
    CreditKind,
    Currency,
    InboxState,
    InsufficientFunds,
    InvalidState,
    NotFound,
    Session,
    StorageUnavailable,
    Store,
    Tx,
    VersionConflict,
    open_store,
    serve_store,
    wall_clock_ms,
)

from .support import OTHER_TENANT, TENANT, add_users

USER = 77


async def test_append_stores_new_updates_and_ignores_duplicates(store: Store) -> None:
    raw = b'{"update_id": 10, "message": {"text": "hi"}}'
    assert await store.inbox.append(TENANT, 10, raw) is AppendResult.NEW
    assert await store.inbox.append(TENANT, 10, b"{}") is AppendResult.DUPLICATE
    assert await store.inbox.append(TENANT, 11, {"update_id": 11}) is AppendResult.NEW
    stored = await store.read(TENANT, lambda tx: [tx.inbox.get(10), tx.inbox.get(11)])
    assert stored[0].payload == raw  # the first payload is kept, byte for byte
    assert json.loads(stored[1].payload) == {"update_id": 11}
    assert all(e.state is InboxState.PENDING and e.attempts == 0 for e in stored)


async def test_the_same_update_id_in_two_tenants_is_two_updates(store: Store) -> None:
    assert await store.inbox.append(TENANT, 5, b"a") is AppendResult.NEW
    assert await store.inbox.append(OTHER_TENANT, 5, b"b") is AppendResult.NEW


async def test_many_concurrent_appends_each_learn_new_or_duplicate(store: Store) -> None:
    results: dict[tuple[int, int], AppendResult] = {}

    async def append(update_id: int, copy: int) -> None:
        results[update_id, copy] = await store.inbox.append(TENANT, update_id, b"x")

    async with trio.open_nursery() as nursery:
        for update_id in range(300):
            for copy in range(2 if update_id % 3 == 0 else 1):
                nursery.start_soon(append, update_id, copy)
    for update_id in range(300):
        copies = [r for (u, _), r in results.items() if u == update_id]
        assert copies.count(AppendResult.NEW) == 1, update_id
    pending = await store.inbox.pending(TENANT, limit=1000)
    assert [e.update_id for e in pending] == list(range(300))


async def test_pending_updates_replay_in_update_id_order(store: Store) -> None:
    for update_id in (50, 30, 90, 10, 70):
        await store.inbox.append(TENANT, update_id, b"{}")
    await store.inbox.append(OTHER_TENANT, 20, b"{}")
    await store.run(TENANT, lambda tx: tx.inbox.mark_done(30))
    pending = await store.inbox.pending(TENANT)
    assert [e.update_id for e in pending] == [10, 50, 70, 90]
    page = await store.inbox.pending(TENANT, after=50, limit=1)
    assert [e.update_id for e in page] == [70]


async def test_session_inbox_and_ledger_change_in_one_unit_of_work(store: Store) -> None:
    await add_users(store, USER)
    await store.inbox.append(TENANT, 1, b"{}")
    await store.inbox.append(TENANT, 2, b"{}")

    def handle(
        update_id: int, version: int, amount: int, held: int = 500
    ) -> Callable[[Tx], Session]:
        def unit(tx: Tx) -> Session:
            session = tx.sessions.save(USER, {"step": update_id}, expected_version=version)
            tx.inbox.mark_done(update_id)
            tx.ledger.credit(
                USER, amount, Currency.RUB, kind=CreditKind.TOPUP, key=f"u{update_id}", actor="t"
            )
            tx.ledger.hold(USER, held, Currency.RUB, key=f"h{update_id}", actor="t")
            return session

        return unit

    await store.run(TENANT, handle(1, 0, 1_000))
    with pytest.raises(InsufficientFunds):  # available 1000 - 500 + 1 < 600: all undone
        await store.run(TENANT, handle(2, 1, 1, held=600))
    with pytest.raises(VersionConflict):
        await store.run(TENANT, handle(2, 0, 1_000))

    session = await store.read(TENANT, lambda tx: tx.sessions.load(USER))
    assert (session.state, session.version) == ({"step": 1}, 1)
    pending = await store.inbox.pending(TENANT)
    assert [e.update_id for e in pending] == [2]
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, Currency.RUB))
    assert (account.balance, account.held) == (1_000, 500)


async def test_failing_updates_count_attempts_then_are_set_aside(store: Store) -> None:
    await store.inbox.append(TENANT, 1, b"{}")
    await store.inbox.append(TENANT, 2, b"{}")
    first = await store.run(
        TENANT, lambda tx: tx.inbox.record_failure(1, error="boom", max_attempts=2)
    )
    assert (first.state, first.attempts, first.last_error) == (InboxState.PENDING, 1, "boom")
    second = await store.run(
        TENANT, lambda tx: tx.inbox.record_failure(1, error="boom again", max_attempts=2)
    )
    assert (second.state, second.attempts) == (InboxState.DEAD, 2)
    with pytest.raises(InvalidState):
        await store.run(TENANT, lambda tx: tx.inbox.record_failure(1, error="x", max_attempts=2))
    await store.run(TENANT, lambda tx: tx.inbox.set_aside(2, error="poison"))
    assert await store.inbox.pending(TENANT) == []
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.inbox.mark_done(3))


async def test_retention_deletes_only_old_done_rows(store: Store) -> None:
    for update_id in range(1, 6):
        await store.inbox.append(TENANT, update_id, b"{}")
    await store.inbox.append(OTHER_TENANT, 1, b"{}")

    def finish(tx: Tx) -> None:
        for update_id in (1, 2, 3):
            tx.inbox.mark_done(update_id)

    await store.run(TENANT, finish)
    await store.run(OTHER_TENANT, lambda tx: tx.inbox.mark_done(1))
    assert await store.inbox.purge_done(TENANT, before=wall_clock_ms() - 60_000) == 0
    assert await store.inbox.purge_done(TENANT, before=wall_clock_ms() + 1) == 3
    left = await store.read(TENANT, lambda tx: [e.update_id for e in tx.inbox.pending()])
    assert left == [4, 5]
    other = await store.read(OTHER_TENANT, lambda tx: tx.inbox.get(1))
    assert other.state is InboxState.DONE  # another tenant's rows are not touched


async def test_append_without_a_writer_fails_at_once(fresh_url: str) -> None:
    async with open_store(fresh_url) as store:
        with pytest.raises(StorageUnavailable):
            await store.inbox.append(TENANT, 1, b"{}")


async def test_bad_arguments_are_refused_before_queueing(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.inbox.append(TENANT, -1, b"{}")
    with pytest.raises(ValueError):
        await store.inbox.append("", 1, b"{}")
    with pytest.raises(TypeError):
        await store.inbox.append(TENANT, 1, "text")  # type: ignore[arg-type]


async def test_serve_store_starts_migrated_with_its_writer(fresh_url: str) -> None:
    async with trio.open_nursery() as nursery:
        served: Store = await nursery.start(serve_store, fresh_url)
        assert (await served.schema_status()).up_to_date
        assert await served.inbox.append(TENANT, 1, b"{}") is AppendResult.NEW
        nursery.cancel_scope.cancel()
    assert not served.inbox.writer_running
