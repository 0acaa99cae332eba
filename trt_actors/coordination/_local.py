"""`LocalBackend`: the in-process implementation of `Backend`.

It is exact for one process: leases, locks, buckets and dedup entries live in memory and
expire on `trio.current_time()` (so trio's MockClock drives them in tests). It coordinates
nothing across processes: use it alone only when a single instance runs, or as the fallback
that the `Coordination` facade applies where that is safe.

Every operation is one checkpoint followed by a synchronous update, so it is atomic with
respect to other trio tasks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import trio

from ._bucket import check_bucket_args, hold_tokens, seconds_to_full, take_tokens
from ._expiring import ExpiringMap
from ._lease import Lease, Origin

__all__ = ["LocalBackend", "next_fencing_token"]


def next_fencing_token(last: int) -> int:
    """Return the token after `last`: ``max(last + 1, wall-clock microseconds)``.

    The wall-clock floor keeps tokens growing across restarts of whatever stores the
    counter (a process, or a Redis without persistence), as long as the clock does not
    step back further than the time between acquisitions.
    """
    return max(last + 1, time.time_ns() // 1000)


class LocalBackend:
    """In-process leases, locks, token buckets and dedup set (see `Backend`)."""

    def __init__(self) -> None:
        self._leases: ExpiringMap[str] = ExpiringMap()
        self._tokens: dict[str, int] = {}
        self._locks: ExpiringMap[str] = ExpiringMap()
        self._buckets: ExpiringMap[tuple[float, float]] = ExpiringMap()
        self._dedup: ExpiringMap[bool] = ExpiringMap()
        self._groups: dict[str, dict[str, float]] = {}  # group -> member -> expiry

    @property
    def origin(self) -> Origin:
        return "local"

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> Lease | None:
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        held = self._leases.get(name, now)
        if held is not None:
            token_text, _, holder = held.partition(":")
            if holder != owner:
                return None
            token = int(token_text)
        else:
            token = next_fencing_token(self._tokens.get(name, 0))
            self._tokens[name] = token
        lease = Lease(name, owner, token, now + ttl, ttl, "local")
        self._leases.set(name, lease.value, now + ttl, now)
        return lease

    async def renew_lease(self, lease: Lease, ttl: float) -> Lease | None:
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        if self._leases.get(lease.name, now) != lease.value:
            return None
        self._leases.set(lease.name, lease.value, now + ttl, now)
        return lease.renewed(expires_at=now + ttl, ttl=ttl)

    async def renew_leases(self, leases: Sequence[Lease], ttl: float) -> list[Lease | None]:
        return [await self.renew_lease(lease, ttl) for lease in leases]

    async def join_group(self, group: str, member: str, ttl: float) -> list[str]:
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        members = self._groups.setdefault(group, {})
        members[member] = now + ttl
        for name, expires_at in list(members.items()):
            if expires_at <= now:
                del members[name]
        return sorted(members)

    async def leave_group(self, group: str, member: str) -> None:
        await trio.lowlevel.checkpoint()
        self._groups.get(group, {}).pop(member, None)

    async def release_lease(self, lease: Lease) -> bool:
        await trio.lowlevel.checkpoint()
        if self._leases.get(lease.name, trio.current_time()) != lease.value:
            return False
        self._leases.delete(lease.name)
        return True

    async def try_lock(self, key: str, owner: str, ttl: float) -> float | None:
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        if self._locks.get(key, now) is not None:
            return None
        self._locks.set(key, owner, now + ttl, now)
        return now + ttl

    async def unlock(self, key: str, owner: str) -> bool:
        await trio.lowlevel.checkpoint()
        if self._locks.get(key, trio.current_time()) != owner:
            return False
        self._locks.delete(key)
        return True

    async def bucket_take(self, key: str, rate: float, burst: int, n: int) -> float:
        check_bucket_args(rate, burst, n)
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        state = self._buckets.get(key, now)
        tokens, stamp = state if state is not None else (None, now)
        tokens_after, stamp_after, wait = take_tokens(
            tokens, stamp, now, rate=rate, burst=burst, n=n
        )
        forget_at = stamp_after + seconds_to_full(tokens_after, rate, burst)
        self._buckets.set(key, (tokens_after, stamp_after), forget_at, now)
        return wait

    async def bucket_hold(self, key: str, rate: float, burst: int, seconds: float) -> None:
        check_bucket_args(rate, burst, 1)
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        state = self._buckets.get(key, now)
        tokens, stamp = state if state is not None else (None, now)
        tokens_after, stamp_after = hold_tokens(
            tokens, stamp, now, rate=rate, burst=burst, seconds=seconds
        )
        forget_at = stamp_after + seconds_to_full(tokens_after, rate, burst)
        self._buckets.set(key, (tokens_after, stamp_after), forget_at, now)

    async def dedup_add(self, key: str, ttl: float) -> bool:
        await trio.lowlevel.checkpoint()
        now = trio.current_time()
        if self._dedup.get(key, now) is not None:
            return False
        self._dedup.set(key, True, now + ttl, now)
        return True
