"""Telegram's flood limits as token buckets: per private chat, per group, and per bot.

Defaults follow the Bot FAQ: about 1 message per second in one chat with short bursts,
20 per minute in a group, about 30 per second overall. The clock is injectable (default
`trio.current_time`, so trio's MockClock drives it in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import trio

from trt_actors.coordination import TokenBucket

PRIVATE_PER_SECOND = 1.0
PRIVATE_BURST = 3
GROUP_PER_MINUTE = 20.0
GLOBAL_PER_SECOND = 30.0


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Flood limits of one bot. `enabled=False` turns them off."""

    enabled: bool = True
    private_per_second: float = PRIVATE_PER_SECOND
    private_burst: int = PRIVATE_BURST
    group_per_minute: float = GROUP_PER_MINUTE
    global_per_second: float = GLOBAL_PER_SECOND

    @classmethod
    def relaxed(cls) -> RateLimits:
        """No flood limits (for tests of other components that send a lot)."""
        return cls(enabled=False)

    def scaled(self, factor: float) -> RateLimits:
        """The same limits `factor` times faster (bursts unchanged), to match a bot that
        paces at `TELEGRAM_RATE_SCALE=factor` so load tests take seconds, not minutes."""
        return RateLimits(
            enabled=self.enabled,
            private_per_second=self.private_per_second * factor,
            private_burst=self.private_burst,
            group_per_minute=self.group_per_minute * factor,
            global_per_second=self.global_per_second * factor,
        )


class RateLimiter:
    """Decides whether one more message may go to a chat now."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] | None = None) -> None:
        self.limits = limits
        self._clock = clock or trio.current_time
        self._chats: dict[int, TokenBucket] = {}
        self._global: TokenBucket | None = None

    def acquire(self, chat_id: int, *, is_group: bool) -> float:
        """Take a slot for one message to `chat_id`: 0.0 when allowed (and counted), else the
        seconds to wait (nothing counted)."""
        if not self.limits.enabled:
            return 0.0
        now = self._clock()
        limits = self.limits
        if self._global is None:
            rate = limits.global_per_second
            self._global = TokenBucket(rate, rate, now)
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if is_group:
                per_second = limits.group_per_minute / 60
                bucket = TokenBucket(per_second, limits.group_per_minute, now)
            else:
                bucket = TokenBucket(limits.private_per_second, limits.private_burst, now)
            self._chats[chat_id] = bucket
        wait = max(bucket.wait(now), self._global.wait(now))
        if wait > 0:
            return wait
        bucket.take(now)
        self._global.take(now)
        return 0.0
