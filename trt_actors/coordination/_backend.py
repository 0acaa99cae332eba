"""The `Backend` interface: the primitive operations both backends implement.

`LocalBackend` (in-process) and `RedisBackend` (shared) implement this protocol and pass the
same contract test suite. Callers normally use the `Coordination` facade, which routes each
call to the right backend according to Redis health (docs/coordination.md).

Time arguments are seconds (floats). Returned expiries are conservative local deadlines in
`trio.current_time()` terms: measured from before the request was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ._lease import Lease, Origin

__all__ = ["Backend"]


class Backend(Protocol):
    """Leases with fencing tokens, keyed locks, token buckets and a dedup set."""

    @property
    def origin(self) -> Origin:
        """Which backend this is; stamped on every lease it grants."""
        ...

    async def acquire_lease(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Acquire lease `name` for `owner` for `ttl` seconds, or return None if held.

        A new acquisition gets a fencing token greater than every earlier one for `name`.
        If `owner` already holds the lease, its TTL is refreshed and the same lease (same
        token) is returned: a retry after a lost reply is therefore safe.
        """
        ...

    async def renew_lease(self, lease: Lease, ttl: float) -> Lease | None:
        """Extend `lease` to `ttl` seconds from now if it is still held by the same owner
        with the same token; return the renewed lease, or None when it is lost.

        Never extends a lease held by someone else.
        """
        ...

    async def renew_leases(self, leases: Sequence[Lease], ttl: float) -> list[Lease | None]:
        """`renew_lease` for each of `leases` (in one round trip on Redis), in order."""
        ...

    async def join_group(self, group: str, member: str, ttl: float) -> list[str]:
        """Say `member` of `group` is alive for `ttl` seconds; return the live members
        (those whose last call is less than their ttl ago), sorted."""
        ...

    async def leave_group(self, group: str, member: str) -> None:
        """Remove `member` from `group` at once."""
        ...

    async def release_lease(self, lease: Lease) -> bool:
        """Delete `lease` if it is still held by the same owner and token.

        Returns whether it was deleted. Never deletes a lease held by someone else.
        """
        ...

    async def try_lock(self, key: str, owner: str, ttl: float) -> float | None:
        """Take lock `key` for `owner` for `ttl` seconds if free.

        Returns the conservative local expiry when taken, None when held by someone else.
        """
        ...

    async def unlock(self, key: str, owner: str) -> bool:
        """Free lock `key` if `owner` holds it; returns whether it was freed."""
        ...

    async def bucket_take(self, key: str, rate: float, burst: int, n: int) -> float:
        """Take `n` tokens from bucket `key` (refilled at `rate` per second up to `burst`).

        Returns 0.0 when the tokens were taken, otherwise the number of seconds after
        which `n` tokens will be available (nothing is taken then). Requires
        ``0 < n <= burst`` and ``rate > 0``.
        """
        ...

    async def bucket_hold(self, key: str, rate: float, burst: int, seconds: float) -> None:
        """Empty bucket `key` so that nothing can be taken from it for `seconds` (its tokens
        go below zero and refill from there at `rate`)."""
        ...

    async def dedup_add(self, key: str, ttl: float) -> bool:
        """Record `key` for `ttl` seconds; True if it was not already recorded."""
        ...
