"""The outbound actor: the only sender to Telegram for one tenant.

Every Bot API call of a tenant goes through here, so Telegram's limits are kept in one place:
a global bucket (30/s), a bucket per chat (1/s with a burst of 3 in private chats, 20/min in
groups), and a bulk bucket that keeps broadcasts below the global rate so replies always find
room. Calls to one chat leave in the order they were made, one at a time; different chats go
concurrently. Replies to users go before broadcast traffic. Calls that put nothing in a chat
(answerCallbackQuery, answerPreCheckoutQuery, getMe, getFile, …) are outside the global
message budget, as Telegram counts it: a burst of messages never delays a pre-checkout answer,
which Telegram wants within 10 s.

Failures: a 429 pauses exactly as long as `retry_after` says (that chat, or everything when
several chats are throttled at once or the call has no chat); 5xx and network errors are
retried with backoff and jitter within the call's deadline; 403 fails the call with
`BotBlocked` and reports the chat through `on_blocked`; "message is not modified" and "query is
too old" count as success. A caller always gets a result or a typed error by its deadline.
"""

from __future__ import annotations

import enum
import functools
import itertools
import random
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import structlog
import trio

from trt_actors.mailboxes import MailboxError, Reply
from trt_actors.observability.correlation import correlations, current_correlation
from trt_actors.supervisors import Backoff
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    CallTimeout,
    RetryAfter,
    TelegramError,
    TransientError,
    harmless,
)
from trt_actors.telegram.pacing import CHAT_PACED_METHODS, Limits, TokenBucket, chat_of

from ._actor import Actor, ActorRef
from ._outbound_lanes import Lanes

log = structlog.get_logger(__name__)

CALL_DEADLINE = 30.0  # default bound on one call: queueing, pacing, retries and the request
REPLY_MARGIN = 0.5  # how long past its deadline a caller waits for the actor's own verdict
MAX_IN_FLIGHT = 32  # concurrent requests to Telegram
RETRY_INITIAL = 0.5
RETRY_MAX = 8.0
RETRY_JITTER = 0.5
THROTTLE_WINDOW = 1.0  # 429s for this many chats within this window pause everything
THROTTLED_CHATS_FOR_GLOBAL = 3
IDLE_BUCKETS_AFTER = 120.0  # forget a chat's bucket after this long without traffic


class Priority(enum.IntEnum):
    REPLY = 0  # an answer to something a user did
    NORMAL = 1
    BULK = 2  # broadcasts: only what the bulk rate leaves


@dataclass(eq=False)
class Call:
    """One Bot API call waiting to be sent; `reply` gets the result or the typed error."""

    method: str
    params: dict[str, Any]
    priority: Priority
    deadline: float
    reply: Reply[Any] = field(default_factory=Reply)
    seq: int = 0
    correlation: str | None = None  # the update (or job) this call belongs to
    not_before: float = 0.0
    attempts: int = 0

    @functools.cached_property
    def lane(self) -> Hashable:
        """Calls in one lane leave in order, one at a time: a chat, or the call alone."""
        chat = chat_of(self.method, self.params)
        return ("chat", chat) if chat is not None else ("call", self.seq)


@dataclass
class OutboundStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    throttled: int = 0  # 429s received
    blocked: int = 0
    expired: int = 0  # deadline passed before the call could be sent


