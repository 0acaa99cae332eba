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

Several instances: each row records its user's partition, and on PostgreSQL, once
`announce_as` named this instance, each batch's transaction also sends a notification
(`NOTIFY trt_inbox`) naming the partitions it wrote to — delivered to the other instances at
the commit, with the rows, never before and never for rows that did not commit. The owners
of those partitions read them (`pending_ids`, `entries`), and `notifications` is how an
instance waits for them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
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

NOTIFY_CHANNEL = "trt_inbox"
NOTIFY_MAX_BYTES = 7900  # PostgreSQL refuses a notification payload of 8000 bytes or more
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

    __slots__ = ("done", "error", "key", "partition", "payload", "received_at", "result")

    def __init__(
        self, key: tuple[str, int], payload: bytes, received_at: int, partition: int
    ) -> None:
        self.key = key
        self.payload = payload
        self.received_at = received_at
        self.partition = partition
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
        self._origin: str | None = None  # this instance, once other instances may listen

    @property
    def writer_running(self) -> bool:
        return self._send is not None

    def announce_as(self, origin: str) -> None:
        """Notify other instances of every batch from now on, as `origin` (PostgreSQL)."""
        self._origin = origin

    async def append(
        self, tenant_id: str, update_id: int, payload: Payload, *, partition: int = -1
    ) -> AppendResult:
        """Store the update (of a user in `partition`); return after its row is committed
        (NEW) or found (DUPLICATE).

        Raises `StorageUnavailable` when no writer runs or the batch's commit failed.
        Honours the caller's trio deadline and cancellation.
        """
        check_text("tenant_id", tenant_id, max_len=64)
        if type(update_id) is not int or not 0 <= update_id <= _MAX_UPDATE_ID:
            raise ValueError(f"update_id must be a non-negative int64, got {update_id!r}")
        waiter = _Waiter((tenant_id, update_id), _encode(payload), self._clock(), partition)
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

    async def pending_ids(
        self, tenant_id: str, partitions: Sequence[int], *, limit: int = 10_000
    ) -> list[tuple[int, int]]:
        """(update_id, partition) of the pending rows of `partitions`, in update_id order."""
        now = self._clock()
        return await self._engine.read(
            lambda c: InboxRows(c, tenant_id, now).pending_in(partitions, limit=limit),
            timeout=INBOX_READ_TIMEOUT,
        )

    async def entries(self, tenant_id: str, update_ids: Sequence[int]) -> list[InboxEntry]:
        """The rows of `update_ids` that exist, in update_id order."""
        now = self._clock()
        return await self._engine.read(
            lambda c: InboxRows(c, tenant_id, now).by_ids(update_ids),
            timeout=INBOX_READ_TIMEOUT,
        )

    async def assign_partitions(self, tenant_id: str, partition_of: Callable[[bytes], int]) -> int:
        """Give the pending rows stored before partitions existed their partition
        (`partition_of(payload)`); return how many. Idempotent, in chunks."""

        def assign(conn: SqlConn) -> int:
            rows = InboxRows(conn, tenant_id, self._clock())
            found = rows.unassigned(limit=PURGE_CHUNK)
            for entry in found:
                rows.assign(entry.update_id, partition_of(entry.payload))
            return len(found)

        total = 0
        while True:
            done = await self._engine.write(assign, timeout=PURGE_TIMEOUT)
            total += done
            if done < PURGE_CHUNK:
                return total

    async def notifications(self, wait: float) -> list[str]:
        """The inbox notifications of other instances' batches, waiting up to `wait`
        seconds for the first (each: ``"<origin>|<tenant>:<partition>,...|..."``). On
        SQLite, which has none, it waits and returns nothing."""
        return await self._engine.notifications(NOTIFY_CHANNEL, wait=wait)

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
        rows: dict[tuple[str, int], tuple[str, int, bytes, int, int]] = {}
        for waiter in batch:
            rows.setdefault(
                waiter.key, (*waiter.key, waiter.payload, waiter.received_at, waiter.partition)
            )
        notices = self._notices(batch)

        def insert(conn: SqlConn) -> set[tuple[str, int]]:
            new = insert_batch(conn, list(rows.values()))
            for notice in notices:
                conn.run(
                    "SELECT pg_notify(:channel, :payload)",
                    {"channel": NOTIFY_CHANNEL, "payload": notice},
                )
            return new

        try:
            new = await self._engine.write(insert, timeout=INBOX_COMMIT_TIMEOUT)
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

    def _notices(self, batch: list[_Waiter]) -> list[str]:
        """The notification payloads of a batch: the partitions written, per tenant."""
        if self._origin is None or self._engine.dialect.name != "postgresql":
            return []
        by_tenant: dict[str, set[int]] = {}
        for waiter in batch:
            by_tenant.setdefault(waiter.key[0], set()).add(waiter.partition)
        notices: list[str] = []
        current = self._origin
        for tenant, partitions in by_tenant.items():
            part = f"{tenant}:{','.join(str(p) for p in sorted(partitions))}"
            if len(current) + len(part) + 1 > NOTIFY_MAX_BYTES:
                notices.append(current)
                current = self._origin
            current = f"{current}|{part}"
        notices.append(current)
        return notices
