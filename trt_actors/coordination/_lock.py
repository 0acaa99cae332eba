"""Keyed locks with a TTL: `HeldLock` and the `hold_lock` context manager.

A lock is owned by a unique owner string, expires on its own after its TTL (so a crashed
holder frees it), and is released only by its owner. Locks are not renewed: pick a TTL
longer than the critical section; for long-running exclusive work use a leadership lease.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
import trio

from ._errors import CoordinationUnavailable, LockExpired, LockTimeout
from ._lease import Origin, default_owner

if TYPE_CHECKING:
    from ._coordination import Coordination

__all__ = ["HeldLock", "hold_lock"]

log = structlog.get_logger(__name__)

LOCK_POLL_MIN = 0.01
"""First pause between attempts on a busy lock (seconds); doubles up to `LOCK_POLL_MAX`."""
LOCK_POLL_MAX = 0.25
"""Longest pause between attempts on a busy lock (seconds)."""
LOCK_RELEASE_TIMEOUT = 2.0
"""Deadline for releasing a lock on exit (shielded: runs even when the body was cancelled)."""


@dataclass(frozen=True, slots=True)
class HeldLock:
    """A lock we hold: its key, our owner string, its conservative local expiry
    (`trio.current_time()` terms) and the backend that granted it."""

    key: str
    owner: str
    expires_at: float
    origin: Origin


@asynccontextmanager
async def hold_lock(
    coord: Coordination, key: str, *, ttl: float, timeout: float, owner: str | None = None
) -> AsyncIterator[HeldLock]:
    """Acquire lock `key`, run the body while holding it, then release it.

    Guarantees:

    * Acquisition waits at most `timeout` seconds, then raises `LockTimeout`; it raises
      `CoordinationUnavailable` at once when no backend may grant locks (Redis down).
    * The body runs under a cancel scope whose deadline is the lock's expiry: when the TTL
      runs out, the body is cancelled and `LockExpired` is raised, so the body never runs
      after another owner could have taken the lock.
    * On exit the lock is released if still ours (shielded, within `LOCK_RELEASE_TIMEOUT`);
      if Redis cannot be reached then, the lock simply expires.
    """
    held = await _acquire(coord, key, owner or default_owner(), ttl, timeout)
    try:
        with trio.CancelScope(deadline=held.expires_at) as scope:
            yield held
    finally:
        await _release(coord, held)
    if scope.cancelled_caught:
        raise LockExpired(f"lock {key!r} expired after {ttl}s while its body was running")


async def _acquire(
    coord: Coordination, key: str, owner: str, ttl: float, timeout: float
) -> HeldLock:
    delay = LOCK_POLL_MIN
    try:
        with trio.fail_after(timeout):
            while True:
                held = await coord.try_lock(key, owner, ttl)
                if held is not None:
                    return held
                await trio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, LOCK_POLL_MAX)
    except trio.TooSlowError as exc:
        raise LockTimeout(f"lock {key!r} not acquired within {timeout}s") from exc


async def _release(coord: Coordination, held: HeldLock) -> None:
    with trio.move_on_after(LOCK_RELEASE_TIMEOUT, shield=True) as scope:
        try:
            freed = await coord.unlock(held)
        except CoordinationUnavailable as exc:
            log.warning("coordination.lock_release_failed", key=held.key, error=str(exc))
            return
        if not freed:
            log.warning("coordination.lock_not_ours_at_release", key=held.key)
    if scope.cancelled_caught:
        log.warning("coordination.lock_release_failed", key=held.key, error="timeout")
