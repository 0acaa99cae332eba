"""The PostgreSQL engine: psycopg 3's sync `ConnectionPool`, used from trio worker threads.

psycopg's async API needs asyncio, so each transaction runs as one blocking call in a worker
thread (`trio.to_thread.run_sync`). A `trio.CapacityLimiter` sized like the pool bounds the
threads, so no thread waits inside the pool for long. Every pooled session has a
`statement_timeout` (and an idle-in-transaction timeout): the server itself ends a query that
outlives its caller. When the trio caller is cancelled, a cancel request is sent to the
server (`Connection.cancel_safe()`) and the transaction rolls back (see `_threads`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import psycopg
import psycopg_pool
import structlog
import trio
from psycopg.types.string import TextLoader

from ._dialect import POSTGRESQL, Dialect
from ._errors import StorageUnavailable
from ._sql import SqlConn, run_transaction
from ._threads import CancelFlag, Deadline, run_in_thread
from ._url import DatabaseUrl

__all__ = ["PostgresEngine"]

log = structlog.get_logger(__name__)

T = TypeVar("T")

POOL_MIN = 1
POOL_MAX = 10
POOL_WAIT = 10.0  # seconds a thread may wait for a pooled connection
CONNECT_TIMEOUT = 5  # libpq connect_timeout, whole seconds
STATEMENT_TIMEOUT_MS = 15_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
MIGRATION_STATEMENT_TIMEOUT_MS = 600_000
MIGRATION_LOCK_TIMEOUT_MS = 120_000
CANCEL_TIMEOUT = 5.0
DRAIN_TIMEOUT = STATEMENT_TIMEOUT_MS / 1000 + POOL_WAIT
OPEN_TIMEOUT = 15.0
LISTEN_MARGIN = 5.0  # beyond a LISTEN wait, for the connection and the answer
LISTEN_CLOSE_WAIT = 2.0  # closing waits this long for a listen in progress to end
CLOSE_TIMEOUT = 10.0
APPLICATION_NAME = "trt-actors"
# pg_advisory_lock key of the migrator: the ASCII bytes of "trt_migr".
MIGRATION_LOCK_KEY = 0x7472745F6D696772


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Session settings of every pooled connection (autocommit: they apply at once).

    JSON columns are returned as text, as SQLite returns them, and decoded in one place
    (`load_json`): psycopg would otherwise decode them, and a JSON string value would then
    be indistinguishable from undecoded text.
    """
    conn.adapters.register_loader("jsonb", TextLoader)
    conn.adapters.register_loader("json", TextLoader)
    conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(STATEMENT_TIMEOUT_MS),))
    conn.execute(
        "SELECT set_config('idle_in_transaction_session_timeout', %s, false)",
        (str(IDLE_IN_TRANSACTION_TIMEOUT_MS),),
    )


def _probe(url: DatabaseUrl) -> None:
    with psycopg.connect(url.url, connect_timeout=CONNECT_TIMEOUT, autocommit=True):
        pass


