"""Two instances on one Redis share leases, locks, buckets and dedup (real Redis only)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import redis
import trio

from trt_actors.coordination import Coordination, SharedBuckets, leadership, open_coordination

from .support import fast_settings


@asynccontextmanager
async def two_instances(url: str) -> AsyncIterator[tuple[Coordination, Coordination]]:
    settings = fast_settings()
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(open_coordination(url, settings=settings))
        two = await stack.enter_async_context(open_coordination(url, settings=settings))
        yield one, two


async def test_status_reports_shared_mode(redis_url: str) -> None:
    async with two_instances(redis_url) as (one, _two):
        status = one.status().as_dict()
    assert status["backend"] == "redis"
    assert status["mode"] == "shared"
    assert status["redis_up"] is True
    assert status["leases_available"] is True


async def test_lease_held_by_one_instance_is_refused_to_the_other(redis_url: str) -> None:
    async with two_instances(redis_url) as (one, two):
        lease = await one.acquire_lease("setter", "instance-1", 5.0)
        assert lease is not None
        assert await two.acquire_lease("setter", "instance-2", 5.0) is None
        assert await two.release_lease(dataclasses.replace(lease, owner="instance-2")) is False
        assert await one.release_lease(lease) is True
        assert await two.acquire_lease("setter", "instance-2", 5.0) is not None


async def test_leadership_moves_between_instances(redis_url: str) -> None:
    async with two_instances(redis_url) as (one, two):
        async with leadership(one, "broadcaster", ttl=1.0) as first:
            assert await two.acquire_lease("broadcaster", "x", 1.0) is None
        async with leadership(two, "broadcaster", ttl=1.0) as second:
            assert second.token > first.token


async def test_bucket_is_shared(redis_url: str) -> None:
    async with two_instances(redis_url) as (one, two):
        a = SharedBuckets(one, "tg:bot", rate=1.0, burst=4)
        b = SharedBuckets(two, "tg:bot", rate=1.0, burst=4)
        results = [await a.try_take(), await b.try_take(), await a.try_take(), await b.try_take()]
        assert results == [0.0] * 4
        assert await a.try_take() > 0.0
        assert await b.try_take() > 0.0


async def test_dedup_and_locks_are_shared(redis_url: str) -> None:
    async with two_instances(redis_url) as (one, two):
        assert await one.dedup_add("update:1", 5.0) is True
        assert await two.dedup_add("update:1", 5.0) is False
        async with one.lock("user:9", ttl=5.0, timeout=1.0):
            assert await two.try_lock("user:9", "x", 5.0) is None


async def test_fencing_survives_a_redis_that_lost_its_counter(redis_url: str) -> None:
    settings = fast_settings()
    async with open_coordination(redis_url, settings=settings) as coord:
        first = await coord.acquire_lease("setter", "a", 5.0)
        assert first is not None
        assert await coord.release_lease(first)
        # Simulate a restart without persistence: the counter key is gone.
        client = redis.Redis.from_url(redis_url, socket_timeout=1.0)
        try:
            await trio.to_thread.run_sync(
                client.delete, f"{settings.key_prefix}:lease-token:setter"
            )
        finally:
            client.close()
        second = await coord.acquire_lease("setter", "b", 5.0)
        assert second is not None
        assert second.token > first.token
