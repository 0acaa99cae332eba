"""Token bucket contract: burst first, then the rate; nothing taken when refused.

The local set-up runs on MockClock, so its timings are exact; Redis set-ups run in real
time on Redis' own clock (TIME inside Lua), so their bounds leave room for scheduling.
"""

from __future__ import annotations

import pytest
import trio

from trt_actors.coordination import Coordination, SharedBuckets

RATE = 20.0
BURST = 5


async def test_burst_then_refusal_with_wait(coord: Coordination, contract_clock: object) -> None:
    bucket = SharedBuckets(coord, "send", rate=RATE, burst=BURST)
    for _ in range(BURST):
        assert await bucket.try_take("chat:1") == 0.0
    wait = await bucket.try_take("chat:1")
    assert 0.0 < wait <= 1 / RATE + 1e-6
    # A refusal takes nothing: after the advised wait one token is there.
    await trio.sleep(wait)
    assert await bucket.try_take("chat:1") == 0.0


async def test_acquire_paces_to_the_rate(coord: Coordination, contract_clock: object) -> None:
    bucket = SharedBuckets(coord, "send", rate=50.0, burst=BURST)
    started = trio.current_time()
    for _ in range(BURST + 15):
        await bucket.acquire("chat:1")
    elapsed = trio.current_time() - started
    assert 15 / 50.0 - 0.02 <= elapsed <= 15 / 50.0 + 0.4


async def test_concurrent_takers_never_exceed_burst(
    coord: Coordination, contract_clock: object
) -> None:
    taken = 0

    async def taker() -> None:
        nonlocal taken
        if await coord.bucket_take("send:all", 1.0, BURST) == 0.0:
            taken += 1

    async with trio.open_nursery() as nursery:
        for _ in range(20):
            nursery.start_soon(taker)
    assert taken == BURST


async def test_take_many_and_refill_caps_at_burst(
    coord: Coordination, contract_clock: object
) -> None:
    assert await coord.bucket_take("k", RATE, BURST, n=BURST) == 0.0
    wait = await coord.bucket_take("k", RATE, BURST, n=2)
    assert 0.05 < wait <= 2 / RATE + 1e-6
    await trio.sleep(0.5)  # refill would be 10 tokens, but the bucket holds 5 at most
    assert await coord.bucket_take("k", RATE, BURST, n=BURST) == 0.0
    assert await coord.bucket_take("k", RATE, BURST) > 0.0


async def test_keys_are_independent(coord: Coordination, contract_clock: object) -> None:
    bucket = SharedBuckets(coord, "send", rate=1.0, burst=1)
    assert await bucket.try_take("chat:1") == 0.0
    assert await bucket.try_take("chat:1") > 0.0
    assert await bucket.try_take("chat:2") == 0.0


async def test_invalid_arguments_are_refused(coord: Coordination, contract_clock: object) -> None:
    with pytest.raises(ValueError, match="burst"):
        await coord.bucket_take("k", RATE, BURST, n=BURST + 1)
    with pytest.raises(ValueError, match="rate"):
        SharedBuckets(coord, "send", rate=0.0, burst=1)


async def test_a_hold_lets_nothing_be_taken_for_its_time(
    coord: Coordination, contract_clock: object
) -> None:
    """Telegram's 429 with retry_after: every instance sharing the budget waits it out."""
    key = f"hold-{trio.current_time():.6f}"
    bucket = SharedBuckets(coord, key, rate=RATE, burst=BURST)
    assert await bucket.try_take() == 0.0
    await bucket.hold(seconds=0.5)
    wait = await bucket.try_take()
    assert 0.5 <= wait <= 0.5 + 1 / RATE + 0.05
    await trio.sleep(wait)
    assert await bucket.try_take() == 0.0
    # a shorter hold never shortens a longer one already running
    await bucket.hold(seconds=0.4)
    await bucket.hold(seconds=0.1)
    assert await bucket.try_take() >= 0.35
