"""A bounded mailbox over a trio memory channel, with an explicit overflow policy."""

from __future__ import annotations

import enum
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import trio

from ._errors import AskTimeout, MailboxClosed, MailboxFull
from ._reply import Ask, Request

T = TypeVar("T")
R = TypeVar("R")


class Overflow(enum.Enum):
    """What `send` does when the mailbox is full."""

    WAIT = "wait"  # wait for room, bounded by the caller's own deadline
    REJECT = "reject"  # raise MailboxFull at once
    DROP_OLDEST = "drop_oldest"  # evict the oldest queued message, accept the new one
    DROP_NEWEST = "drop_newest"  # discard the new message (a request is rejected instead)


@dataclass(frozen=True, slots=True)
class MailboxStats:
    """A snapshot of a mailbox's counters."""

    name: str
    capacity: int
    depth: int
    sent: int
    received: int
    dropped: int
    high_water: int
    closed: bool


class Mailbox(Generic[T]):
    """A bounded FIFO of messages for one reader.

    Guarantees:
    - at most `capacity` messages are queued; what happens beyond is the `overflow` policy;
    - a dropped request (evicted by DROP_OLDEST) fails its asker with `MailboxFull` at once,
      so no asker waits for a reply that can never come;
    - after `close()`, senders get `MailboxClosed`, and the reader receives what was queued
      and then sees the end (`receive` raises `MailboxClosed`; `async for` simply ends).
    """

    __slots__ = (
        "_closed",
        "_dropped",
        "_high_water",
        "_received",
        "_recv",
        "_send",
        "_sent",
        "capacity",
        "name",
        "overflow",
    )

    def __init__(self, name: str, capacity: int, overflow: Overflow = Overflow.WAIT) -> None:
        if capacity < 1:
            raise ValueError("a mailbox needs a capacity of at least 1")
        self.name = name
        self.capacity = capacity
        self.overflow = overflow
        self._send, self._recv = trio.open_memory_channel[T](capacity)
        self._sent = 0
        self._received = 0
        self._dropped = 0
        self._high_water = 0
        self._closed = False

    # -- sending ---------------------------------------------------------------------------

    async def send(self, message: T) -> bool:
        """Queue `message`. Returns False only when DROP_NEWEST discarded it.

        With WAIT, this waits for room as long as the caller's deadline allows (wrap the call
        in `trio.fail_after`/`move_on_after`). Raises `MailboxFull` (REJECT, or a request under
        DROP_NEWEST) or `MailboxClosed`.
        """
        if self.overflow is Overflow.WAIT:
            self._check_open()
            try:
                await self._send.send(message)
            except (trio.ClosedResourceError, trio.BrokenResourceError):
                raise MailboxClosed(self.name) from None
            self._count_sent()
            return True
        await trio.lowlevel.checkpoint()
        return self.send_nowait(message)

    def send_nowait(self, message: T) -> bool:
        """Queue `message` without waiting; a full WAIT mailbox raises `MailboxFull`."""
        self._check_open()
        try:
            self._send.send_nowait(message)
        except trio.WouldBlock:
            return self._overflowed(message)
        self._count_sent()
        return True

    def _overflowed(self, message: T) -> bool:
        if self.overflow is Overflow.DROP_OLDEST:
            oldest = self._recv.receive_nowait()
            self._drop(oldest)
            self._send.send_nowait(message)
            self._count_sent()
            return True
        if self.overflow is Overflow.DROP_NEWEST and not isinstance(message, Request):
            self._dropped += 1
            return False
        raise MailboxFull(self.name, self.capacity)

    def _drop(self, message: Any) -> None:
        self._dropped += 1
        if isinstance(message, Request):
            message.reply.fail(MailboxFull(self.name, self.capacity))

    def _count_sent(self) -> None:
        self._sent += 1
        self._high_water = max(self._high_water, self.depth)

    def _check_open(self) -> None:
        if self._closed:
            raise MailboxClosed(self.name)

    # -- receiving -------------------------------------------------------------------------

    async def receive(self) -> T:
        """The next message, in order. Raises `MailboxClosed` once closed and drained."""
        try:
            message = await self._recv.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise MailboxClosed(self.name) from None
        self._received += 1
        return message

    def receive_nowait(self) -> T:
        """The next message if one is queued; raises `trio.WouldBlock` if none."""
        try:
            message = self._recv.receive_nowait()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise MailboxClosed(self.name) from None
        self._received += 1
        return message

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            try:
                yield await self.receive()
            except MailboxClosed:
                return

    # -- closing and stats -----------------------------------------------------------------

    def close(self, *, discard: bool = False) -> int:
        """Accept nothing more. With `discard`, also drop what is queued, failing requests.

        Returns how many queued messages were discarded. Safe to call more than once.
        """
        self._closed = True
        self._send.close()
        discarded = 0
        while discard:
            try:
                message = self._recv.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel):
                break
            if isinstance(message, Request):
                message.stopped(self.name)
            discarded += 1
        return discarded

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def depth(self) -> int:
        return self._recv.statistics().current_buffer_used

    def stats(self) -> MailboxStats:
        return MailboxStats(
            name=self.name,
            capacity=self.capacity,
            depth=self.depth,
            sent=self._sent,
            received=self._received,
            dropped=self._dropped,
            high_water=self._high_water,
            closed=self._closed,
        )


@overload
async def ask(mailbox: Mailbox[Any], payload: Ask[R], timeout: float) -> R: ...


@overload
async def ask(mailbox: Mailbox[Any], payload: object, timeout: float) -> object: ...


async def ask(mailbox: Mailbox[Any], payload: object, timeout: float) -> object:
    """Send `payload` as a request and wait for the reply, all within `timeout` seconds.

    Returns the reply (an `R` for an `Ask[R]`, an `object` for any other payload), or raises
    `AskTimeout` (the deadline passed, while queueing or waiting), `ActorFailed` (the actor
    crashed on this request), `ActorStopped`, `MailboxFull` or `MailboxClosed`. It never
    waits past `timeout`.
    """
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError("ask needs a finite, positive timeout")
    request: Request[Any] = Request(payload)
    deadline = trio.current_time() + timeout
    with trio.move_on_at(deadline) as scope:
        await mailbox.send(request)
    if scope.cancelled_caught:
        raise AskTimeout(mailbox.name, timeout)
    return await request.reply.wait(mailbox.name, max(0.0, deadline - trio.current_time()))
