"""A fake `BotApi` for deadline tests on trio's MockClock: no sockets, no threads.

It answers every call after `latency` seconds of trio time, records what was sent and when,
lets a test script failures per call, and — like Telegram — answers 429 to whatever breaks
the flood limits, judged by the Telegram emulator's own limiter. So "no 429" in a MockClock
test means the pacing really kept Telegram's limits.

    async def test_pacing(autojump_clock):
        bot = FakeBotApi()
        ...  # run an OutboundActor (or a webhook setter, or your actor) on `bot`
        assert bot.throttled == 0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import trio

from trt_actors.emulators.telegram._limits import RateLimiter, RateLimits
from trt_actors.telegram.errors import RetryAfter
from trt_actors.telegram.pacing import chat_of

Script = Callable[[str, Mapping[str, Any]], Any]
"""Called with each call's method and params: return an exception to raise it, or None."""


class FakeBotApi:
    def __init__(
        self,
        script: Script | None = None,
        *,
        latency: float = 0.05,
        limits: RateLimits | None = None,
    ) -> None:
        self.limiter = RateLimiter(limits or RateLimits(), clock=trio.current_time)
        self.script = script
        self.latency = latency
        self.sent: list[tuple[float, str, Any]] = []  # (time, method, text) of accepted calls
        self.chats: list[int | str | None] = []  # the chat of each of them (None: no chat)
        self.throttled = 0

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        await trio.sleep(self.latency)
        if self.script is not None:
            outcome = self.script(method, params)
            if isinstance(outcome, BaseException):
                raise outcome
        chat = chat_of(method, dict(params))
        if isinstance(chat, int):
            wait = self.limiter.acquire(chat, is_group=chat < 0)
            if wait > 0:
                self.throttled += 1
                raise RetryAfter(wait)
        self.sent.append((trio.current_time(), method, params.get("text")))
        self.chats.append(chat)
        return {"message_id": len(self.sent)}

    async def close(self) -> None:
        return None
