"""The outbound actor: the only sender to Telegram for one tenant.

Every Bot API call of a tenant goes through here, so Telegram's limits are kept in one place:
a global bucket (30/s), a bucket per chat (1/s with a burst of 3 in private chats, 20/min in
groups), and a bulk bucket that keeps broadcasts below the global rate so replies always find
room. Calls to one chat leave in the order they were made, one at a time; different chats go
concurrently. Replies to users go before broadcast traffic. Calls that put nothing in a chat
(answerCallbackQuery, answerPreCheckoutQuery, getMe, getFile, …) are outside the global
message budget, as Telegram counts it: a burst of messages never delays a pre-checkout answer,
which Telegram wants within 10 s.

Several instances of one bot share its budget (`shared`, telegram/shared_budget.py): each
message also takes a token from buckets kept in Redis, and a 429 that pauses everything here
pauses the other instances too.

Failures: a 429 pauses exactly as long as `retry_after` says (that chat, or everything when
several chats are throttled at once or the call has no chat); 5xx and network errors are
retried with backoff and jitter within the call's deadline; 403 fails the call with
`BotBlocked` and reports the chat through `on_blocked`; "message is not modified" and "query is
too old" count as success. A caller always gets a result or a typed error by its deadline.

Waiting for a turn is not a failure. A call's `timeout` bounds its sending — from the moment
its turn comes: the request, retries after 5xx, pauses after 429 — not the time it queues
behind other calls for the message budget. That wait has its own bound, derived from what is
queued ahead when the call is made (`OutboundLoad.turn_bound`: twice the time the budget
needs to send it all, plus `TURN_SLACK`), so a burst of replies makes callers wait longer,
never time out, while a call stuck for no reason still fails in bounded time. The dispatcher
reads the same `OutboundLoad` to stop handing out updates while the queue is long.
"""

from __future__ import annotations

import enum
import functools
import itertools
import random
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, overload

import structlog
import trio

from trt_actors.coordination import CoordinationError, TokenBucket
from trt_actors.mailboxes import MailboxError, Reply
from trt_actors.observability.correlation import correlations, current_correlation
from trt_actors.supervisors import Backoff
from trt_actors.telegram.bot_api import BotApi, BotApiResult, JsonObject, ObjectMethod
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    CallTimeout,
    RetryAfter,
    TelegramError,
    TransientError,
    harmless,
)
from trt_actors.telegram.pacing import CHAT_PACED_METHODS, Limits, chat_of
from trt_actors.telegram.shared_budget import SharedBudget

from ._actor import Actor, ActorRef
from ._outbound_lanes import Lanes

log = structlog.get_logger(__name__)

CALL_DEADLINE = 30.0  # default bound on sending one call once its turn came: request, retries
TURN_SLACK = 30.0  # a call waits for its turn twice the expected time, plus this
TURN_FACTOR = 2.0
BULK_TURN_SLACK = 600.0  # broadcasts yield to every reply: a long reply burst holds them back
REPLY_MARGIN = 0.5  # how long past its deadline a caller waits for the actor's own verdict
SHARED_DEADLINE = 1.0  # a take from the budget shared through Redis
MAX_IN_FLIGHT = 32  # concurrent requests to Telegram
RETRY_INITIAL = 0.5
RETRY_MAX = 8.0
RETRY_JITTER = 0.5
THROTTLE_WINDOW = 1.0  # 429s for this many chats within this window pause everything
THROTTLED_CHATS_FOR_GLOBAL = 3
IDLE_BUCKETS_AFTER = 120.0  # forget a chat's bucket after this long without traffic
CHAT_BUCKETS_KEPT = 10_000  # chat buckets kept before idle ones are looked for


class Priority(enum.IntEnum):
    REPLY = 0  # an answer to something a user did
    NORMAL = 1
    BULK = 2  # broadcasts: only what the bulk rate leaves


