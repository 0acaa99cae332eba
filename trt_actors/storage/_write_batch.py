"""Group commit for SQLite: the writes waiting at the same time share one transaction.

SQLite has one writer. Giving every write its own transaction costs, per write, a trip to a
worker thread and an fsync'd COMMIT, and under load the writes queue behind each other. So
`WriteQueue.submit` queues the caller's work and the first caller to get the writer
connection runs every write queued by then (up to `MAX_BATCH`), in arrival order, in one
``BEGIN IMMEDIATE`` ... ``COMMIT`` and one thread call, each write inside its own savepoint:

- a write that raises has only its own changes undone; its caller gets that exception and
  the other writes of the batch commit;
- every caller returns only after the COMMIT that made its write durable; a failed COMMIT
  (or a statement error that made SQLite roll the whole transaction back) fails every write
  of the batch, none of them kept;
- cancellation: a write still queued is dropped and never runs. A write whose batch is
  running gets its cancel flag set: its next statement raises `Interrupted` and only its
  savepoint is undone; its caller waits, shielded, until the batch is over, so no thread is
  left behind. The driver is interrupted only when every write of the batch was cancelled
  (then nothing is committed). A write that had already finished when its caller was
  cancelled commits with its batch, as a lone write does when the cancel comes during its
  COMMIT.
"""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import trio

from ._dialect import Dialect
from ._errors import StorageError, StorageUnavailable
from ._sql import Interrupted, SqlConn
from ._threads import CancelFlag

__all__ = ["MAX_BATCH", "WriteQueue"]

T = TypeVar("T")

MAX_BATCH = 64  # writes per transaction
_QUEUED, _RUNNING, _FINISHED, _ABANDONED = "queued", "running", "finished", "abandoned"


_NOT_RUN = object()  # a write's value before its work returned


def _ran_already(conn: SqlConn) -> None:
    raise RuntimeError("this write has run already")


# Runs `work` on the writer connection in a worker thread (`_threads.run_in_thread`);
# `interrupt` is what the trio side calls when the caller that started it is cancelled.
CallInThread = Callable[[Callable[[], None], Callable[[], None]], Awaitable[None]]


class _Write(Generic[T]):
    """One caller's work, and what became of it."""

    __slots__ = ("batch", "cancel", "error", "fn", "state", "value")

    def __init__(self, fn: Callable[[SqlConn], T]) -> None:
        self.fn = fn
        self.cancel = CancelFlag()
        self.state = _QUEUED
        self.batch: _Batch | None = None
        self.value: Any = _NOT_RUN
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        if self.value is _NOT_RUN:  # its thread was stuck past the drain timeout
            raise StorageUnavailable("the write did not finish")
        value: T = self.value
        return value


class _Batch:
    __slots__ = ("finished", "writes")

    def __init__(self, writes: list[_Write[Any]]) -> None:
        self.writes = writes
        self.finished = trio.Event()

    def all_cancelled(self) -> bool:
        return all(write.cancel.is_set() for write in self.writes)


