"""The `Engine` interface: where a transaction runs, on either backend.

An engine runs synchronous transaction functions (`fn(SqlConn) -> T`) in worker threads and
hands back their result. It knows connections, threads, locks, deadlines and cancellation;
it knows nothing about tables. `SqliteEngine` and `PostgresEngine` implement it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from ._dialect import Dialect
from ._sql import SqlConn
from ._sqlite import SqliteEngine
from ._url import DatabaseUrl, parse_url

__all__ = ["Engine", "open_engine"]

T = TypeVar("T")


class Engine(Protocol):
    """Runs transaction functions against one database."""

    @property
    def dialect(self) -> Dialect:
        """The SQL dialect of this backend."""
        ...

    @property
    def url(self) -> DatabaseUrl:
        """The database this engine is connected to."""
        ...

    async def write(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        """Run `fn` in one read-write transaction; return its result after COMMIT.

        If `fn` raises, the transaction is rolled back and the error propagates. If the
        caller is cancelled, the transaction is rolled back (unless COMMIT already ran) and
        no thread keeps it open. Raises `StorageUnavailable` when the database cannot be
        used or `timeout` seconds pass.
        """
        ...

    async def read(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        """Run `fn` in one read-only transaction (one consistent snapshot)."""
        ...

    async def exclusive(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        """Run `fn` on a connection outside any transaction, holding the migration lock.

        `fn` opens its own transactions (with `dialect.begin_write`). On PostgreSQL the lock
        is `pg_advisory_lock`, so two processes never run `fn` at once; on SQLite it is the
        in-process writer lock, and `BEGIN IMMEDIATE` serialises processes.
        """
        ...

    async def notifications(self, channel: str, *, wait: float) -> list[str]:
        """Payloads notified on `channel` by other connections, waiting up to `wait` seconds
        for the first (PostgreSQL LISTEN/NOTIFY, on a connection of its own). A backend
        without notifications waits and returns none. Raises `StorageUnavailable`."""
        ...

    async def aclose(self) -> None:
        """Close every connection. Later calls raise `StorageUnavailable`. Never raises."""
        ...


async def open_engine(url: str | DatabaseUrl) -> Engine:
    """Connect to the database named by `url` (see `parse_url`).

    Raises `StorageUnavailable` if it cannot be reached, ValueError if the URL is unusable.
    """
    parsed = url if isinstance(url, DatabaseUrl) else parse_url(url)
    if parsed.backend == "sqlite":
        return await SqliteEngine.open(parsed)
    from ._postgres import PostgresEngine  # noqa: PLC0415  (psycopg: loaded only for PostgreSQL)

    return await PostgresEngine.open(parsed)
