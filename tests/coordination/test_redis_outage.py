"""Redis dies and comes back: leaders stop in time, one event each way, safe fallbacks.

Each test owns a private Redis server that it kills (SIGKILL, like a crash) and restarts,
empty, on the same port. Real time throughout (threads and sockets are involved).
"""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
import trio
from structlog.testing import capture_logs

from trt_actors.coordination import (
    Coordination,
    CoordinationUnavailable,
    Leader,
    Lease,
    SharedBuckets,
    leadership,
    open_coordination,
    run_as_leader,
)
from trt_actors.testing.redis_server import RedisServer

from .support import events, fast_settings

LEASE_TTL = 1.0
MODE_TIMEOUT = 5.0


async def wait_for_mode(coord: Coordination, mode: str) -> None:
    with trio.fail_after(MODE_TIMEOUT):
        while coord.status().mode != mode:
            await trio.sleep(0.01)


async def test_leader_body_cancelled_when_redis_dies_and_leads_again_after(
    redis_server: RedisServer,
) -> None:
    with capture_logs() as logs:
        async with open_coordination(redis_server.url, settings=fast_settings()) as coord:
            async with leadership(coord, "setter", ttl=LEASE_TTL) as leader:
                await trio.to_thread.run_sync(redis_server.kill)
                killed_at = trio.current_time()
                try:
                    with trio.fail_after(3 * LEASE_TTL):
                        await trio.sleep_forever()
                finally:
                    stopped_after = trio.current_time() - killed_at
            assert leader.lost
            assert leader.lost_reason == "expired"
            # Stopped before the lease could have expired on the server.
            assert stopped_after < LEASE_TTL
            status = coord.status()
            assert status.mode == "degraded"
            assert status.leases_available is False
            with pytest.raises(CoordinationUnavailable):
                await coord.acquire_lease("setter", "someone", LEASE_TTL)

            await trio.to_thread.run_sync(redis_server.restart)
            await wait_for_mode(coord, "shared")
            with trio.fail_after(MODE_TIMEOUT):
                async with leadership(coord, "setter", ttl=LEASE_TTL) as again:
                    assert again.token > leader.token
    assert len(events(logs, "coordination.redis_down")) == 1
    assert len(events(logs, "coordination.redis_up")) == 1
    assert events(logs, "coordination.leadership_lost")[0]["reason"] == "expired"


async def test_run_as_leader_campaigns_again_after_an_outage(redis_server: RedisServer) -> None:
    tokens: list[int] = []
    terms = [trio.Event(), trio.Event()]

    async def body(leader: Leader) -> None:
        tokens.append(leader.token)
        terms[len(tokens) - 1].set()
        if len(tokens) == 2:
            return  # second term: done
        await trio.sleep_forever()

    async with open_coordination(redis_server.url, settings=fast_settings()) as coord:
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                campaign = partial(run_as_leader, coord, "broadcaster", body, ttl=LEASE_TTL)
                await nursery.start(campaign)
                await terms[0].wait()
                await trio.to_thread.run_sync(redis_server.kill)
                await wait_for_mode(coord, "degraded")
                await trio.sleep(LEASE_TTL)  # the first term ends; no new term while down
                assert len(tokens) == 1
                await trio.to_thread.run_sync(redis_server.restart)
                await terms[1].wait()
    assert tokens[1] > tokens[0]


