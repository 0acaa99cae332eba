"""Lease contract: every backend set-up grants, renews, hands over and fences alike."""

from __future__ import annotations

import dataclasses

import trio

from trt_actors.coordination import Coordination, Lease

TTL = 0.3
PAST_TTL = 0.45


async def test_two_contenders_one_wins(coord: Coordination, contract_clock: object) -> None:
    results: dict[str, Lease | None] = {}

    async def contend(owner: str) -> None:
        results[owner] = await coord.acquire_lease("job", owner, TTL)

    async with trio.open_nursery() as nursery:
        for i in range(5):
            nursery.start_soon(contend, f"owner-{i}")
    winners = [lease for lease in results.values() if lease is not None]
    assert len(winners) == 1
    assert winners[0].name == "job"
    assert winners[0].expires_at > trio.current_time()


async def test_same_owner_reacquires_same_lease(
    coord: Coordination, contract_clock: object
) -> None:
    first = await coord.acquire_lease("job", "a", TTL)
    again = await coord.acquire_lease("job", "a", TTL)
    assert first is not None and again is not None
    assert again.token == first.token


async def test_expiry_hands_over_with_a_greater_token(
    coord: Coordination, contract_clock: object
) -> None:
    a = await coord.acquire_lease("job", "a", TTL)
    assert a is not None
    assert await coord.acquire_lease("job", "b", TTL) is None
    await trio.sleep(PAST_TTL)
    b = await coord.acquire_lease("job", "b", TTL)
    assert b is not None
    assert b.token > a.token
    # The old holder can neither extend nor delete the new holder's lease.
    assert await coord.renew_lease(a, TTL) is None
    assert await coord.release_lease(a) is False
    assert await coord.renew_lease(b, TTL) is not None


async def test_fencing_token_grows_at_each_acquisition(
    coord: Coordination, contract_clock: object
) -> None:
    tokens = []
    for i in range(6):
        lease = await coord.acquire_lease("job", f"owner-{i % 2}", TTL)
        assert lease is not None
        tokens.append(lease.token)
        assert await coord.release_lease(lease) is True
    assert tokens == sorted(tokens)
    assert len(set(tokens)) == len(tokens)


async def test_renew_by_non_owner_fails(coord: Coordination, contract_clock: object) -> None:
    a = await coord.acquire_lease("job", "a", TTL)
    assert a is not None
    forged = dataclasses.replace(a, owner="intruder")
    assert await coord.renew_lease(forged, 10.0) is None
    assert await coord.release_lease(forged) is False
    stale_token = dataclasses.replace(a, token=a.token - 1)
    assert await coord.renew_lease(stale_token, 10.0) is None
    # The real owner still holds it, and it was not extended by the intruder.
    assert await coord.renew_lease(a, TTL) is not None
    await trio.sleep(PAST_TTL)
    assert await coord.acquire_lease("job", "b", TTL) is not None


async def test_renew_keeps_the_lease(coord: Coordination, contract_clock: object) -> None:
    a = await coord.acquire_lease("job", "a", TTL)
    assert a is not None
    for _ in range(3):
        await trio.sleep(TTL / 2)
        renewed = await coord.renew_lease(a, TTL)
        assert renewed is not None
        assert renewed.token == a.token
        assert renewed.expires_at > a.expires_at
        a = renewed
        assert await coord.acquire_lease("job", "b", TTL) is None


async def test_release_frees_at_once(coord: Coordination, contract_clock: object) -> None:
    a = await coord.acquire_lease("job", "a", 30.0)
    assert a is not None
    assert await coord.release_lease(a) is True
    assert await coord.release_lease(a) is False
    assert await coord.acquire_lease("job", "b", TTL) is not None


async def test_leases_are_independent_by_name(coord: Coordination, contract_clock: object) -> None:
    assert await coord.acquire_lease("one", "a", TTL) is not None
    assert await coord.acquire_lease("two", "b", TTL) is not None
