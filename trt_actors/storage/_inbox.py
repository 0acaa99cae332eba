"""The durable inbox: raw updates appended with group commit.

Many tasks call `Inbox.append` at once. A single writer task (`Inbox.run_writer`) takes
whatever is queued (up to `INBOX_MAX_BATCH`), inserts it in one transaction, and wakes each
caller after the COMMIT. One fsync is shared by the whole batch, so throughput grows with
concurrency while each caller still gets the promise it needs: `append` returns only once
its row is durable, and says whether the update was new or a duplicate.

Failure is never a hang: a failed commit fails every caller of that batch, a stopped writer
fails everything queued, and `append` raises at once when no writer runs. Each caller's own
trio deadline applies while it waits; a caller that gives up before the commit may still
find its row stored (a later duplicate tells it so).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import orjson
import structlog
import trio

from ._clock import Clock
from ._engine import Engine
from ._errors import StorageError, StorageUnavailable
from ._inbox_rows import InboxEntry, InboxRows, insert_batch
from ._repo import check_text
from ._sql import SqlConn

__all__ = ["AppendResult", "Inbox", "Payload"]

log = structlog.get_logger(__name__)

INBOX_MAX_BATCH = 256
INBOX_QUEUE_SIZE = 4096
INBOX_COMMIT_TIMEOUT = 10.0
INBOX_READ_TIMEOUT = 10.0
PURGE_CHUNK = 1000
PURGE_TIMEOUT = 10.0
_MAX_UPDATE_ID = 2**63 - 1

Payload = bytes | bytearray | memoryview | Mapping[str, Any]


class AppendResult(enum.StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"


class _Waiter:
    """One queued append and the event its caller waits on."""

    __slots__ = ("done", "error", "key", "payload", "received_at", "result")

    def __init__(self, key: tuple[str, int], payload: bytes, received_at: int) -> None:
        self.key = key
        self.payload = payload
        self.received_at = received_at
        self.done = trio.Event()
        self.result = AppendResult.DUPLICATE
        self.error: BaseException | None = None

    def resolve(self, result: AppendResult) -> None:
        if not self.done.is_set():
            self.result = result
            self.done.set()

    def fail(self, error: BaseException) -> None:
        if not self.done.is_set():
            self.error = error
            self.done.set()


def _encode(payload: Payload) -> bytes:
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, Mapping):
        return orjson.dumps(payload if type(payload) is dict else dict(payload))
    raise TypeError(f"payload must be bytes or a JSON object, not {type(payload).__name__}")


class Inbox:
    """Append updates durably; list and clean up stored ones."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._send: trio.MemorySendChannel[_Waiter] | None = None

    @property
    def writer_running(self) -> bool:
        return self._send is not None

    async def append(self, tenant_id: str, update_id: int, payload: Payload) -> AppendResult:
        """Store the update; return after its row is committed (NEW) or found (DUPLICATE).

        Raises `StorageUnavailable` when no writer runs or the batch's commit failed.
        Honours the caller's trio deadline and cancellation.
        """
        check_text("tenant_id", tenant_id, max_len=64)
        if type(update_id) is not int or not 0 <= update_id <= _MAX_UPDATE_ID:
            raise ValueError(f"update_id must be a non-negative int64, got {update_id!r}")
        waiter = _Waiter((tenant_id, update_id), _encode(payload), self._clock())
        send = self._send
        if send is None:
            raise StorageUnavailable("the inbox writer is not running")
        try:
            await send.send(waiter)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise StorageUnavailable("the inbox writer stopped") from None
        await waiter.done.wait()
        if waiter.error is not None:
            raise StorageUnavailable(f"inbox commit failed: {waiter.error}") from waiter.error
        return waiter.result

    async def run_writer(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """The group-commit writer. Start with ``await nursery.start(inbox.run_writer)``.

        Runs until cancelled; then fails every append still queued. A failed commit fails
        that batch's callers and the writer goes on. Raises RuntimeError if already running.
        """
        if self._send is not None:
            raise RuntimeError("the inbox writer is already running")
        send, receive = trio.open_memory_channel[_Waiter](INBOX_QUEUE_SIZE)
        self._send = send
        batch: list[_Waiter] = []
        try:
            task_status.started()
            while True:
                batch = [await receive.receive()]
                while len(batch) < INBOX_MAX_BATCH:
                    try:
                        batch.append(receive.receive_nowait())
                    except trio.WouldBlock:
                        break
                await self._commit(batch)
                batch = []
        finally:
            self._send = None
            stopped = StorageUnavailable("the inbox writer stopped")
            for waiter in batch:
                waiter.fail(stopped)
            while True:
                try:
                    receive.receive_nowait().fail(stopped)
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
            receive.close()
            send.close()

    async def pending(
        self, tenant_id: str, *, after: int | None = None, limit: int = 500
    ) -> list[InboxEntry]:
        """Pending updates of `tenant_id` in `update_id` order, after `after` (for replay)."""
        now = self._clock()
        return await self._engine.read(
            lambda c: InboxRows(c, tenant_id, now).pending(after=after, limit=limit),
            timeout=INBOX_READ_TIMEOUT,
        )

    async def purge_done(self, tenant_id: str, *, before: int) -> int:
        """Delete done rows of `tenant_id` finished before `before` (Unix ms), in chunks of
        `PURGE_CHUNK` (one short transaction each); return how many were deleted."""

        def purge_chunk(conn: SqlConn) -> int:
            return InboxRows(conn, tenant_id, self._clock()).purge_done(
                before=before, limit=PURGE_CHUNK
            )

        total = 0
        while True:
            deleted = await self._engine.write(purge_chunk, timeout=PURGE_TIMEOUT)
            total += deleted
            if deleted < PURGE_CHUNK:
                return total

    async def _commit(self, batch: list[_Waiter]) -> None:
        rows: dict[tuple[str, int], tuple[str, int, bytes, int]] = {}
        for waiter in batch:
            rows.setdefault(waiter.key, (*waiter.key, waiter.payload, waiter.received_at))
        try:
            new = await self._engine.write(
                lambda c: insert_batch(c, list(rows.values())), timeout=INBOX_COMMIT_TIMEOUT
            )
        except StorageError as exc:
            log.warning("storage.inbox.commit_failed", error=str(exc), batch=len(batch))
            for waiter in batch:
                waiter.fail(exc)
            return
        for waiter in batch:
            if waiter.key in new:
                new.discard(waiter.key)  # the first caller with this key gets NEW
                waiter.resolve(AppendResult.NEW)
            else:
                waiter.resolve(AppendResult.DUPLICATE)
