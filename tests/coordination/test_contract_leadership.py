"""Leadership contract: one leader at a time, cancelled at once when its lease is lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import pytest
import trio

from trt_actors.coordination import Coordination, Leader, leadership, run_as_leader

TTL = 0.6


async def test_body_runs_as_leader_and_releases(
    coord: Coordination, contract_clock: object
) -> None:
    async with leadership(coord, "setter", ttl=TTL, owner="a") as leader:
        assert leader.lease.owner == "a"
        assert await coord.acquire_lease("setter", "b", TTL) is None
        await trio.sleep(TTL * 1.3)  # past the first expiry: renewed in the background
        assert await coord.acquire_lease("setter", "b", TTL) is None
    assert not leader.lost
    assert await coord.acquire_lease("setter", "b", TTL) is not None


async def test_body_cancelled_at_once_when_lease_taken(
    coord: Coordination, contract_clock: object
) -> None:
    cancelled_at: list[float] = []
    async with leadership(coord, "setter", ttl=TTL, owner="a") as leader:
        # Someone frees the lease behind the leader's back and another owner takes it.
        assert await coord.release_lease(leader.lease)
        thief = await coord.acquire_lease("setter", "b", 30.0)
        assert thief is not None
        taken_at = trio.current_time()
        try:
            await trio.sleep_forever()
        finally:
            cancelled_at.append(trio.current_time())
    assert leader.lost
    assert leader.lost_reason == "taken"
    # Noticed at the next renewal (a third of the TTL), long before the old lease's end.
    assert cancelled_at[0] - taken_at <= TTL / 3 + 0.2
    assert thief.token > leader.token
    # The thief's lease was not released by the old leader on exit.
    assert await coord.renew_lease(thief, 30.0) is not None


async def test_body_exception_propagates_unwrapped_and_lease_released(
    coord: Coordination, contract_clock: object
) -> None:
    with pytest.raises(ValueError, match="boom"):
        async with leadership(coord, "setter", ttl=TTL, owner="a"):
            raise ValueError("boom")
    assert await coord.acquire_lease("setter", "b", TTL) is not None


async def test_outer_cancellation_releases_the_lease(
    coord: Coordination, contract_clock: object
) -> None:
    with trio.move_on_after(TTL / 2):
        async with leadership(coord, "setter", ttl=TTL, owner="a"):
            await trio.sleep_forever()
    assert await coord.acquire_lease("setter", "b", TTL) is not None


async def test_one_leader_at_a_time_and_takeover(
    coord: Coordination, contract_clock: object
) -> None:
    active = 0
    most_active = 0
    order: list[str] = []
    tokens: list[int] = []

    def body_for(name: str) -> Callable[[Leader], Awaitable[None]]:
        async def body(leader: Leader) -> None:
            nonlocal active, most_active
            active += 1
            most_active = max(most_active, active)
            order.append(name)
            tokens.append(leader.token)
            try:
                await trio.sleep(0.15)
            finally:
                active -= 1

        return body

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            for i in range(3):
                campaign = partial(run_as_leader, coord, "broadcaster", body_for(f"c{i}"), ttl=TTL)
                await nursery.start(campaign)
    assert most_active == 1
    assert sorted(order) == ["c0", "c1", "c2"]
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == 3
