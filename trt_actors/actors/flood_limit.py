"""How fast one user may send: a user flooding the bot is slowed, not the bot.

Each session keeps a token bucket of the user's updates (`FloodLimit`: so many per second,
with a burst). An update past it is answered without work: a press gets its callback answer
(so no button spins) with a short "slow down", a message or command nothing — and the first
one of a flood gets one polite notice in the chat. Updates that carry money or that Telegram
needs answered (payments, pre-checkout queries), files (an album arrives as several at once)
and membership changes are never held back. Other users are unaffected: each has their own
bucket, in their own session.
"""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.coordination import TokenBucket
from trt_actors.domain.effects import BotCall
from trt_actors.domain.texts import language_for, text
from trt_actors.domain.updates import Incoming, Kind
from trt_actors.domain.view import answer

LIMITED = frozenset({Kind.CALLBACK, Kind.COMMAND, Kind.TEXT})
NOTICE_EVERY = 60.0  # seconds: at most one notice per flood, however long it lasts


@dataclass(frozen=True, slots=True)
class FloodLimit:
    """`rate` updates per second per user, `burst` at once; 0 turns the limit off."""

    rate: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.rate > 0


class FloodGate:
    """One user's bucket and when they were last told to slow down."""

    __slots__ = ("bucket", "limit", "noticed_at")

    def __init__(self, limit: FloodLimit) -> None:
        self.limit = limit
        self.bucket = TokenBucket(rate=limit.rate, burst=limit.burst, updated=0.0)
        self.noticed_at = float("-inf")

    def passes(self, incoming: Incoming, now: float) -> bool:
        """Whether `incoming`, arriving at `now` (trio time), is handled; takes a token."""
        if not self.limit.enabled or incoming.kind not in LIMITED:
            return True
        if self.bucket.wait(now) > 0:
            return False
        self.bucket.take(now)
        return True

    def slowed(self, incoming: Incoming, language: str | None, now: float) -> list[BotCall]:
        """The calls that answer an update past the limit: a press's answer, and the flood's
        one notice."""
        language = language or language_for(incoming.user.language_code if incoming.user else None)
        calls = []
        if incoming.callback_id:
            calls.append(answer(incoming.callback_id, text(language, "flood_toast")))
        if incoming.chat_id is not None and now - self.noticed_at >= NOTICE_EVERY:
            self.noticed_at = now
            calls.append(
                BotCall(
                    "sendMessage",
                    {"chat_id": incoming.chat_id, "text": text(language, "flood_notice")},
                )
            )
        return calls