async def test_one_event_when_redis_dies_under_load_and_one_when_back(
    redis_server: RedisServer,
) -> None:
    calls = 0

    async def load(coord: Coordination, worker: int) -> None:
        nonlocal calls
        bucket = SharedBuckets(coord, "load", rate=10_000.0, burst=10_000)
        while True:
            await bucket.try_take(f"k{worker % 4}")
            await coord.dedup_add(f"update:{worker}:{calls}", 5.0)
            calls += 1
            await trio.sleep(0.002)

    async def served_meanwhile(seconds: float) -> int:
        before = calls
        await trio.sleep(seconds)
        return calls - before

    with capture_logs() as logs:
        async with open_coordination(redis_server.url, settings=fast_settings()) as coord:
            async with trio.open_nursery() as nursery:
                for worker in range(40):
                    nursery.start_soon(load, coord, worker)
                assert await served_meanwhile(0.2) > 0
                await trio.to_thread.run_sync(redis_server.kill)
                await wait_for_mode(coord, "degraded")
                assert await served_meanwhile(0.5) > 100  # keeps serving, locally
                await trio.to_thread.run_sync(redis_server.restart)
                await wait_for_mode(coord, "shared")
                assert await served_meanwhile(0.5) > 100
                nursery.cancel_scope.cancel()
            assert coord.status().transitions == 2
    assert len(events(logs, "coordination.redis_down")) == 1
    assert len(events(logs, "coordination.redis_up")) == 1


async def test_boot_with_redis_down_is_degraded_then_recovers(
    redis_server: RedisServer,
) -> None:
    await trio.to_thread.run_sync(redis_server.kill)
    with capture_logs() as logs:
        async with open_coordination(redis_server.url, settings=fast_settings()) as coord:
            assert coord.status().mode == "degraded"
            assert await coord.dedup_add("update:1", 5.0) is True
            assert await coord.dedup_add("update:1", 5.0) is False
            assert await coord.bucket_take("tg", 1.0, 1) == 0.0
            with pytest.raises(CoordinationUnavailable):
                async with coord.lock("user:1", ttl=1.0, timeout=1.0):
                    pytest.fail("a lock was granted without Redis")
            await trio.to_thread.run_sync(redis_server.start)
            await wait_for_mode(coord, "shared")
            lease = await coord.acquire_lease("setter", "a", 5.0)
            assert lease is not None
            assert lease.origin == "redis"
    assert len(events(logs, "coordination.redis_down")) == 1
    assert len(events(logs, "coordination.redis_up")) == 1


async def test_single_instance_leads_locally_while_down_then_moves_back(
    redis_server: RedisServer,
) -> None:
    async with open_coordination(
        redis_server.url, single_instance=True, settings=fast_settings()
    ) as coord:
        await trio.to_thread.run_sync(redis_server.kill)
        await wait_for_mode(coord, "degraded")
        assert coord.status().leases_available is True
        local = await coord.acquire_lease("setter", "a", 5.0)
        assert local is not None
        assert local.origin == "local"
        assert await coord.acquire_lease("setter", "b", 5.0) is None
        async with coord.lock("user:1", ttl=5.0, timeout=1.0) as held:
            assert held.origin == "local"

        await trio.to_thread.run_sync(redis_server.restart)
        await wait_for_mode(coord, "shared")
        assert await coord.renew_lease(local, 5.0) is None  # void once Redis is back
        shared = await coord.acquire_lease("setter", "a", 5.0)
        assert shared is not None
        assert shared.origin == "redis"
        assert shared.token > local.token


async def test_silent_redis_fails_under_the_call_deadline() -> None:
    """A server that accepts connections and never answers: calls end at the deadline."""
    settings = dataclasses.replace(fast_settings(), call_timeout=0.3, socket_timeout=2.0)
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    held: list[trio.SocketStream] = []

    async def accept_and_ignore() -> None:
        while True:
            held.append(await listeners[0].accept())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(accept_and_ignore)
        url = f"redis://127.0.0.1:{port}/0"
        with trio.fail_after(5):
            async with open_coordination(url, settings=settings) as coord:
                assert coord.status().mode == "degraded"
                started = trio.current_time()
                with pytest.raises(CoordinationUnavailable):
                    await coord.renew_lease(Lease("setter", "a", 1, 0.0, 1.0, "redis"), 1.0)
                assert trio.current_time() - started < 0.3 + 0.2
        nursery.cancel_scope.cancel()
    for stream in held:
        await stream.aclose()
    await listeners[0].aclose()
