"""Run blocking database work in a worker thread without leaving it behind on cancellation.

`run_in_thread` is `trio.to_thread.run_sync` plus what a database call needs when its trio
caller is cancelled:

- if the thread has not started the work yet, the work never runs;
- if it is running, the cancel flag is set (the next statement raises `Interrupted`, so the
  transaction rolls back instead of committing) and the driver is interrupted
  (`sqlite3.Connection.interrupt()`, a PostgreSQL cancel request); then the caller waits,
  shielded, until the thread has finished, so no transaction is left running behind it;
- if the thread does not finish within `drain_timeout` (a driver that ignores interrupts),
  `on_stuck` is called so the owner can refuse further work on that connection.

Only then does `trio.Cancelled` propagate. `Deadline` is the engines' per-call timeout: a
trio scope whose expiry becomes `StorageUnavailable`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

import trio

from ._errors import StorageUnavailable

__all__ = ["CancelFlag", "Deadline", "run_in_thread"]

T = TypeVar("T")

_QUEUED, _RUNNING, _FINISHED, _ABANDONED = "queued", "running", "finished", "abandoned"


class CancelFlag:
    """Set once by the trio side, read by the worker thread between statements.

    A plain attribute (its write and read are atomic under the GIL): nobody waits on it, so
    it needs none of `threading.Event`'s condition variable, which costs more to build than
    the rest of a short database call's bookkeeping.
    """

    __slots__ = ("_set",)

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


class _NeverRan(Exception):
    """The work was abandoned before it started (its caller is gone)."""


class _Call(Generic[T]):
    def __init__(self, fn: Callable[[CancelFlag], T]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._state = _QUEUED
        self._notify = False
        self.cancel = CancelFlag()
        self.finished = trio.Event()
        self._token = trio.lowlevel.current_trio_token()

    def thread_main(self) -> T:
        with self._lock:
            if self._state == _ABANDONED:
                raise _NeverRan
            self._state = _RUNNING
        try:
            return self._fn(self.cancel)
        finally:
            with self._lock:
                self._state = _FINISHED
                notify = self._notify
            if notify:
                # RunFinishedError: the trio run is over, nobody is left to wait for us.
                with contextlib.suppress(trio.RunFinishedError):
                    self._token.run_sync_soon(self.finished.set)

    def abandon_or_wait(self) -> bool:
        """Called on cancellation. True: the work never ran and never will (nothing to wait
        for). False: it ran or is running; `finished` will be set when the thread is done."""
        with self._lock:
            if self._state == _QUEUED:
                self._state = _ABANDONED
                return True
            if self._state == _FINISHED:
                self.finished.set()
            else:
                self._notify = True
            return False


async def run_in_thread(
    fn: Callable[[CancelFlag], T],
    *,
    interrupt: Callable[[], None],
    limiter: trio.CapacityLimiter,
    drain_timeout: float,
    on_stuck: Callable[[], None],
) -> T:
    """Run `fn(cancel_flag)` in a worker thread and return its result.

    On cancellation of the caller, returns (by raising `trio.Cancelled`) only after the
    thread has finished or `drain_timeout` has passed (then `on_stuck()` was called).
    `interrupt` must not block: it is called in the trio thread.
    """
    call = _Call(fn)
    try:
        return await trio.to_thread.run_sync(
            call.thread_main, abandon_on_cancel=True, limiter=limiter
        )
    except trio.Cancelled:
        if call.abandon_or_wait():
            raise
        call.cancel.set()
        interrupt()
        with trio.CancelScope(shield=True), trio.move_on_after(drain_timeout) as waited:
            await call.finished.wait()
        if waited.cancelled_caught:
            on_stuck()
        raise


class Deadline:
    """`trio.fail_after(seconds)`, raising `StorageUnavailable` instead of `TooSlowError`.

    A plain class over one `trio.CancelScope` rather than a generator context manager: it is
    entered for every storage call."""

    __slots__ = ("_scope", "_seconds", "_what")

    def __init__(self, seconds: float, what: str) -> None:
        self._seconds = seconds
        self._what = what
        self._scope = trio.CancelScope(relative_deadline=seconds)

    def __enter__(self) -> None:
        self._scope.__enter__()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._scope.__exit__(kind, error, traceback)  # True also when there was no error
        if self._scope.cancelled_caught:  # it caught the cancel of its own deadline
            raise StorageUnavailable(f"{self._what} timed out after {self._seconds:g}s")
