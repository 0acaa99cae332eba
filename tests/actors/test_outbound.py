"""The outbound actor against a strict fake Bot API, on trio's MockClock.

The fake judges every send with the Telegram emulator's own flood limiter and answers 429 when
a limit is broken, so "zero 429s" means the pacing really kept Telegram's limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from trt_actors.actors import actor_child
from trt_actors.actors import outbound as outbound_module
from trt_actors.actors.outbound import Outbound, OutboundActor, OutboundLoad, Priority
from trt_actors.supervisors import Supervisor
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    CallTimeout,
    RetryAfter,
    TransientError,
)
from trt_actors.testing.fake_bot_api import FakeBotApi, Script


def StrictBot(script: Script | None = None, latency: float = 0.05) -> FakeBotApi:
    return FakeBotApi(script, latency=latency)


@asynccontextmanager
async def running(bot: Any, **kw: Any) -> AsyncIterator[Outbound]:
    load = OutboundLoad()
    spec, ref = actor_child(
        "outbound", lambda: OutboundActor(bot, load=load, **kw), capacity=10_000
    )
    sup = Supervisor("tenant", [spec])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        yield Outbound(ref, load)
        sup.request_stop()


@pytest.fixture
async def bot() -> FakeBotApi:
    return StrictBot()


async def send_all(outbound: Outbound, calls: list[tuple[int, str]], **kw: Any) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def one(i: int, chat: int, text: str) -> None:
        results[i] = await outbound.call("sendMessage", {"chat_id": chat, "text": text}, **kw)

    async with trio.open_nursery() as nursery:
        for i, (chat, text) in enumerate(calls):
            nursery.start_soon(one, i, chat, text)
            await trio.lowlevel.checkpoint()  # keep submission order = call order
    return results


async def test_100_messages_to_one_chat_keep_order_and_get_no_429(
    bot: FakeBotApi, autojump_clock: MockClock
) -> None:
    async with running(bot) as outbound:
        await send_all(outbound, [(7, f"m{i}") for i in range(100)], timeout=600)
    assert bot.throttled == 0
    assert [text for _, _, text in bot.sent] == [f"m{i}" for i in range(100)]
    took = bot.sent[-1][0]
    assert 96 <= took <= 102  # a short burst, then about one per second


async def test_1000_chats_share_the_global_rate_with_no_429(
    bot: FakeBotApi, autojump_clock: MockClock
) -> None:
    async with running(bot) as outbound:
        await send_all(outbound, [(1000 + i, "hi") for i in range(1000)], timeout=600)
    assert bot.throttled == 0 and len(bot.sent) == 1000
    assert 32 <= bot.sent[-1][0] <= 36  # 1000 at about 30/s after a short burst


async def test_a_429_pauses_exactly_retry_after(autojump_clock: MockClock) -> None:
    first = True

    def script(method: str, params: Mapping[str, Any]) -> Any:
        nonlocal first
        if first:
            first = False
            return RetryAfter(3)
        return None

    bot = StrictBot(script, latency=0.0)
    async with running(bot) as outbound:
        began = trio.current_time()
        assert await outbound.call("sendMessage", {"chat_id": 5, "text": "x"}) == {"message_id": 1}
        assert trio.current_time() - began == pytest.approx(3.0)


async def test_403_fails_with_bot_blocked_and_reports_the_chat(autojump_clock: MockClock) -> None:
    blocked: list[int | str] = []

    async def on_blocked(chat: int | str) -> None:
        blocked.append(chat)

    bot = StrictBot(lambda m, p: BotBlocked("Forbidden: bot was blocked by the user"))
    async with running(bot, on_blocked=on_blocked) as outbound:
        with pytest.raises(BotBlocked):
            await outbound.call("sendMessage", {"chat_id": 42, "text": "x"})
        await trio.sleep(0.1)
    assert blocked == [42]


@pytest.mark.parametrize(
    "description",
    [
        "Bad Request: message is not modified: specified new message content is the same",
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    ],
)
async def test_harmless_400s_count_as_success(description: str, autojump_clock: MockClock) -> None:
    bot = StrictBot(lambda m, p: BadRequest(description))
    async with running(bot) as outbound:
        assert await outbound.call("editMessageText", {"chat_id": 1, "message_id": 1, "text": "x"})


async def test_other_400s_fail_at_once(autojump_clock: MockClock) -> None:
    bot = StrictBot(lambda m, p: BadRequest("Bad Request: chat not found"))
    async with running(bot) as outbound:
        with pytest.raises(BadRequest, match="chat not found"):
            await outbound.call("sendMessage", {"chat_id": 1, "text": "x"})
        assert trio.current_time() < 1


async def test_5xx_is_retried_with_backoff_until_it_succeeds(autojump_clock: MockClock) -> None:
    failures = iter([TransientError("Bad Gateway"), TransientError("Bad Gateway")])
    bot = StrictBot(lambda m, p: next(failures, None), latency=0.0)
    async with running(bot) as outbound:
        assert await outbound.call("sendMessage", {"chat_id": 1, "text": "x"}) == {"message_id": 1}
        assert 0.75 <= trio.current_time() <= 2.25  # two backoffs: 0.5 s and 1 s, each +-50 %


async def test_5xx_that_never_ends_fails_at_the_deadline(autojump_clock: MockClock) -> None:
    bot = StrictBot(lambda m, p: TransientError("Internal Server Error"))
    async with running(bot) as outbound:
        with pytest.raises(CallTimeout):
            await outbound.call("sendMessage", {"chat_id": 1, "text": "x"}, timeout=10)
        assert trio.current_time() <= 10


async def test_a_hanging_api_never_hangs_the_caller(autojump_clock: MockClock) -> None:
    bot = StrictBot(latency=1e9)
    async with running(bot) as outbound:
        with pytest.raises(CallTimeout):
            await outbound.call("sendMessage", {"chat_id": 1, "text": "x"}, timeout=5)
        assert trio.current_time() == pytest.approx(5, abs=0.01)


async def broadcast(outbound: Outbound, chat: int) -> None:
    params = {"chat_id": chat, "text": "news"}
    await outbound.call("sendMessage", params, priority=Priority.BULK, timeout=600)


async def test_replies_overtake_queued_broadcast_traffic(autojump_clock: MockClock) -> None:
    bot = StrictBot(latency=0.0)
    async with running(bot) as outbound, trio.open_nursery() as nursery:
        for chat in range(2000, 2100):
            nursery.start_soon(broadcast, outbound, chat)
        await trio.sleep(1)
        began = trio.current_time()
        await outbound.call("sendMessage", {"chat_id": 1, "text": "reply"})
        assert trio.current_time() - began < 0.1
    news = [t for t, _, text in bot.sent if text == "news"]
    assert len(news) == 100


async def test_a_call_whose_turn_does_not_come_within_its_wait_is_not_sent(
    autojump_clock: MockClock,
) -> None:
    bot = StrictBot(latency=0.0)
    async with running(bot) as outbound:
        await send_all(outbound, [(9, f"m{i}") for i in range(2)])  # the burst is used up
        with pytest.raises(CallTimeout, match="turn did not come"):
            await outbound.call("sendMessage", {"chat_id": 9, "text": "late"}, wait=0.5)
        await trio.sleep(5)
    assert "late" not in [text for _, _, text in bot.sent]


async def test_waiting_for_a_turn_behind_a_burst_is_not_a_timeout(
    autojump_clock: MockClock,
) -> None:
    """900 replies at once take 30 s of Telegram's budget; each call may take 2 s to send,
    and none fails for the time it waited for its turn."""
    bot = StrictBot()
    async with running(bot) as outbound:
        began = trio.current_time()
        await send_all(outbound, [(3000 + i, "menu") for i in range(900)], timeout=2)
        took = trio.current_time() - began
    assert len(bot.sent) == 900 and bot.throttled == 0
    assert (900 - 20) / 30 <= took <= 900 / (30 * 0.98) + 2  # 20: the burst allowance


async def test_the_wait_for_a_turn_is_bounded_by_what_is_ahead(
    autojump_clock: MockClock,
) -> None:
    load = OutboundLoad()
    spec, ref = actor_child(
        "outbound", lambda: OutboundActor(StrictBot(), load=load), capacity=10_000
    )
    outbound = Outbound(ref, load)
    told: list[str] = []

    async def reply(chat: int) -> None:
        try:
            await outbound.call("sendMessage", {"chat_id": chat, "text": "x"})
        except CallTimeout as exc:
            told.append(str(exc))

    async with trio.open_nursery() as nursery:
        sup = Supervisor("tenant", [spec])
        await nursery.start(sup.run)
        quiet = load.turn_bound(Priority.REPLY, trio.current_time())
        for i in range(600):
            nursery.start_soon(reply, 5000 + i)
        await trio.testing.wait_all_tasks_blocked()
        queued = load.replies_queued
        busy = load.turn_bound(Priority.REPLY, trio.current_time())
        assert queued > 500
        # twice what the budget needs for the queue, plus the slack
        assert busy == pytest.approx(quiet + 2 * queued / load.rate)
        assert load.drain_seconds(trio.current_time()) == pytest.approx(queued / load.rate)
        stopped_at = trio.current_time()
        sup.request_stop()
    # the callers still queued are told at once, not when their bound passes
    assert len(told) >= 500 and all("outbound actor stopped" in text for text in told)
    assert trio.current_time() - stopped_at < 1.0


async def test_calls_without_a_chat_are_not_held_by_chat_limits(autojump_clock: MockClock) -> None:
    bot = StrictBot(latency=0.0)
    async with running(bot) as outbound:
        await send_all(outbound, [(3, f"m{i}") for i in range(3)])
        began = trio.current_time()
        for n in range(10):
            await outbound.call("answerCallbackQuery", {"callback_query_id": str(n)})
        assert trio.current_time() - began < 0.01


async def test_a_call_to_a_stopped_outbound_is_a_typed_timeout(autojump_clock: MockClock) -> None:
    bot = FakeBotApi(latency=0.0)
    async with running(bot) as outbound:
        pass
    with pytest.raises(CallTimeout):  # the mailbox is closed: never MailboxClosed, never a hang
        await outbound.call("sendMessage", {"chat_id": 1, "text": "x"}, timeout=5)


async def test_a_pre_checkout_answer_never_waits_behind_a_burst_of_messages(
    bot: FakeBotApi, autojump_clock: MockClock
) -> None:
    async with running(bot) as outbound, trio.open_nursery() as nursery:
        nursery.start_soon(
            send_all, outbound, [(5000 + i, "thanks") for i in range(300)]
        )  # ten seconds' worth of the global message budget
        await trio.sleep(0.5)
        began = trio.current_time()
        await outbound.call("answerPreCheckoutQuery", {"pre_checkout_query_id": "q", "ok": True})
        waited = trio.current_time() - began
        assert waited < 0.5  # Telegram wants it within 10 s; the messages take ten
    assert bot.throttled == 0


async def test_chat_buckets_stay_bounded_and_cheap_with_many_new_chats(
    autojump_clock: MockClock, bot: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of new users: each chat's pacing bucket is forgotten once the chat is idle,
    and looking for idle ones is amortised — not a scan of every bucket at each new chat."""
    monkeypatch.setattr(outbound_module, "CHAT_BUCKETS_KEPT", 100)
    looks: list[int] = []
    forget = outbound_module.OutboundActor._forget_idle_buckets

    def counted(self: OutboundActor, now: float) -> None:
        looks.append(len(self._chat_buckets))
        forget(self, now)

    monkeypatch.setattr(outbound_module.OutboundActor, "_forget_idle_buckets", counted)
    async with running(bot) as outbound:
        for wave in range(3):  # 3 waves of 400 new chats, an idle spell between them
            await send_all(outbound, [(10_000 * wave + n, "hi") for n in range(400)])
            await trio.sleep(outbound_module.IDLE_BUCKETS_AFTER + 1)
    assert len(bot.sent) == 1200
    assert bot.throttled == 0
    # bounded: after each idle spell the old chats' buckets are gone
    assert max(looks) <= 2 * 400
    # amortised: a handful of looks for 1,200 new chats, each over at most twice the live ones
    assert len(looks) <= 12
