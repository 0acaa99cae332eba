"""Telegram's message budget of one bot, shared by every instance that sends for it.

Telegram counts a bot's messages, not an instance's: two instances pacing themselves at 30
messages a second each would together send 60 and draw 429s. With Redis, each metered call
also takes a token from shared buckets (coordination token buckets, on Redis' clock): the
bot's global budget, and — for groups, whose members' updates may be handled by different
instances — the group's. Private chats need no shared bucket: a private chat is its user's,
and a user's updates are handled by one instance at a time (trt_actors/cluster), which paces
the chat itself. A 429 that pauses one instance's sending pauses everyone's: the global
bucket is held for `retry_after` (`SharedBuckets.hold`).

While Redis is down the coordination layer falls back to local buckets: each instance then
paces itself alone, and Telegram's 429s (honoured) do the rest until Redis is back.
"""

from __future__ import annotations

from trt_actors.coordination import Coordination, SharedBuckets

from .pacing import Limits


class SharedBudget:
    def __init__(self, coordination: Coordination, tenant: str, limits: Limits) -> None:
        self.all = SharedBuckets(
            coordination,
            f"{tenant}:tg:global",
            rate=limits.global_rate * limits.margin,
            burst=limits.global_burst,
        )
        self.groups = SharedBuckets(
            coordination,
            f"{tenant}:tg:group",
            rate=limits.group_rate * limits.margin,
            burst=limits.group_burst,
        )

    async def take(self, chat: int | str) -> float:
        """Take one message's tokens for `chat`: 0 when it may go now, else the seconds to
        wait (nothing of the group's taken then)."""
        wait = await self.all.try_take()
        if wait > 0:
            return wait
        private = isinstance(chat, int) and chat > 0
        return 0.0 if private else await self.groups.try_take(str(chat))

    async def pause(self, seconds: float) -> None:
        """Telegram asked to wait `seconds`: no instance sends a message before then."""
        await self.all.hold(seconds=seconds)
