"""Admin operations performed again — their update handled a second time after a crash or a
replay — change nothing more and log nothing more (a real store, both kinds of entry)."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from trt_actors.domain.admin.facts import Denied, Done, StartBroadcast
from trt_actors.operations import PERFORMERS, Site
from trt_actors.storage import Store, open_store

TENANT = "default"
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite:///{tmp_path / 'admin.db'}") as opened:
        yield opened


async def perform_twice(store: Store, operation: object, update_id: int) -> list[object]:
    site = Site(TENANT, 7, update_id, NOW)
    return [
        (await store.run(TENANT, lambda tx: PERFORMERS.perform_all(tx, [operation], site)))[0]  # type: ignore[list-item]
        for _ in range(2)
    ]


async def test_a_non_admins_attempt_handled_again_is_logged_once(store: Store) -> None:
    await perform_twice(store, Denied(7, "/admin", by_command=True), update_id=100)
    await perform_twice(store, Denied(7, "/admin", by_command=True), update_id=101)
    entries = await store.read(TENANT, lambda tx: tx.audit.recent(action="denied"))
    assert len(entries) == 2  # one per update, not one per handling


async def test_a_broadcast_started_again_is_the_same_broadcast(store: Store) -> None:
    start = StartBroadcast(1, {"method": "sendMessage", "text": "News"}, key="b-100")
    first, again = await perform_twice(store, start, update_id=100)
    assert isinstance(first, Done) and first == again
    running = await store.read(TENANT, lambda tx: tx.broadcasts.running())
    assert [b.id for b in running] == [first.value]
    later = StartBroadcast(1, {"method": "sendMessage", "text": "More news"}, key="b-200")
    [other, _] = await perform_twice(store, later, update_id=200)
    assert isinstance(other, Done) and other.value != first.value
