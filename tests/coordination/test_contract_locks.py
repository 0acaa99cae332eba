"""Keyed lock contract: mutual exclusion, owner-checked release, TTL expiry, deadlines."""

from __future__ import annotations

import pytest
import trio

from trt_actors.coordination import Coordination, LockExpired, LockTimeout


async def test_mutual_exclusion_under_concurrency(
    coord: Coordination, contract_clock: object
) -> None:
    inside = 0
    most_inside = 0
    done = 0

    async def worker() -> None:
        nonlocal inside, most_inside, done
        async with coord.lock("user:1", ttl=5.0, timeout=10.0):
            inside += 1
            most_inside = max(most_inside, inside)
            await trio.sleep(0.01)
            inside -= 1
            done += 1

    async with trio.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(worker)
    assert most_inside == 1
    assert done == 10


async def test_ttl_expiry_frees_a_lock_whose_owner_vanished(
    coord: Coordination, contract_clock: object
) -> None:
    assert await coord.try_lock("user:1", "crashed-owner", 0.3) is not None
    started = trio.current_time()
    async with coord.lock("user:1", ttl=1.0, timeout=3.0) as held:
        waited = trio.current_time() - started
        assert held.owner != "crashed-owner"
    assert 0.2 <= waited <= 1.5


async def test_acquire_deadline_raises_lock_timeout(
    coord: Coordination, contract_clock: object
) -> None:
    assert await coord.try_lock("user:1", "other", 10.0) is not None
    started = trio.current_time()
    with pytest.raises(LockTimeout):
        async with coord.lock("user:1", ttl=1.0, timeout=0.2):
            pytest.fail("acquired a held lock")
    assert trio.current_time() - started < 1.0


async def test_release_is_owner_checked(coord: Coordination, contract_clock: object) -> None:
    held = await coord.try_lock("user:1", "a", 0.3)
    assert held is not None
    await trio.sleep(0.45)
    other = await coord.try_lock("user:1", "b", 10.0)
    assert other is not None
    assert await coord.unlock(held) is False  # expired: b's lock is not a's to free
    assert await coord.try_lock("user:1", "c", 10.0) is None
    assert await coord.unlock(other) is True
    assert await coord.try_lock("user:1", "c", 10.0) is not None


async def test_lock_is_released_on_exit_and_on_error(
    coord: Coordination, contract_clock: object
) -> None:
    async with coord.lock("user:1", ttl=10.0, timeout=1.0):
        pass
    with pytest.raises(KeyError):
        async with coord.lock("user:1", ttl=10.0, timeout=1.0):
            raise KeyError("x")
    assert await coord.try_lock("user:1", "b", 1.0) is not None


async def test_body_past_ttl_is_cancelled_and_raises(
    coord: Coordination, contract_clock: object
) -> None:
    reached_end = False
    with pytest.raises(LockExpired):
        async with coord.lock("user:1", ttl=0.2, timeout=1.0):
            await trio.sleep(5)
            reached_end = True
    assert not reached_end
