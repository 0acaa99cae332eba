"""Group membership and batch lease renewal: every backend set-up alike."""

from __future__ import annotations

import uuid

import trio

from trt_actors.coordination import Coordination

TTL = 0.3
PAST_TTL = 0.45


async def test_members_are_alive_while_they_call_and_gone_after(
    coord: Coordination, contract_clock: object
) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    assert await coord.join_group(group, "b", TTL) == ["b"]
    assert await coord.join_group(group, "a", TTL) == ["a", "b"]
    await trio.sleep(TTL / 2)
    assert await coord.join_group(group, "a", TTL) == ["a", "b"]
    await trio.sleep(TTL / 2 + 0.1)  # b did not call again within its ttl
    assert await coord.join_group(group, "a", TTL) == ["a"]
    await coord.join_group(group, "c", TTL)
    await coord.leave_group(group, "c")  # gone at once, not after its ttl
    assert await coord.join_group(group, "a", TTL) == ["a"]


async def test_renewing_many_leases_at_once_keeps_the_ones_still_held(
    coord: Coordination, contract_clock: object
) -> None:
    prefix = f"p-{uuid.uuid4().hex[:8]}"
    held = [await coord.acquire_lease(f"{prefix}:{i}", "me", TTL) for i in range(4)]
    assert all(lease is not None for lease in held)
    leases = [lease for lease in held if lease is not None]
    await coord.release_lease(leases[1])  # one released: another owner may take it
    assert await coord.acquire_lease(f"{prefix}:1", "other", TTL) is not None
    await trio.sleep(TTL / 2)
    renewed = await coord.renew_leases(leases, TTL)
    assert [lease is not None for lease in renewed] == [True, False, True, True]
    assert [r.token for r in renewed if r is not None] == [leases[i].token for i in (0, 2, 3)]
    await trio.sleep(TTL / 2 + 0.1)  # past the first ttl: only the renewal holds them
    assert await coord.acquire_lease(f"{prefix}:0", "other", TTL) is None
    await trio.sleep(PAST_TTL)
    assert await coord.acquire_lease(f"{prefix}:0", "other", TTL) is not None
    assert await coord.renew_leases([], TTL) == []