@dataclass(eq=False)
class Call:
    """One Bot API call waiting to be sent; `reply` gets the result or the typed error.

    `deadline` is, while the call waits for its turn, the last moment it may leave the queue;
    once taken, the last moment it may be answered (`timeout` after it was taken)."""

    method: str
    params: dict[str, Any]
    priority: Priority
    deadline: float
    timeout: float = CALL_DEADLINE
    taken: bool = False
    reply: Reply[BotApiResult] = field(default_factory=Reply)
    seq: int = 0
    correlation: str | None = None  # the update (or job) this call belongs to
    not_before: float = 0.0
    attempts: int = 0

    @functools.cached_property
    def lane(self) -> Hashable:
        """Calls in one lane leave in order, one at a time: a chat, or the call alone."""
        chat = chat_of(self.method, self.params)
        return ("chat", chat) if chat is not None else ("call", self.seq)


class OutboundLoad:
    """What waits at a tenant's outbound actor, for those who pace themselves by it: callers
    bounding their wait for a turn, the dispatcher (backpressure), /metrics and `trt top`.

    The running actor attaches its queues (`attach`); the view outlives its restarts. Reading
    it costs a few additions: callers read it on every call."""

    def __init__(self, limits: Limits | None = None) -> None:
        limits = limits or Limits()
        self.limits = limits
        self.rate = limits.global_rate * limits.margin  # messages/s the budget lets out
        self.bulk_rate = limits.bulk_rate * limits.margin
        self.paused_until = 0.0  # trio time a 429 that paused everything ends
        self._metered: Lanes | None = None
        self._unmetered: Lanes | None = None
        # called (never blocking) whenever calls leave the queue: the dispatcher's wake-up
        self.listener: Callable[[], None] | None = None

    def attach(self, metered: Lanes, unmetered: Lanes) -> None:
        self._metered, self._unmetered = metered, unmetered
        self.paused_until = 0.0
        self.changed()

    def queued(self, priority: Priority) -> int:
        """Calls of `priority` that count against the message budget, waiting now."""
        return self._metered.counts[priority] if self._metered is not None else 0

    @property
    def replies_queued(self) -> int:
        """Messages waiting that are not broadcasts (those only take what replies leave)."""
        return self.queued(Priority.REPLY) + self.queued(Priority.NORMAL)

    @property
    def unmetered_queued(self) -> int:
        return self._unmetered.queued if self._unmetered is not None else 0

    def drain_seconds(self, now: float) -> float:
        """Seconds the budget needs to send the waiting replies (and any 429 pause)."""
        return self.replies_queued / self.rate + max(0.0, self.paused_until - now)

    def turn_bound(self, priority: Priority, now: float, chat: int | str | None = None) -> float:
        """How long a call of `priority` (to `chat`, if it is paced by one) made now may wait
        for its turn: twice the time the budget needs for what is ahead of it — in all, and
        in its chat at the chat's pace — plus a slack (see the module docstring)."""
        if priority is Priority.BULK:
            ahead = self.replies_queued + self.queued(Priority.BULK)
            expected = ahead / self.bulk_rate
            slack = BULK_TURN_SLACK
        else:
            ahead = sum(self.queued(p) for p in Priority if p <= priority)
            expected = ahead / self.rate
            slack = TURN_SLACK
        if chat is not None and self._metered is not None:
            in_chat = self._metered.depth(("chat", chat))
            if in_chat:
                bucket = self.limits.chat_bucket(chat, now)
                expected += in_chat / bucket.rate
        return slack + TURN_FACTOR * (expected + max(0.0, self.paused_until - now))

    def changed(self) -> None:
        """Calls left the queue (or a new actor attached): tell the listener."""
        if self.listener is not None:
            self.listener()


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
        load: OutboundLoad | None = None,
        shared: SharedBudget | None = None,
        tenant: str = "",
    ) -> None:
        self.api = api
        self.tenant = tenant
        self.limits = limits or Limits()
        self.on_blocked = on_blocked
        self.stats = stats or OutboundStats()  # pass one in to keep counting across restarts
        self.load = load or OutboundLoad(self.limits)  # and this one to share what waits
        self.shared = shared  # the bot's budget, when other instances send for it too
        self._backoff = Backoff(RETRY_INITIAL, RETRY_MAX, 2.0, RETRY_JITTER, rng or random.Random())
        self._slots = trio.Semaphore(max_in_flight)
        self._lanes = Lanes(self._lane_wait, self._expired, int(Priority.BULK))
        # calls that put nothing in a chat (answers to queries, getMe, getFile): outside the
        # global message budget, as Telegram counts it, so a burst of replies never delays a
        # pre-checkout answer (due within 10 s) or a button's answer
        self._unmetered = Lanes(self._lane_wait, self._expired, int(Priority.BULK))
        self._chat_buckets: dict[Hashable, TokenBucket] = {}
        self._prune_at = CHAT_BUCKETS_KEPT  # how many buckets make the next look for idle ones
        self._paused: dict[Hashable, float] = {}
        self._global_paused = 0.0
        self._throttled_at: dict[Hashable, float] = {}
        self._wake = trio.Event()

    async def on_start(self) -> None:
        now = trio.current_time()
        limits = self.limits
        self._global = limits.bucket(limits.global_rate, limits.global_burst, now)
        self._bulk = limits.bucket(limits.bulk_rate, limits.global_burst, now)
        self.load.attach(self._lanes, self._unmetered)
        self.tasks.start_soon(self._dispatch)

    async def handle(self, message: Call) -> None:
        self._queue_of(message).add(message, trio.current_time())
        self._wake.set()

    @property
    def queued(self) -> int:
        return self._lanes.queued + self._unmetered.queued

    # -- scheduling --------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        try:
            await self._schedule_forever()
        finally:  # the actor is stopping (or crashed): no caller waits out its bound
            for call in [*self._lanes.drain(), *self._unmetered.drain()]:
                call.reply.fail(CallTimeout(f"{call.method}: the outbound actor stopped"))
            self.load.changed()

    async def _schedule_forever(self) -> None:
        while True:
            await self._slots.acquire()
            now = trio.current_time()
            call, wait = self._next_ready(now)
            if call is None:
                self._slots.release()
                self._wake = trio.Event()
                with trio.move_on_after(wait):
                    await self._wake.wait()
                continue
            if not call.taken:  # its turn came: from now on `timeout` bounds the sending
                call.taken = True
                call.deadline = now + call.timeout
            self.load.changed()
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
        self.load.changed()
        if call.taken:  # a retry or a 429 pause outlasted its sending time
            call.reply.fail(CallTimeout(f"{call.method}: still waiting to be sent again"))
        else:
            call.reply.fail(CallTimeout(f"{call.method}: its turn did not come in time"))

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
            if len(self._chat_buckets) >= self._prune_at:
                self._forget_idle_buckets(now)
            bucket = self.limits.chat_bucket(lane[1], now)  # type: ignore[index]
            self._chat_buckets[lane] = bucket
        return bucket

    def _forget_idle_buckets(self, now: float) -> None:
        """Forget the buckets of chats idle for `IDLE_BUCKETS_AFTER` (full again: a new one
        is the same). The next look comes once the buckets kept have doubled, so a burst of
        new chats pays for each look with as many new buckets as it examined: constant
        cost per chat, however many there are (a look at every new chat past the bound made
        each new user's first reply cost a scan of all of them)."""
        for lane, bucket in list(self._chat_buckets.items()):
            if now - bucket.updated > IDLE_BUCKETS_AFTER and lane not in self._lanes:
                del self._chat_buckets[lane]
        self._prune_at = max(CHAT_BUCKETS_KEPT, 2 * len(self._chat_buckets))

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
            if not await self._shared_turn(call):
                requeue = True  # the bot's budget, shared with other instances, is spent
            else:
                requeue = await self._attempt(call)
            if not requeue:
                self._trace(call)
        except trio.Cancelled:
            call.reply.fail(CallTimeout(f"{call.method}: the outbound actor stopped"))
            raise
        finally:
            self._queue_of(call).done(call, trio.current_time(), again=requeue)
            self._slots.release()
            self._wake.set()

    async def _shared_turn(self, call: Call) -> bool:
        """With a budget shared by several instances, take this message's tokens from it:
        True when the call may go; False when it must wait (its `not_before` is set). Never
        holds a call up for trouble with Redis: the coordination layer paces locally then."""
        lane = call.lane
        if self.shared is None or lane[0] != "chat":  # type: ignore[index]
            return True
        try:
            with trio.fail_after(SHARED_DEADLINE):
                wait = await self.shared.take(lane[1])  # type: ignore[index]
        except (CoordinationError, trio.TooSlowError) as exc:
            log.warning("outbound.shared_budget_failed", error=str(exc) or type(exc).__name__)
            return True
        if wait <= 0:
            return True
        call.not_before = trio.current_time() + wait
        return False

    async def _share_pause(self, seconds: float) -> None:
        """Tell the other instances to wait too (a 429 that paused everything here)."""
        if self.shared is None:
            return
        try:
            with trio.fail_after(SHARED_DEADLINE):
                await self.shared.pause(seconds)
        except (CoordinationError, trio.TooSlowError) as exc:
            log.warning("outbound.shared_pause_failed", error=str(exc) or type(exc).__name__)

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
            self._pause_all(until)
            return
        self._paused[lane] = max(self._paused.get(lane, 0.0), until)
        self._throttled_at[lane] = now
        recent = [t for t in self._throttled_at.values() if now - t <= THROTTLE_WINDOW]
        if len(recent) >= THROTTLED_CHATS_FOR_GLOBAL:
            self._pause_all(until)
        if len(self._throttled_at) > 1000:
            self._throttled_at = {k: t for k, t in self._throttled_at.items() if now - t <= 1}

    def _pause_all(self, until: float) -> None:
        self._global_paused = max(self._global_paused, until)
        self.load.paused_until = self._global_paused
        self.tasks.start_soon(self._share_pause, until - trio.current_time())

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
    """What the rest of the tenant holds to send: `await outbound.call(method, params)`.

    `load` is the actor's `OutboundLoad` (the tree passes the one it gave the actor); without
    it, a call's wait for its turn is bounded by `TURN_SLACK` alone."""

    _seq = itertools.count(1)

    def __init__(self, ref: ActorRef[Call], load: OutboundLoad | None = None) -> None:
        self.ref = ref
        self.load = load or OutboundLoad()

    @overload
    async def call(
        self,
        method: ObjectMethod,
        params: dict[str, Any],
        *,
        priority: Priority = Priority.REPLY,
        timeout: float = CALL_DEADLINE,
        wait: float | None = None,
    ) -> JsonObject: ...

    @overload
    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        priority: Priority = Priority.REPLY,
        timeout: float = CALL_DEADLINE,
        wait: float | None = None,
    ) -> BotApiResult: ...

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        priority: Priority = Priority.REPLY,
        timeout: float = CALL_DEADLINE,
        wait: float | None = None,
    ) -> BotApiResult:
        """The call's result, or a `TelegramError`: `CallTimeout` when its turn did not come
        within `wait` seconds (default: `OutboundLoad.turn_bound`, from the queue ahead), or
        when sending took more than `timeout` seconds once its turn came.

        The result is Telegram's `result` JSON: an object for the methods that always answer
        one (`ObjectMethod`: getMe, getFile, sendMessage…), else any `BotApiResult`."""
        now = trio.current_time()
        if wait is None:
            wait = self.load.turn_bound(priority, now, chat_of(method, params))
        turn_by = now + wait
        call = Call(
            method,
            params,
            priority,
            turn_by,
            timeout,
            seq=next(self._seq),
            correlation=current_correlation.get(),
        )
        try:
            with trio.move_on_at(turn_by) as queued:
                await self.ref.send(call)
            if queued.cancelled_caught:
                raise CallTimeout(f"{method}: the outbound queue did not take it in time")
            # The actor answers by `turn_by + timeout` at the latest (it fails the call itself
            # when its turn does not come, or sending overruns); the margin lets its answer win.
            remaining = max(0.0, turn_by - trio.current_time()) + timeout + REPLY_MARGIN
            return await call.reply.wait(self.ref.name, remaining)
        except MailboxError as exc:  # no answer (AskTimeout) or no outbound actor (closed)
            raise CallTimeout(f"{method}: {exc}") from None
