"""The outbound actor's queue: calls in lanes (one lane per chat, or per call without a chat),
and which lane goes next — without scanning every lane on every send.

A lane that is neither sending nor empty is *scheduled*: its head call sits in the `ready`
heap (ordered by priority, then arrival) when the lane's own limits allow it now, else in the
`waiting` heap at the time they will (its chat bucket refills, a 429 pause ends, a retry's
backoff passes — or the head's deadline, so an expired call is failed in time). Taking a
call moves due waiting lanes to ready and pops the best ready one: O(log lanes) per call
instead of a walk over every lane. Heap entries carry the lane's schedule token; a lane
scheduled again invalidates its older entries, which are skipped when met.

The limits every lane shares (the global bucket and pause) are checked by the actor before
it asks; the bulk bucket is passed in, since only bulk calls wait for it.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .outbound import Call

LaneWait = Callable[[Hashable, "Call", float], float]
"""Seconds until the lane's own limits let its head call go (0 when they do now)."""


class Lanes:
    def __init__(
        self, lane_wait: LaneWait, on_expired: Callable[[Call], None], bulk_priority: int
    ) -> None:
        self._lane_wait = lane_wait
        self._on_expired = on_expired
        self._bulk = bulk_priority
        self._calls: dict[Hashable, deque[Call]] = {}
        self._busy: set[Hashable] = set()
        self._token: dict[Hashable, int] = {}  # the current schedule of each scheduled lane
        self._tokens = itertools.count()
        self._ready: list[tuple[int, int, int, Hashable]] = []  # priority, seq, token, lane
        self._waiting: list[tuple[float, int, Hashable]] = []  # due time, token, lane
        self.counts = [0] * (bulk_priority + 1)  # calls queued, by priority (kept as they move)

    def __contains__(self, lane: object) -> bool:
        return lane in self._calls

    @property
    def queued(self) -> int:
        return sum(self.counts)

    def depth(self, lane: Hashable) -> int:
        """Calls queued in `lane` (the one in flight not counted)."""
        calls = self._calls.get(lane)
        return len(calls) if calls is not None else 0

    def add(self, call: Call, now: float) -> None:
        """Queue `call` at the end of its lane."""
        lane = call.lane
        calls = self._calls.setdefault(lane, deque())
        calls.append(call)
        self.counts[call.priority] += 1
        if len(calls) == 1 and lane not in self._busy:
            self._schedule(lane, now)

    def drain(self) -> list[Call]:
        """Every queued call, removed (the actor is stopping: their callers get an answer)."""
        calls = [call for lane in self._calls.values() for call in lane]
        self._calls.clear()
        self._token.clear()
        self._ready.clear()
        self._waiting.clear()
        self.counts = [0] * len(self.counts)
        return calls

    def done(self, call: Call, now: float, *, again: bool) -> None:
        """The lane's call in flight finished; `again` puts it back at the head (a retry)."""
        lane = call.lane
        self._busy.discard(lane)
        if again:
            self._calls.setdefault(lane, deque()).appendleft(call)
            self.counts[call.priority] += 1
        self._schedule(lane, now)

    def take(self, now: float, bulk_wait: float) -> tuple[Call | None, float]:
        """The call to send now (its lane becomes busy), or None and how long until one
        might be ready."""
        while self._waiting and self._waiting[0][0] <= now:
            _, token, lane = heapq.heappop(self._waiting)
            if self._token.get(lane) == token:
                self._schedule(lane, now)
        while self._ready:
            priority, seq, token, lane = self._ready[0]
            if self._token.get(lane) != token:
                heapq.heappop(self._ready)
                continue
            if priority >= self._bulk and bulk_wait > 0:
                break  # only bulk calls are left ready, and the bulk bucket is empty
            heapq.heappop(self._ready)
            calls = self._calls[lane]
            head = calls[0]
            if head.seq != seq or head.deadline <= now or self._lane_wait(lane, head, now) > 0:
                self._schedule(lane, now)  # its head changed, expired or must wait after all
                continue
            call = calls.popleft()
            self.counts[call.priority] -= 1
            if not calls:
                del self._calls[lane]
            del self._token[lane]
            self._busy.add(lane)
            return call, 0.0
        wait = self._waiting[0][0] - now if self._waiting else math.inf
        if self._ready:
            wait = min(wait, bulk_wait)
        return None, max(0.0, wait)

    def _schedule(self, lane: Hashable, now: float) -> None:
        """Put the lane's head in the ready or the waiting heap (dropping expired heads)."""
        self._token.pop(lane, None)
        calls = self._calls.get(lane)
        while calls and calls[0].deadline <= now:
            expired = calls.popleft()
            self.counts[expired.priority] -= 1
            self._on_expired(expired)
        if not calls:
            self._calls.pop(lane, None)
            return
        if lane in self._busy:
            return
        head = calls[0]
        token = next(self._tokens)
        self._token[lane] = token
        wait = self._lane_wait(lane, head, now)
        if wait <= 0:
            heapq.heappush(self._ready, (int(head.priority), head.seq, token, lane))
        else:
            due = now + min(wait, head.deadline - now)
            heapq.heappush(self._waiting, (due, token, lane))