class WriteQueue:
    """The writes waiting for the one writer connection (see the module docstring)."""

    def __init__(
        self,
        raw: Any,
        dialect: Dialect,
        call_in_thread: CallInThread,
        *,
        drain_timeout: float,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._raw = raw
        self._dialect = dialect
        self._call_in_thread = call_in_thread
        self._drain_timeout = drain_timeout
        self._max_batch = max_batch
        self._queue: collections.deque[_Write[Any]] = collections.deque()
        self.lock = trio.Lock()  # held while a batch runs (and by migrations, closing)

    async def submit(self, fn: Callable[[SqlConn], T]) -> T:
        """Run `fn` in a transaction (shared with the writes queued meanwhile); its result
        once committed. Raises what `fn` raised, or `StorageError` when the batch failed."""
        write: _Write[T] = _Write(fn)
        self._queue.append(write)
        try:
            async with self.lock:  # FIFO: by our turn, an earlier batch may have run us
                if write.state == _QUEUED:
                    await self._run_batch(write)
        except trio.Cancelled:
            await self._give_up(write)
            raise
        return write.outcome()

    async def _run_batch(self, first: _Write[Any]) -> None:
        writes = [first]
        self._queue.remove(first)
        while self._queue and len(writes) < self._max_batch:
            writes.append(self._queue.popleft())
        batch = _Batch(writes)
        for write in writes:
            write.state, write.batch = _RUNNING, batch
        started = False

        def work() -> None:
            nonlocal started
            started = True
            run_batch(self._raw, self._dialect, writes)

        try:
            await self._call_in_thread(work, lambda: self._cancel(first))
        except BaseException:
            if not started:  # the thread never took it: the others wait for the next batch
                first.state = _ABANDONED
                for write in reversed(writes[1:]):
                    write.state, write.batch = _QUEUED, None
                    self._queue.appendleft(write)
            raise
        finally:
            if started:
                for write in writes:
                    write.state = _FINISHED
                    write.batch = None  # no cycle left for the collector: freed at once
                    write.fn = _ran_already
                batch.finished.set()

    def _cancel(self, write: _Write[Any]) -> None:
        """The caller of a running write was cancelled (trio thread, must not block)."""
        write.cancel.set()
        if write.batch is not None and write.batch.all_cancelled():
            self._raw.interrupt()

    async def _give_up(self, write: _Write[Any]) -> None:
        if write.state == _QUEUED:
            write.state = _ABANDONED
            self._queue.remove(write)
        elif write.state == _RUNNING and (batch := write.batch) is not None:
            self._cancel(write)
            with trio.CancelScope(shield=True), trio.move_on_after(self._drain_timeout):
                await batch.finished.wait()


def run_batch(raw: Any, dialect: Dialect, writes: list[_Write[Any]]) -> None:
    """In the worker thread: run `writes` in one transaction, one savepoint each, and record
    each one's value or error."""
    control = SqlConn(raw, dialect)  # BEGIN / COMMIT: never cancelled by one caller
    refused: list[_Write[Any]] = []  # the writes that raised: they keep their own error
    try:
        committed = _run_all(raw, dialect, control, writes, refused)
    except (StorageError, dialect.driver_error) as exc:  # BEGIN, COMMIT, a lost transaction
        control.rollback()
        _settle(writes, refused, exc)
        return
    except BaseException:
        control.rollback()
        _settle(writes, refused, StorageUnavailable("the transaction was abandoned"))
        raise
    _settle(writes, refused, None if committed else Interrupted("cancelled by the caller"))


def _run_all(
    raw: Any,
    dialect: Dialect,
    control: SqlConn,
    writes: list[_Write[Any]],
    refused: list[_Write[Any]],
) -> bool:
    """BEGIN, every write, COMMIT; False (rolled back) when every caller was cancelled."""
    control.run(dialect.begin_write)
    for write in writes:
        if not _run_one(raw, dialect, write):
            refused.append(write)
            if not raw.in_transaction:  # the error made SQLite roll everything back
                raise StorageUnavailable(f"the transaction was rolled back: {write.error}")
    if all(write.cancel.is_set() for write in writes):
        control.rollback()
        return False
    control.run("COMMIT")
    return True


def _run_one(raw: Any, dialect: Dialect, write: _Write[Any]) -> bool:
    """Run one write in its savepoint; True when it succeeded (error recorded otherwise)."""
    conn = SqlConn(raw, dialect, write.cancel)
    try:
        with conn.savepoint():
            write.value = write.fn(conn)
            conn.check_cancel()  # cancelled just now: undo it rather than commit it
    except Exception as exc:  # noqa: BLE001 (the caller's own error: it is raised to the caller)
        write.value, write.error = None, exc
        return False
    return True


def _settle(
    writes: list[_Write[Any]], refused: list[_Write[Any]], error: BaseException | None
) -> None:
    """Every write not refused on its own ends with `error` (None: committed)."""
    for write in writes:
        if write not in refused:
            write.error = error
            if error is not None:
                write.value = None
