"""Coordination between instances: leases, leadership, keyed locks, token buckets, dedup.

One interface (`Backend`), two implementations: `RedisBackend` (shared, when ``REDIS_URL``
is set) and `LocalBackend` (in-process). Callers use the `Coordination` facade returned by
`open_coordination`, which applies the Redis-down rules described in docs/coordination.md:

* token buckets and dedup fall back to local state while Redis is down;
* leases and locks are never granted locally while Redis is down, unless the operator set
  ``single_instance=True``; a leader that cannot renew stops before its lease may expire;
* one log event when Redis goes down, one when it comes back; `Coordination.status` for
  /readyz.

Leader-only actors use `leadership` (async context manager) or `run_as_leader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trt_actors.observability.redaction import redact_url

from ._backend import Backend
from ._bucket import SharedBuckets, TokenBucket
from ._coordination import Coordination, CoordinationStatus
from ._errors import (
    CoordinationError,
    CoordinationUnavailable,
    LockExpired,
    LockTimeout,
    RedisUnavailable,
)
from ._factory import open_coordination
from ._health import RedisHealth
from ._leadership import DEFAULT_LEASE_TTL, Leader, leadership, run_as_leader
from ._lease import Lease, Origin, default_owner
from ._local import LocalBackend
from ._lock import HeldLock
from ._settings import RedisSettings

if TYPE_CHECKING:
    from ._redis import RedisBackend
    from ._redis_client import RedisClient


def __getattr__(name: str) -> object:
    """`RedisBackend` and `RedisClient` load the redis library on first use, so a deployment
    without ``REDIS_URL`` never imports it."""
    if name == "RedisBackend":
        from ._redis import RedisBackend  # noqa: PLC0415

        return RedisBackend
    if name == "RedisClient":
        from ._redis_client import RedisClient  # noqa: PLC0415

        return RedisClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_LEASE_TTL",
    "Backend",
    "Coordination",
    "CoordinationError",
    "CoordinationStatus",
    "CoordinationUnavailable",
    "HeldLock",
    "Leader",
    "Lease",
    "LocalBackend",
    "LockExpired",
    "LockTimeout",
    "Origin",
    "RedisBackend",
    "RedisClient",
    "RedisHealth",
    "RedisSettings",
    "RedisUnavailable",
    "SharedBuckets",
    "TokenBucket",
    "default_owner",
    "leadership",
    "open_coordination",
    "redact_url",
    "run_as_leader",
]
