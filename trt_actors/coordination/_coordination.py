"""`Coordination`: the facade every caller uses; routes each primitive by Redis health.

Routing rules (docs/coordination.md, "When Redis is down"):

* No Redis configured: everything runs on the in-process `LocalBackend` (one instance).
* Redis up: everything runs on Redis. A call that cannot reach it marks Redis down (one log
  event for the whole outage) and then follows the "down" rules for that same call.
* Redis down: token buckets and dedup run locally (each instance alone). New leases and
  locks are refused with `CoordinationUnavailable`, unless ``single_instance=True`` says no
  other instance can exist, in which case they are granted locally.
* A lease or lock is renewed and released on the backend that granted it. A local lease
  granted during an outage is void once Redis is back (its renewal fails), so leadership
  moves back to Redis through a fresh acquisition.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

import trio

from ._backend import Backend
from ._errors import CoordinationUnavailable, RedisUnavailable
from ._health import RedisHealth
from ._lease import Lease, Origin
from ._local import LocalBackend
from ._lock import HeldLock, hold_lock

if TYPE_CHECKING:  # the redis library is loaded only with REDIS_URL (`open_coordination`)
    from ._redis import RedisBackend

__all__ = ["Coordination", "CoordinationStatus"]


async def _renew_batch(leases: list[Lease], ttl: float, backend: Backend) -> list[Lease | None]:
    return await backend.renew_leases(leases, ttl)


T = TypeVar("T")
Mode = Literal["local", "shared", "degraded"]


@dataclass(frozen=True, slots=True)
class CoordinationStatus:
    """A snapshot for /readyz and the ops feed.

    `mode` is ``"local"`` (no Redis configured), ``"shared"`` (Redis up) or ``"degraded"``
    (Redis configured but down). `leases_available` says whether a new lease or lock can be
    granted right now.
    """

    backend: Literal["local", "redis"]
    mode: Mode
    redis_up: bool | None
    single_instance: bool
    leases_available: bool
    redis_url: str | None
    mode_for_s: float
    last_error: str | None
    transitions: int

    def as_dict(self) -> dict[str, object]:
        """The snapshot as a JSON-ready dict."""
        return asdict(self)


class Coordination:
    """Leases, keyed locks, token buckets and a dedup set, with the Redis-down rules.

    Build it with `open_coordination`; tests may build ``Coordination()`` (local only).
    """

    def __init__(
        self,
        *,
        redis: RedisBackend | None = None,
        health: RedisHealth | None = None,
        single_instance: bool = False,
        redis_url: str | None = None,
    ) -> None:
        if (redis is None) != (health is None):
            raise ValueError("redis and health go together")
        self._local = LocalBackend()
        self._redis = redis
        self._health = health
        self._single_instance = single_instance
        self._redis_url = redis_url
        self._created_at = trio.current_time()
        self.leading: set[str] = set()  # the leaderships this process holds now (diagnostics)

    # -- routing ------------------------------------------------------------------------

    async def _route(self, op: Callable[[Backend], Awaitable[T]], *, fallback: bool) -> T:
        """Run `op` on Redis while up, else locally if `fallback`, else refuse."""
        if self._redis is None or self._health is None:
            return await op(self._local)
        if self._health.up:
            started = trio.current_time()
            try:
                return await op(self._redis)
            except RedisUnavailable as exc:
                self._health.mark_down(str(exc), started)
                if not fallback:
                    raise
        elif not fallback:
            raise CoordinationUnavailable("Redis is down: no new lease or lock is granted")
        return await op(self._local)

    async def _at_origin(self, origin: Origin, op: Callable[[Backend], Awaitable[T]]) -> T:
        """Run `op` on the backend that granted the lease or lock."""
        if origin == "local" or self._redis is None or self._health is None:
            return await op(self._local)
        started = trio.current_time()
        try:
            return await op(self._redis)
        except RedisUnavailable as exc:
            self._health.mark_down(str(exc), started)
            raise

    def _shared_is_back(self, origin: Origin) -> bool:
        return origin == "local" and self._health is not None and self._health.up

    # -- leases -------------------------------------------------------------------------

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Acquire lease `name` for `owner` (see `Backend.acquire_lease`).

        Raises `CoordinationUnavailable` while Redis is down (unless single-instance).
        """
        return await self._route(
            lambda b: b.acquire_lease(name, owner, ttl), fallback=self._single_instance
        )

    async def renew_lease(self, lease: Lease, ttl: float) -> Lease | None:
        """Renew `lease` on its own backend; None when it is lost.

        Raises `CoordinationUnavailable` when its backend (Redis) cannot be reached: the
        lease may still be valid until `lease.expires_at`, no longer.
        """
        if self._shared_is_back(lease.origin):
            await self._local.release_lease(lease)
            return None
        return await self._at_origin(lease.origin, lambda b: b.renew_lease(lease, ttl))

    async def renew_leases(self, leases: Sequence[Lease], ttl: float) -> list[Lease | None]:
        """`renew_lease` for many leases at once (one round trip per backend), in order.
        Raises `CoordinationUnavailable` as `renew_lease` does."""
        renewed: dict[int, Lease | None] = {}
        origins: tuple[Origin, ...] = ("local", "redis")
        for origin in origins:
            mine = [(i, lease) for i, lease in enumerate(leases) if lease.origin == origin]
            if not mine:
                continue
            if self._shared_is_back(origin):
                for i, lease in mine:
                    await self._local.release_lease(lease)
                    renewed[i] = None
                continue
            result = await self._at_origin(
                origin, functools.partial(_renew_batch, [lease for _, lease in mine], ttl)
            )
            renewed.update(zip((i for i, _ in mine), result, strict=True))
        return [renewed[i] for i in range(len(leases))]

    async def release_lease(self, lease: Lease) -> bool:
        """Release `lease` if still held by its owner (never someone else's)."""
        return await self._at_origin(lease.origin, lambda b: b.release_lease(lease))

    # -- groups -------------------------------------------------------------------------

    async def join_group(self, group: str, member: str, ttl: float) -> list[str]:
        """Keep `member` in `group` for `ttl` seconds; the live members, sorted. Refused
        (`CoordinationUnavailable`) while Redis is down, as new leases are: a member cannot
        tell who else is alive then (unless single-instance)."""
        return await self._route(
            lambda b: b.join_group(group, member, ttl), fallback=self._single_instance
        )

    async def leave_group(self, group: str, member: str) -> None:
        """Leave `group` at once (best effort: a member that cannot leave expires)."""
        await self._route(lambda b: b.leave_group(group, member), fallback=True)

    # -- locks --------------------------------------------------------------------------

    async def try_lock(self, key: str, owner: str, ttl: float) -> HeldLock | None:
        """Take lock `key` for `ttl` seconds if free; None when held by someone else."""

        async def attempt(b: Backend) -> HeldLock | None:
            expires_at = await b.try_lock(key, owner, ttl)
            return None if expires_at is None else HeldLock(key, owner, expires_at, b.origin)

        return await self._route(attempt, fallback=self._single_instance)

    async def unlock(self, held: HeldLock) -> bool:
        """Free `held` if still ours (an expired lock taken by another stays theirs)."""
        return await self._at_origin(held.origin, lambda b: b.unlock(held.key, held.owner))

    @asynccontextmanager
    async def lock(
        self, key: str, *, ttl: float, timeout: float, owner: str | None = None
    ) -> AsyncIterator[HeldLock]:
        """Hold lock `key` for the body (see `hold_lock` for the guarantees)."""
        async with hold_lock(self, key, ttl=ttl, timeout=timeout, owner=owner) as held:
            yield held

    # -- buckets and dedup --------------------------------------------------------------

    async def bucket_take(self, key: str, rate: float, burst: int, n: int = 1) -> float:
        """Take `n` tokens from bucket `key`; 0.0 when taken, else the seconds to wait.

        Never raises for Redis trouble: falls back to a local bucket.
        """
        return await self._route(lambda b: b.bucket_take(key, rate, burst, n), fallback=True)

    async def bucket_hold(self, key: str, rate: float, burst: int, seconds: float) -> None:
        """Let nothing be taken from bucket `key` for `seconds` (see `Backend.bucket_hold`).
        Never raises for Redis trouble: falls back to a local bucket."""
        await self._route(lambda b: b.bucket_hold(key, rate, burst, seconds), fallback=True)

    async def dedup_add(self, key: str, ttl: float) -> bool:
        """Record `key` for `ttl` seconds; True the first time, False while remembered.

        Never raises for Redis trouble: falls back to a local set (best effort: an entry
        recorded on one side of an outage is not seen on the other).
        """
        return await self._route(lambda b: b.dedup_add(key, ttl), fallback=True)

    # -- health -------------------------------------------------------------------------

    @property
    def health(self) -> RedisHealth | None:
        """The Redis health tracker, or None when no Redis is configured."""
        return self._health

    def status(self) -> CoordinationStatus:
        """The current mode and health (cheap; no I/O)."""
        now = trio.current_time()
        if self._health is None:
            return CoordinationStatus(
                "local", "local", None, True, True, None, now - self._created_at, None, 0
            )
        up = self._health.up
        return CoordinationStatus(
            backend="redis",
            mode="shared" if up else "degraded",
            redis_up=up,
            single_instance=self._single_instance,
            leases_available=up or self._single_instance,
            redis_url=self._redis_url,
            mode_for_s=round(now - self._health.changed_at, 3),
            last_error=self._health.last_error,
            transitions=self._health.transitions,
        )
