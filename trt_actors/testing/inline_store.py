"""A `Store` on an in-memory SQLite database that runs every transaction inline, on the
trio thread: no worker thread, so trio's MockClock never jumps while a query runs.

For deadline tests of actors that use storage (job actors on `autojump_clock`):

    async with open_inline_store(clock=lambda: int(trio.current_time() * 1000)) as store:
        ...

Never for production: a query blocks the event loop while it runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import trio

from trt_actors.storage import Store
from trt_actors.storage._clock import Clock, wall_clock_ms
from trt_actors.storage._dialect import SQLITE, Dialect
from trt_actors.storage._migrate import apply_migrations
from trt_actors.storage._sql import SqlConn, run_transaction
from trt_actors.storage._url import DatabaseUrl, parse_url

T = TypeVar("T")


class InlineSqliteEngine:
    """An `Engine` over one in-memory SQLite connection, used on the trio thread."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")

    @property
    def dialect(self) -> Dialect:
        return SQLITE

    @property
    def url(self) -> DatabaseUrl:
        return parse_url("sqlite:///:memory:")

    async def write(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        await trio.lowlevel.checkpoint()
        return run_transaction(SqlConn(self._conn, SQLITE), fn, begin=SQLITE.begin_write)

    async def read(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        await trio.lowlevel.checkpoint()
        return run_transaction(SqlConn(self._conn, SQLITE), fn, begin=SQLITE.begin_read)

    async def exclusive(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        await trio.lowlevel.checkpoint()
        return fn(SqlConn(self._conn, SQLITE))

    async def notifications(self, channel: str, *, wait: float) -> list[str]:
        """SQLite has no notifications: wait, and return none."""
        await trio.sleep(wait)
        return []

    async def aclose(self) -> None:
        self._conn.close()


@asynccontextmanager
async def open_inline_store(clock: Clock = wall_clock_ms) -> AsyncIterator[Store]:
    """A migrated in-memory store whose transactions run inline (see the module doc)."""
    engine = InlineSqliteEngine()
    try:
        await apply_migrations(engine)
        yield Store(engine, clock)
    finally:
        await engine.aclose()
