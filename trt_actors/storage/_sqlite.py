"""The SQLite engine: one writer connection behind a trio lock, a few reader connections.

How calls run (docs/storage.md, "SQLite: how calls run"):

- Writes go through one connection, with group commit (`_write_batch.WriteQueue`): writes
  queue in trio in FIFO order, and the writes waiting together run in one transaction
  (``BEGIN IMMEDIATE`` ... ``COMMIT``, a savepoint each) in a single worker-thread call.
  SQLite allows one writer at a time anyway; queueing in trio instead of in SQLite's busy
  handler keeps waiting cancellable and fair, a transaction never spans awaits, and one
  fsync and one thread trip serve every write of a batch.
- Reads use a small set of reader connections (``query_only``), each in a thread. In WAL
  mode they see a consistent snapshot and never wait for the writer.
- The database runs in WAL mode with ``synchronous=FULL``: COMMIT returns after the WAL is
  fsynced, so an acknowledged write survives a crash of the process or of the machine.
- Cancellation: see `_threads.run_in_thread`; the driver interrupt is
  `sqlite3.Connection.interrupt()`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import structlog
import trio

from ._dialect import SQLITE, Dialect
from ._errors import StorageUnavailable
from ._sql import SqlConn, run_transaction
from ._threads import Deadline, run_in_thread
from ._url import DatabaseUrl
from ._write_batch import WriteQueue

__all__ = ["SqliteEngine"]

log = structlog.get_logger(__name__)

T = TypeVar("T")

READERS = 4
BUSY_TIMEOUT = 5.0  # seconds SQLite waits for another process's write lock
DRAIN_TIMEOUT = BUSY_TIMEOUT + 5.0  # an interrupted call must end within this
OPEN_TIMEOUT = 15.0
CLOSE_TIMEOUT = 15.0
STATEMENT_CACHE = 256
WAL_RETRY_PAUSE = 0.01


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (persistent). SQLite answers SQLITE_BUSY at once, without its
    busy handler, while another connection switches too: retry until `BUSY_TIMEOUT`."""
    give_up = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname != "SQLITE_BUSY" or time.monotonic() > give_up:
                raise
            time.sleep(WAL_RETRY_PAUSE)
    if str(mode).lower() != "wal":
        raise StorageUnavailable(f"sqlite: cannot enable WAL (journal_mode={mode})")


def _connect(path: Path, *, reader: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT,
        isolation_level=None,  # autocommit: transactions are opened explicitly
        check_same_thread=False,  # used from trio's worker threads, one call at a time
        cached_statements=STATEMENT_CACHE,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        if reader:
            conn.execute("PRAGMA query_only = ON")
        else:
            _enable_wal(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _open_all(path: Path) -> tuple[sqlite3.Connection, list[sqlite3.Connection]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _connect(path, reader=False)
    readers: list[sqlite3.Connection] = []
    try:
        readers.extend(_connect(path, reader=True) for _ in range(READERS))
    except BaseException:
        for conn in [writer, *readers]:
            conn.close()
        raise
    return writer, readers


class SqliteEngine:
    """`Engine` over one SQLite file. Create with `await SqliteEngine.open(url)`."""

    def __init__(
        self, url: DatabaseUrl, writer: sqlite3.Connection, readers: list[sqlite3.Connection]
    ) -> None:
        self._url = url
        self._writer = writer
        self._readers = readers
        self._all = [writer, *readers]
        self._writes = WriteQueue(writer, SQLITE, self._call_writer, drain_timeout=DRAIN_TIMEOUT)
        self._write_lock = self._writes.lock
        self._reader_slots = trio.Semaphore(len(readers))
        self._limiter = trio.CapacityLimiter(len(readers) + 1)
        self._broken: str | None = None

    @classmethod
    async def open(cls, url: DatabaseUrl) -> SqliteEngine:
        """Open (creating if needed) the file and its directory; enable WAL."""
        assert url.sqlite_path is not None
        try:
            with Deadline(OPEN_TIMEOUT, "sqlite open"):
                writer, readers = await trio.to_thread.run_sync(_open_all, url.sqlite_path)
        except (sqlite3.Error, OSError) as exc:
            raise StorageUnavailable(f"cannot open {url.redacted}: {exc}") from exc
        log.info("storage.opened", backend="sqlite", url=url.redacted)
        return cls(url, writer, readers)

    @property
    def dialect(self) -> Dialect:
        return SQLITE

    @property
    def url(self) -> DatabaseUrl:
        return self._url

    async def write(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with Deadline(timeout, "sqlite write"):
            return await self._writes.submit(fn)

    async def read(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with Deadline(timeout, "sqlite read"):
            async with self._reader_slots:
                conn = self._readers.pop()
                try:
                    return await self._call(
                        conn, lambda c: run_transaction(c, fn, begin=SQLITE.begin_read)
                    )
                finally:
                    self._readers.append(conn)

    async def exclusive(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with Deadline(timeout, "sqlite migration"):
            async with self._write_lock:
                return await self._call(self._writer, fn)

    async def notifications(self, channel: str, *, wait: float) -> list[str]:
        """SQLite has no notifications: wait, and return none."""
        await trio.sleep(wait)
        return []

    async def aclose(self) -> None:
        if self._broken == "closed":
            return
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
            async with self._write_lock:  # wait for the write and the reads in flight
                for _ in self._readers:
                    await self._reader_slots.acquire()
                self._broken = "closed"
                await trio.to_thread.run_sync(self._close_all)
        log.info("storage.closed", backend="sqlite", url=self._url.redacted)

    def _close_all(self) -> None:
        for conn in self._all:
            try:
                conn.close()
            except sqlite3.Error as exc:
                log.warning("storage.close_failed", backend="sqlite", error=str(exc))

    async def _call(self, raw: sqlite3.Connection, work: Callable[[SqlConn], T]) -> T:
        if self._broken is not None:
            raise StorageUnavailable(f"sqlite engine unusable: {self._broken}")
        return await run_in_thread(
            lambda cancel: work(SqlConn(raw, SQLITE, cancel)),
            interrupt=raw.interrupt,
            limiter=self._limiter,
            drain_timeout=DRAIN_TIMEOUT,
            on_stuck=self._mark_stuck,
        )

    async def _call_writer(self, work: Callable[[], None], interrupt: Callable[[], None]) -> None:
        """A batch of writes (`WriteQueue`) in a worker thread on the writer connection."""
        if self._broken is not None:
            raise StorageUnavailable(f"sqlite engine unusable: {self._broken}")
        await run_in_thread(
            lambda _cancel: work(),  # each write has its own flag (`WriteQueue`)
            interrupt=interrupt,
            limiter=self._limiter,
            drain_timeout=DRAIN_TIMEOUT,
            on_stuck=self._mark_stuck,
        )

    def _mark_stuck(self) -> None:
        self._broken = "a cancelled call did not finish; restart the store"
        log.error("storage.thread_stuck", backend="sqlite", drain_timeout=DRAIN_TIMEOUT)
