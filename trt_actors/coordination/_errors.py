"""Exceptions raised by the coordination layer, in one hierarchy.

Every error the layer raises on purpose derives from `CoordinationError`, so a caller can
catch the whole family in one clause. Cancellation (`trio.Cancelled`) is never converted.
"""

from __future__ import annotations

__all__ = [
    "CoordinationError",
    "CoordinationUnavailable",
    "LockExpired",
    "LockTimeout",
    "RedisUnavailable",
]


class CoordinationError(Exception):
    """Base class of every error raised by `trt_actors.coordination`."""


class CoordinationUnavailable(CoordinationError):
    """The shared backend cannot be reached and the operation has no safe local fallback.

    Raised by lease and lock operations while Redis is down, unless the process was opened
    with ``single_instance=True`` (see docs/coordination.md, "When Redis is down").
    """


class RedisUnavailable(CoordinationUnavailable):
    """One Redis call failed to reach the server (connection, timeout, loading, read-only).

    Internal: the `Coordination` facade turns it into a fallback or a
    `CoordinationUnavailable`; only `RedisBackend` users see it directly.
    """


class LockTimeout(CoordinationError):
    """A keyed lock was not acquired before the caller's acquire timeout."""


class LockExpired(CoordinationError):
    """A keyed lock's TTL ran out while its body was still running.

    The body was cancelled when the TTL ran out, so it never ran unprotected.
    """
