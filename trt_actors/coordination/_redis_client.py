"""`RedisClient`: redis-py's sync client driven from trio worker threads.

redis-py's asyncio client does not run under trio, so every call runs the sync client in a
worker thread (`trio.to_thread.run_sync`) behind a `trio.CapacityLimiter`, under a trio
deadline. A call whose deadline passes is abandoned (the thread ends on its socket timeout)
and reported as `RedisUnavailable`, like any connection-level failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import redis
import redis.exceptions
import trio
from redis.backoff import NoBackoff
from redis.retry import Retry

from trt_actors.observability.redaction import redact_url

from ._errors import RedisUnavailable
from ._settings import RedisSettings

__all__ = ["CLOSE_TIMEOUT", "RedisClient"]

T = TypeVar("T")

CLOSE_TIMEOUT = 2.0
"""Deadline for closing the pool's sockets at shutdown."""

CLIENT_RETRIES = 1
"""redis-py retries a failed command once at once: enough to replace a pooled connection
that went stale when Redis restarted, without hiding an outage."""

UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,  # includes refused, auth, loading, pool exhausted
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a replica promoted under us: writes cannot land
)
"""redis-py exceptions meaning "the server cannot serve us now", as opposed to a bug."""


class RedisClient:
    """A connection pool plus the trio plumbing to call it.

    Guarantees: `call` never blocks the trio thread, never takes longer than the configured
    call timeout (plus scheduling), runs at most `max_connections` worker threads at once
    (abandoned ones included), and raises `RedisUnavailable` for every availability problem.
    Other redis-py errors (a script bug, a wrong type) propagate unchanged.
    """

    def __init__(self, url: str, settings: RedisSettings) -> None:
        self.redacted_url = redact_url(url)
        self._timeout = settings.call_timeout
        self._pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=settings.max_connections,
            timeout=settings.pool_timeout,
            socket_timeout=settings.socket_timeout,
            socket_connect_timeout=settings.connect_timeout,
            retry=Retry(NoBackoff(), CLIENT_RETRIES),
        )
        self.redis = redis.Redis(connection_pool=self._pool)
        self._limiter = trio.CapacityLimiter(settings.max_connections)

    async def call(self, fn: Callable[[redis.Redis], T]) -> T:
        """Run ``fn(redis_client)`` in a worker thread under the call deadline."""
        try:
            with trio.fail_after(self._timeout):
                return await trio.to_thread.run_sync(
                    fn, self.redis, limiter=self._limiter, abandon_on_cancel=True
                )
        except trio.TooSlowError as exc:
            raise RedisUnavailable(f"no reply within {self._timeout}s") from exc
        except UNAVAILABLE_ERRORS as exc:
            raise RedisUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Close the pool's connections (shielded, under `CLOSE_TIMEOUT`)."""
        with trio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await trio.to_thread.run_sync(self._pool.disconnect, abandon_on_cancel=True)
