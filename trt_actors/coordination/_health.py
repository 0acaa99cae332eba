"""`RedisHealth`: whether Redis is reachable, with one log event per change.

Many calls can fail at once when Redis dies under load; only the first one flips the state
and logs ``coordination.redis_down``. Only the health probe flips it back and logs
``coordination.redis_up``. A report from a call that started before the last change is
ignored, so replies still in flight from before a change cannot flip the state back.
"""

from __future__ import annotations

import structlog
import trio

__all__ = ["RedisHealth"]

log = structlog.get_logger(__name__)


class RedisHealth:
    """Up/down state of one Redis server, as observed by this process."""

    def __init__(self, redacted_url: str) -> None:
        self._url = redacted_url
        self._up = True
        self._changed_at = trio.current_time()
        self._last_error: str | None = None
        self._transitions = 0

    @property
    def up(self) -> bool:
        """True while calls should go to Redis."""
        return self._up

    @property
    def changed_at(self) -> float:
        """`trio.current_time()` of the last change (or of creation)."""
        return self._changed_at

    @property
    def last_error(self) -> str | None:
        """The error that last marked Redis down, if any."""
        return self._last_error

    @property
    def transitions(self) -> int:
        """How many times the state has changed (each change logged once)."""
        return self._transitions

    def mark_down(self, error: str, started_at: float) -> None:
        """Record a failed call that started at `started_at` (trio time).

        Logs ``coordination.redis_down`` if this changes the state; otherwise does nothing.
        """
        if not self._up or started_at < self._changed_at:
            return
        self._up = False
        self._last_error = error
        self._changed_at = trio.current_time()
        self._transitions += 1
        log.warning(
            "coordination.redis_down",
            url=self._url,
            error=error,
            mode="degraded",
        )

    def mark_up(self, started_at: float) -> None:
        """Record a successful probe that started at `started_at` (trio time).

        Logs ``coordination.redis_up`` if Redis was down and the probe started after it
        was marked down (an older success proves nothing about the outage).
        """
        if self._up or started_at < self._changed_at:
            return
        now = trio.current_time()
        down_for = round(now - self._changed_at, 3)
        self._up = True
        self._changed_at = now
        self._transitions += 1
        log.info("coordination.redis_up", url=self._url, down_for_s=down_for, mode="shared")
