"""Dedup set contract: first add true, repeats false until the TTL passes."""

from __future__ import annotations

import trio

from trt_actors.coordination import Coordination


async def test_first_add_true_then_false_until_ttl(
    coord: Coordination, contract_clock: object
) -> None:
    assert await coord.dedup_add("update:1", 0.3) is True
    assert await coord.dedup_add("update:1", 0.3) is False
    assert await coord.dedup_add("update:2", 0.3) is True
    await trio.sleep(0.45)
    assert await coord.dedup_add("update:1", 0.3) is True


async def test_concurrent_adds_one_winner(coord: Coordination, contract_clock: object) -> None:
    firsts = 0

    async def add() -> None:
        nonlocal firsts
        if await coord.dedup_add("update:7", 10.0):
            firsts += 1

    async with trio.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(add)
    assert firsts == 1