def _cancel_quietly(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.cancel_safe(timeout=CANCEL_TIMEOUT)
    except psycopg.Error as exc:
        log.warning("storage.cancel_failed", backend="postgresql", error=str(exc))


class _Current:
    """The connection a worker thread is using, for the trio side to cancel.

    A cancel request must not reach the server after the connection went back to the pool
    (it could cancel the next borrower's query): `detach` waits for one in flight.
    """

    __slots__ = ("_cancel_done", "_conn", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._cancel_done: threading.Event | None = None

    def attach(self, conn: psycopg.Connection[Any]) -> None:
        with self._lock:
            self._conn = conn

    def detach(self) -> None:
        """Called by the worker before the connection is returned or closed."""
        with self._lock:
            self._conn, done = None, self._cancel_done
        if done is not None:
            done.wait(CANCEL_TIMEOUT + 1)

    def interrupt(self) -> None:
        """Called in the trio thread: send a cancel request from a helper thread."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            done = self._cancel_done = threading.Event()

        def cancel() -> None:
            try:
                _cancel_quietly(conn)
            finally:
                done.set()

        trio.lowlevel.start_thread_soon(cancel, lambda _outcome: None)


class PostgresEngine:
    """`Engine` over a PostgreSQL database. Create with `await PostgresEngine.open(url)`."""

    def __init__(self, url: DatabaseUrl, pool: psycopg_pool.ConnectionPool) -> None:
        self._url = url
        self._pool = pool
        self._limiter = trio.CapacityLimiter(POOL_MAX)
        self._broken: str | None = None
        # LISTEN: one connection of its own, used by one thread at a time (a wait abandoned
        # by a cancelled caller finishes within its own timeout)
        self._listener: psycopg.Connection[Any] | None = None
        self._listening: set[str] = set()
        self._listen_lock = threading.Lock()

    @classmethod
    async def open(cls, url: DatabaseUrl) -> PostgresEngine:
        """Open the pool and wait until its first connection is ready."""
        pool = psycopg_pool.ConnectionPool(
            url.url,
            min_size=POOL_MIN,
            max_size=POOL_MAX,
            open=False,
            configure=_configure,
            timeout=POOL_WAIT,
            name="trt-store",
            kwargs={
                "autocommit": True,  # transactions are opened explicitly
                "connect_timeout": CONNECT_TIMEOUT,
                "application_name": APPLICATION_NAME,
            },
        )
        try:
            with Deadline(OPEN_TIMEOUT + 1, "postgresql open"):
                # One direct connection first: it fails fast, with libpq's own reason
                # (refused, auth, no database), where the pool would retry until timeout.
                await trio.to_thread.run_sync(lambda: _probe(url))
                await trio.to_thread.run_sync(lambda: pool.open(wait=True, timeout=OPEN_TIMEOUT))
        except BaseException as exc:
            with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT + 1):
                await trio.to_thread.run_sync(lambda: pool.close(timeout=CLOSE_TIMEOUT))
            if isinstance(exc, psycopg.Error):
                raise StorageUnavailable(f"cannot connect to {url.redacted}: {exc}") from exc
            raise
        log.info("storage.opened", backend="postgresql", url=url.redacted, pool_max=POOL_MAX)
        return cls(url, pool)

    @property
    def dialect(self) -> Dialect:
        return POSTGRESQL

    @property
    def url(self) -> DatabaseUrl:
        return self._url

    async def write(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with Deadline(timeout, "postgresql write"):
            return await self._pooled(fn, POSTGRESQL.begin_write)

    async def read(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with Deadline(timeout, "postgresql read"):
            return await self._pooled(fn, POSTGRESQL.begin_read)

    async def exclusive(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        current = _Current()

        def work(cancel: CancelFlag) -> T:
            with _translated(), self._connect_direct() as raw:
                current.attach(raw)
                try:
                    conn = SqlConn(raw, POSTGRESQL, cancel)
                    # Session-level lock, released when the connection closes below.
                    conn.run("SELECT pg_advisory_lock(:key)", {"key": MIGRATION_LOCK_KEY})
                    return fn(conn)
                finally:
                    current.detach()

        with Deadline(timeout, "postgresql migration"):
            return await self._thread(work, current)

    async def notifications(self, channel: str, *, wait: float) -> list[str]:
        if self._broken is not None:
            raise StorageUnavailable(f"postgresql engine unusable: {self._broken}")

        def listen() -> list[str]:
            with self._listen_lock, _translated():
                conn = self._listen_on(channel)
                try:
                    got = [n.payload for n in conn.notifies(timeout=wait, stop_after=1)]
                    if got:  # and whatever else is already there
                        got += [n.payload for n in conn.notifies(timeout=0.0)]
                except psycopg.Error:
                    self._close_listener()
                    raise
                return got

        with Deadline(wait + CONNECT_TIMEOUT + LISTEN_MARGIN, "postgresql listen"):
            return await trio.to_thread.run_sync(listen, abandon_on_cancel=True)

    def _listen_on(self, channel: str) -> psycopg.Connection[Any]:
        """The listening connection, opened and subscribed to `channel` if needed."""
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(
                self._url.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name=f"{APPLICATION_NAME}-listen",
            )
            self._listening = set()
        if channel not in self._listening:
            self._listener.execute(f'LISTEN "{channel}"')
            self._listening.add(channel)
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except psycopg.Error as exc:
                log.warning("storage.listener_close_failed", error=str(exc))
            self._listener = None

    async def aclose(self) -> None:
        if self._broken == "closed":
            return
        self._broken = "closed"

        def close_listener() -> None:
            # a listen in progress ends within its own wait (a second or so); do not wait longer
            if self._listen_lock.acquire(timeout=LISTEN_CLOSE_WAIT):
                try:
                    self._close_listener()
                finally:
                    self._listen_lock.release()

        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT + 1):
            await trio.to_thread.run_sync(close_listener, abandon_on_cancel=True)
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT + 1):
            await trio.to_thread.run_sync(lambda: self._pool.close(timeout=CLOSE_TIMEOUT))
        log.info("storage.closed", backend="postgresql", url=self._url.redacted)

    def _connect_direct(self) -> psycopg.Connection[Any]:
        """A connection outside the pool, for migrations (long timeouts, session lock)."""
        conn = psycopg.connect(
            self._url.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=f"{APPLICATION_NAME}-migrate",
        )
        conn.execute(f"SET statement_timeout = {MIGRATION_STATEMENT_TIMEOUT_MS}")
        conn.execute(f"SET lock_timeout = {MIGRATION_LOCK_TIMEOUT_MS}")
        return conn

    async def _pooled(self, fn: Callable[[SqlConn], T], begin: str) -> T:
        current = _Current()

        def work(cancel: CancelFlag) -> T:
            with _translated(), self._pool.connection(timeout=POOL_WAIT) as raw:
                current.attach(raw)
                try:
                    return run_transaction(SqlConn(raw, POSTGRESQL, cancel), fn, begin=begin)
                finally:
                    current.detach()

        return await self._thread(work, current)

    async def _thread(self, work: Callable[[CancelFlag], T], current: _Current) -> T:
        if self._broken is not None:
            raise StorageUnavailable(f"postgresql engine unusable: {self._broken}")
        return await run_in_thread(
            work,
            interrupt=current.interrupt,
            limiter=self._limiter,
            drain_timeout=DRAIN_TIMEOUT,
            on_stuck=lambda: log.error("storage.thread_stuck", backend="postgresql"),
        )


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn a psycopg error raised outside `SqlConn` (pool, connect) into a typed error."""
    try:
        yield
    except psycopg.Error as exc:
        typed = POSTGRESQL.translate(exc)
        if typed is None:
            raise
        raise typed from exc