class OutboundActor(Actor[Call]):
    """Schedules calls under Telegram's limits and sends them through a `BotApi`."""

    def __init__(
        self,
        api: BotApi,
        *,
        limits: Limits | None = None,
        on_blocked: Callable[[int | str], Awaitable[None]] | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        rng: random.Random | None = None,
        stats: OutboundStats | None = None,
        tenant: str = "",
    ) -> None:
        self.api = api
        self.tenant = tenant
        self.limits = limits or Limits()
        self.on_blocked = on_blocked
        self.stats = stats or OutboundStats()  # pass one in to keep counting across restarts
        self._backoff = Backoff(RETRY_INITIAL, RETRY_MAX, 2.0, RETRY_JITTER, rng or random.Random())
        self._slots = trio.Semaphore(max_in_flight)
        self._lanes = Lanes(self._lane_wait, self._expired, int(Priority.BULK))
        # calls that put nothing in a chat (answers to queries, getMe, getFile): outside the
        # global message budget, as Telegram counts it, so a burst of replies never delays a
        # pre-checkout answer (due within 10 s) or a button's answer
        self._unmetered = Lanes(self._lane_wait, self._expired, int(Priority.BULK))
        self._chat_buckets: dict[Hashable, TokenBucket] = {}
        self._paused: dict[Hashable, float] = {}
        self._global_paused = 0.0
        self._throttled_at: dict[Hashable, float] = {}
        self._wake = trio.Event()

    async def on_start(self) -> None:
        now = trio.current_time()
        limits = self.limits
        self._global = limits.bucket(limits.global_rate, limits.global_burst, now)
        self._bulk = limits.bucket(limits.bulk_rate, limits.global_burst, now)
        self.tasks.start_soon(self._dispatch)

    async def handle(self, message: Call) -> None:
        self._queue_of(message).add(message, trio.current_time())
        self._wake.set()

    @property
    def queued(self) -> int:
        return self._lanes.queued + self._unmetered.queued

    # -- scheduling --------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            await self._slots.acquire()
            call, wait = self._next_ready(trio.current_time())
            if call is None:
                self._slots.release()
                self._wake = trio.Event()
                with trio.move_on_after(wait):
                    await self._wake.wait()
                continue
            self.tasks.start_soon(self._send, call)

    def _queue_of(self, call: Call) -> Lanes:
        return self._lanes if call.method in CHAT_PACED_METHODS else self._unmetered

    def _next_ready(self, now: float) -> tuple[Call | None, float]:
        """The call to send now, or None and how long until one might be ready."""
        paused = self._global_paused - now
        if paused > 0:  # Telegram asked to wait: nothing leaves
            return None, paused
        free, free_wait = self._unmetered.take(now, 0.0)
        if free is not None:
            return free, 0.0
        global_wait = self._global.wait(now)
        if global_wait > 0:  # no message can leave before then
            return None, min(global_wait, free_wait)
        call, wait = self._lanes.take(now, self._bulk.wait(now))
        if call is not None:
            self._take_tokens(call, now)
        return call, min(wait, free_wait)

    def _expired(self, call: Call) -> None:
        self.stats.expired += 1
        call.reply.fail(CallTimeout(f"{call.method}: deadline passed while queued"))

    def _lane_wait(self, lane: Hashable, call: Call, now: float) -> float:
        """Seconds until the lane's own limits let `call` go: its retry backoff, the chat's
        429 pause and the chat's bucket (the global and bulk buckets are checked apart)."""
        waits = [call.not_before - now]
        if lane[0] == "chat":  # type: ignore[index]
            waits.append(self._paused.get(lane, 0.0) - now)
            waits.append(self._chat_bucket(lane, now).wait(now))
        return max(0.0, *waits)

    def _chat_bucket(self, lane: Hashable, now: float) -> TokenBucket:
        bucket = self._chat_buckets.get(lane)
        if bucket is None:
            if len(self._chat_buckets) > 10_000:
                self._forget_idle_buckets(now)
            bucket = self.limits.chat_bucket(lane[1], now)  # type: ignore[index]
            self._chat_buckets[lane] = bucket
        return bucket

    def _forget_idle_buckets(self, now: float) -> None:
        for lane, bucket in list(self._chat_buckets.items()):
            if now - bucket.updated > IDLE_BUCKETS_AFTER and lane not in self._lanes:
                del self._chat_buckets[lane]

    def _take_tokens(self, call: Call, now: float) -> None:
        self._global.take(now)
        if call.priority is Priority.BULK:
            self._bulk.take(now)
        if call.lane[0] == "chat":  # type: ignore[index]
            self._chat_bucket(call.lane, now).take(now)

    # -- sending -----------------------------------------------------------------------------

    async def _send(self, call: Call) -> None:
        requeue = False
        try:
            requeue = await self._attempt(call)
            if not requeue:
                self._trace(call)
        finally:
            self._queue_of(call).done(call, trio.current_time(), again=requeue)
            self._slots.release()
            self._wake.set()

    async def _attempt(self, call: Call) -> bool:
        """Send once; True when the call should be queued again (throttled or transient)."""
        try:
            with trio.fail_after(max(0.0, call.deadline - trio.current_time())):
                result = await self.api.call(call.method, call.params)
        except trio.TooSlowError:
            self._fail(call, CallTimeout(f"{call.method}: no answer before the deadline"))
            return False
        except RetryAfter as exc:
            self.stats.throttled += 1
            self._throttle(call.lane, exc.seconds)
            log.warning("outbound.throttled", method=call.method, retry_after=exc.seconds)
            return True
        except TransientError as exc:
            return self._retry_later(call, exc)
        except BotBlocked as exc:
            self.stats.blocked += 1
            self._fail(call, exc)
            chat = chat_of(call.method, call.params) or call.params.get("chat_id")
            if self.on_blocked is not None and isinstance(chat, int | str):
                self.tasks.start_soon(self.on_blocked, chat)
            return False
        except BadRequest as exc:
            if harmless(exc):
                self.stats.sent += 1
                call.reply.set(True)
            else:
                self._fail(call, exc)
            return False
        except TelegramError as exc:
            self._fail(call, exc)
            return False
        self.stats.sent += 1
        call.reply.set(result)
        return False

    def _retry_later(self, call: Call, error: TransientError) -> bool:
        call.attempts += 1
        delay = self._backoff.delay(call.attempts)
        now = trio.current_time()
        if now + delay >= call.deadline:
            self._fail(call, CallTimeout(f"{call.method}: still failing at the deadline: {error}"))
            return False
        self.stats.retried += 1
        call.not_before = now + delay
        log.info("outbound.retrying", method=call.method, attempt=call.attempts, delay=delay)
        return True

    def _throttle(self, lane: Hashable, seconds: float) -> None:
        now = trio.current_time()
        until = now + seconds
        if lane[0] != "chat":  # type: ignore[index]
            self._global_paused = max(self._global_paused, until)
            return
        self._paused[lane] = max(self._paused.get(lane, 0.0), until)
        self._throttled_at[lane] = now
        recent = [t for t in self._throttled_at.values() if now - t <= THROTTLE_WINDOW]
        if len(recent) >= THROTTLED_CHATS_FOR_GLOBAL:
            self._global_paused = max(self._global_paused, until)
        if len(self._throttled_at) > 1000:
            self._throttled_at = {k: t for k, t in self._throttled_at.items() if now - t <= 1}

    def _trace(self, call: Call) -> None:
        """One correlation record per finished call: method, chat, outcome, attempts."""
        if call.correlation is None:
            return
        error = call.reply.error
        correlations.record(
            self.tenant,
            "outbound",
            correlation_id=call.correlation,
            method=call.method,
            chat=chat_of(call.method, call.params),
            outcome="ok" if error is None else type(error).__name__,
            attempts=call.attempts + 1,
        )

    def _fail(self, call: Call, error: Exception) -> None:
        self.stats.failed += 1
        call.reply.fail(error)


class Outbound:
    """What the rest of the tenant holds to send: `await outbound.call(method, params)`."""

    _seq = itertools.count(1)

    def __init__(self, ref: ActorRef[Call]) -> None:
        self.ref = ref

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        priority: Priority = Priority.REPLY,
        timeout: float = CALL_DEADLINE,
    ) -> Any:
        """The call's result, or a `TelegramError` (`CallTimeout` once `timeout` passed)."""
        deadline = trio.current_time() + timeout
        call = Call(
            method,
            params,
            priority,
            deadline,
            seq=next(self._seq),
            correlation=current_correlation.get(),
        )
        try:
            with trio.move_on_at(deadline) as queued:
                await self.ref.send(call)
            if queued.cancelled_caught:
                raise CallTimeout(f"{method}: the outbound queue did not take it in time")
            # The actor fails the call itself at the deadline; the margin lets its answer win.
            remaining = max(0.0, deadline - trio.current_time()) + REPLY_MARGIN
            return await call.reply.wait(self.ref.name, remaining)
        except MailboxError as exc:  # no answer (AskTimeout) or no outbound actor (closed)
            raise CallTimeout(f"{method}: {exc}") from None
