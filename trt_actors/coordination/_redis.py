"""`RedisBackend`: the shared implementation of `Backend` on one Redis server.

Keys (``<p>`` is the configured prefix): ``<p>:lease:<name>`` and its fencing counter
``<p>:lease-token:<name>``; ``<p>:lock:<key>``; ``<p>:bucket:<key>``; ``<p>:dedup:<key>``.
Acquire, renew and release of leases, lock release and bucket takes are Lua scripts, atomic
on the server. Every call raises `RedisUnavailable` when the server cannot be reached in time;
the `Coordination` facade decides what happens then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import redis
import trio

from ._bucket import BUCKET_EPSILON, check_bucket_args
from ._lease import Lease, Origin
from ._redis_client import RedisClient
from ._redis_scripts import (
    ACQUIRE_LEASE,
    BUCKET_TAKE,
    COMPARE_AND_DELETE,
    COMPARE_AND_PEXPIRE,
    JOIN_GROUP,
    RENEW_LEASES,
)

__all__ = ["RedisBackend", "ttl_ms"]


def ttl_ms(seconds: float) -> int:
    """Seconds to whole milliseconds for PX, rounded up (the server side only gets longer)."""
    return max(1, math.ceil(seconds * 1000))


def _text(value: Any) -> str:
    """Decode a reply item (bytes when decode_responses is off)."""
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBackend:
    """Leases, locks, token buckets and dedup set shared through Redis (see `Backend`)."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        r = client.redis
        self._acquire = r.register_script(ACQUIRE_LEASE)
        self._pexpire_if = r.register_script(COMPARE_AND_PEXPIRE)
        self._delete_if = r.register_script(COMPARE_AND_DELETE)
        self._bucket = r.register_script(BUCKET_TAKE)
        self._renew_many = r.register_script(RENEW_LEASES)
        self._join = r.register_script(JOIN_GROUP)

    @property
    def origin(self) -> Origin:
        return "redis"

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}:{kind}:{name}"

    async def ping(self) -> None:
        """Round-trip a PING (used by the health probe)."""
        await self._client.call(lambda r: r.ping())

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> Lease | None:
        keys = [self._key("lease", name), self._key("lease-token", name)]
        args: list[str | int] = [owner, ttl_ms(ttl)]
        sent_at = trio.current_time()
        reply = await self._client.call(lambda r: self._acquire(keys=keys, args=args, client=r))
        granted, detail = reply[0], reply[1]
        if int(granted) != 1:
            return None
        return Lease(name, owner, int(_text(detail)), sent_at + ttl, ttl, "redis")

    async def renew_lease(self, lease: Lease, ttl: float) -> Lease | None:
        keys = [self._key("lease", lease.name)]
        args: list[str | int] = [lease.value, ttl_ms(ttl)]
        sent_at = trio.current_time()
        done = await self._client.call(lambda r: self._pexpire_if(keys=keys, args=args, client=r))
        if int(done) != 1:
            return None
        return lease.renewed(expires_at=sent_at + ttl, ttl=ttl)

    async def renew_leases(self, leases: Sequence[Lease], ttl: float) -> list[Lease | None]:
        if not leases:
            return []
        keys = [self._key("lease", lease.name) for lease in leases]
        args: list[str | int] = [ttl_ms(ttl), *(lease.value for lease in leases)]
        sent_at = trio.current_time()
        done = await self._client.call(lambda r: self._renew_many(keys=keys, args=args, client=r))
        return [
            lease.renewed(expires_at=sent_at + ttl, ttl=ttl) if int(ok) == 1 else None
            for lease, ok in zip(leases, done, strict=True)
        ]

    async def join_group(self, group: str, member: str, ttl: float) -> list[str]:
        keys = [self._key("group", group)]
        args: list[str | int] = [member, ttl_ms(ttl)]
        members = await self._client.call(lambda r: self._join(keys=keys, args=args, client=r))
        return sorted(_text(m) for m in members)

    async def leave_group(self, group: str, member: str) -> None:
        name = self._key("group", group)
        await self._client.call(lambda r: r.zrem(name, member))

    async def release_lease(self, lease: Lease) -> bool:
        keys = [self._key("lease", lease.name)]
        args = [lease.value]
        done = await self._client.call(lambda r: self._delete_if(keys=keys, args=args, client=r))
        return int(done) == 1

    async def try_lock(self, key: str, owner: str, ttl: float) -> float | None:
        name = self._key("lock", key)
        px = ttl_ms(ttl)
        sent_at = trio.current_time()

        def set_nx(r: redis.Redis) -> bool:
            return bool(r.set(name, owner, nx=True, px=px))

        return sent_at + ttl if await self._client.call(set_nx) else None

    async def unlock(self, key: str, owner: str) -> bool:
        keys = [self._key("lock", key)]
        args = [owner]
        done = await self._client.call(lambda r: self._delete_if(keys=keys, args=args, client=r))
        return int(done) == 1

    async def bucket_take(self, key: str, rate: float, burst: int, n: int) -> float:
        check_bucket_args(rate, burst, n)
        keys = [self._key("bucket", key)]
        args: list[str | int] = [repr(float(rate)), burst, n, repr(BUCKET_EPSILON)]
        wait = await self._client.call(lambda r: self._bucket(keys=keys, args=args, client=r))
        return float(_text(wait))

    async def bucket_hold(self, key: str, rate: float, burst: int, seconds: float) -> None:
        check_bucket_args(rate, burst, 1)
        keys = [self._key("bucket", key)]
        args: list[str | int] = [repr(float(rate)), burst, 1, repr(BUCKET_EPSILON)]
        args.append(repr(max(float(seconds), 1e-6)))
        await self._client.call(lambda r: self._bucket(keys=keys, args=args, client=r))

    async def dedup_add(self, key: str, ttl: float) -> bool:
        name = self._key("dedup", key)
        px = ttl_ms(ttl)

        def set_nx(r: redis.Redis) -> bool:
            return bool(r.set(name, b"1", nx=True, px=px))

        return await self._client.call(set_nx)
