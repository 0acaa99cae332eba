"""Token buckets: the refill arithmetic, one local `TokenBucket`, and `SharedBuckets` (a
family of buckets kept through coordination).

A bucket holds at most `burst` tokens and gains `rate` tokens per second. Taking `n` tokens
succeeds at once when they are there; otherwise nothing is taken and the caller learns how
long to wait. The same arithmetic runs in Python (`LocalBackend`) and in Lua (`RedisBackend`,
on Redis' own clock, so every instance shares one bucket).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import trio

if TYPE_CHECKING:
    from ._coordination import Coordination

__all__ = [
    "BUCKET_EPSILON",
    "SharedBuckets",
    "TokenBucket",
    "check_bucket_args",
    "hold_tokens",
    "take_tokens",
]

BUCKET_EPSILON = 1e-9
"""Tolerance on the token count, so that waiting exactly the advised time always succeeds."""

ACQUIRE_JITTER = 0.05
"""`SharedBuckets.acquire` sleeps the advised wait plus up to this fraction of it, so that many
waiters across instances do not all retry at the same instant."""


def check_bucket_args(rate: float, burst: int, n: int) -> None:
    """Raise ValueError unless ``rate > 0`` and ``1 <= n <= burst``."""
    if not rate > 0:
        raise ValueError(f"token bucket rate must be > 0, got {rate!r}")
    if burst < 1:
        raise ValueError(f"token bucket burst must be >= 1, got {burst!r}")
    if not 1 <= n <= burst:
        raise ValueError(f"cannot take {n} tokens from a bucket of burst {burst}")


def take_tokens(
    tokens: float | None, stamp: float, now: float, *, rate: float, burst: float, n: int
) -> tuple[float, float, float]:
    """Refill a bucket to `now`, then try to take `n` tokens.

    `tokens` is None for a bucket never seen (or forgotten): it starts full. Returns
    ``(tokens_after, stamp_after, wait)`` where `wait` is 0.0 when the tokens were taken and
    otherwise the seconds until `n` tokens will be there. A clock that steps back never adds
    tokens.
    """
    if tokens is None:
        tokens, stamp = float(burst), now
    elif now > stamp:
        tokens, stamp = min(float(burst), tokens + (now - stamp) * rate), now
    if tokens + BUCKET_EPSILON >= n:
        return tokens - n, stamp, 0.0
    return tokens, stamp, (n - tokens) / rate


def hold_tokens(
    tokens: float | None, stamp: float, now: float, *, rate: float, burst: int, seconds: float
) -> tuple[float, float]:
    """Refill a bucket to `now`, then empty it so that nothing can be taken for `seconds`
    (the tokens go below zero and refill from there); ``(tokens_after, stamp_after)``."""
    if tokens is None:
        tokens, stamp = float(burst), now
    elif now > stamp:
        tokens, stamp = min(float(burst), tokens + (now - stamp) * rate), now
    return min(tokens, -seconds * rate), stamp


def seconds_to_full(tokens: float, rate: float, burst: int) -> float:
    """Seconds until a bucket holding `tokens` is full again (then it can be forgotten)."""
    return max(0.0, (burst - tokens) / rate)


@dataclass(slots=True)
class TokenBucket:
    """One bucket of `burst` tokens refilled at `rate` per second, kept in this process (see
    `take_tokens`): the outbound actor's local pacing, the webhook's limit per address, the
    Telegram emulator's flood limits. `SharedBuckets` keeps such buckets in Redis."""

    rate: float
    burst: float
    updated: float
    tokens: float | None = None  # None: full

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now); takes nothing."""
        _, _, wait = take_tokens(
            self.tokens, self.updated, now, rate=self.rate, burst=self.burst, n=1
        )
        return wait

    def take(self, now: float) -> None:
        """Use one token (call only when `wait(now) == 0`)."""
        self.tokens, self.updated, _ = take_tokens(
            self.tokens, self.updated, now, rate=self.rate, burst=self.burst, n=1
        )


@dataclass(frozen=True, slots=True)
class SharedBuckets:
    """A named family of token buckets, one per key, with one rate and burst.

    Buckets are shared across instances while Redis is up; while it is down each instance
    keeps its own (see docs/coordination.md). Example: ``SharedBuckets(coord, "tg:chat",
    rate=1.0, burst=3)`` then ``await bucket.acquire(str(chat_id))``.
    """

    coordination: Coordination
    name: str
    rate: float
    burst: int

    def __post_init__(self) -> None:
        check_bucket_args(self.rate, self.burst, 1)

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}" if key else self.name

    async def try_take(self, key: str = "", n: int = 1) -> float:
        """Take `n` tokens from the bucket for `key` if they are there.

        Returns 0.0 when taken, else the seconds to wait before they will be (nothing taken).
        """
        return await self.coordination.bucket_take(self._key(key), self.rate, self.burst, n)

    async def hold(self, key: str = "", seconds: float = 0.0) -> None:
        """Let nothing be taken from the bucket for `key` for `seconds` (everyone waits)."""
        await self.coordination.bucket_hold(self._key(key), self.rate, self.burst, seconds)

    async def acquire(self, key: str = "", n: int = 1) -> None:
        """Wait until `n` tokens are taken from the bucket for `key`.

        No order among waiters is promised. Bound the wait with a trio scope
        (`trio.fail_after`); cancellation while waiting takes nothing.
        """
        while True:
            wait = await self.try_take(key, n)
            if wait <= 0.0:
                return
            await trio.sleep(wait * (1.0 + random.random() * ACQUIRE_JITTER))
