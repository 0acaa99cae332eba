"""`Store`: the storage layer's front door, and the `store` actor's body.

::

    async with open_store(settings.database_url) as store:      # migrated, ready
        async with trio.open_nursery() as nursery:
            await nursery.start(store.inbox.run_writer)          # group-commit writer
            entry = await store.run(tenant, lambda tx: tx.ledger.hold(...))

`serve_store` does exactly this as a supervised child: it calls ``task_status.started(store)``
once migrations are applied and the inbox writer runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import trio

from ._clock import Clock, wall_clock_ms
from ._engine import Engine, open_engine
from ._errors import MigrationError
from ._inbox import Inbox
from ._instances import Instances
from ._migrate import SchemaStatus, apply_migrations, schema_status
from ._repo import check_text
from ._tx import Tx
from ._url import DEFAULT_URL, parse_url
from .migrations import LATEST, MIGRATIONS

__all__ = [
    "READ_TIMEOUT",
    "WRITE_TIMEOUT",
    "Store",
    "migrate",
    "open_store",
    "serve_store",
    "status",
]

T = TypeVar("T")

WRITE_TIMEOUT = 10.0
READ_TIMEOUT = 10.0


class Store:
    """Transactions per tenant, and the durable inbox. Get one from `open_store`."""

    def __init__(self, engine: Engine, clock: Clock = wall_clock_ms) -> None:
        self._engine = engine
        self._clock = clock
        self.inbox = Inbox(engine, clock)
        self.instances = Instances(engine, clock)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL, password redacted."""
        return self._engine.url.redacted

    async def run(
        self, tenant_id: str, fn: Callable[[Tx], T], *, timeout: float = WRITE_TIMEOUT
    ) -> T:
        """Run `fn(tx)` in one read-write transaction for `tenant_id`; return its result.

        Returns only after COMMIT. If `fn` raises, nothing it did is kept and the error
        propagates. If the caller is cancelled (or `timeout` passes: `StorageUnavailable`),
        the transaction is rolled back unless COMMIT had already run, and no thread is left
        holding it. `fn` runs in a worker thread and must not await.
        """
        check_text("tenant_id", tenant_id, max_len=64)
        now = self._clock()
        return await self._engine.write(lambda db: fn(Tx(db, tenant_id, now)), timeout=timeout)

    async def read(
        self, tenant_id: str, fn: Callable[[Tx], T], *, timeout: float = READ_TIMEOUT
    ) -> T:
        """Run `fn(tx)` in one read-only transaction (a consistent snapshot); `fn` must not
        write. Same cancellation guarantees as `run`."""
        check_text("tenant_id", tenant_id, max_len=64)
        now = self._clock()
        return await self._engine.read(lambda db: fn(Tx(db, tenant_id, now)), timeout=timeout)

    async def schema_status(self) -> SchemaStatus:
        """The schema version of the database and the migrations this program knows."""
        return await schema_status(self._engine)


@contextlib.asynccontextmanager
async def open_store(
    url: str = DEFAULT_URL, *, migrate: bool = True, clock: Clock = wall_clock_ms
) -> AsyncIterator[Store]:
    """Connect, apply pending migrations (or, with ``migrate=False``, require none pending),
    and yield a `Store`; close every connection on exit.

    Raises `StorageUnavailable`, `MigrationError`, or ValueError for an unusable URL.
    """
    engine = await open_engine(url)
    try:
        if migrate:
            await apply_migrations(engine)
        else:
            current = await schema_status(engine)
            if not current.up_to_date:
                raise MigrationError(
                    f"schema version {current.current}, this program needs {current.latest};"
                    " run `trt db migrate`"
                )
        yield Store(engine, clock)
    finally:
        await engine.aclose()


async def serve_store(
    url: str = DEFAULT_URL, *, task_status: trio.TaskStatus[Store] = trio.TASK_STATUS_IGNORED
) -> None:
    """The `store` actor: open and migrate, start the inbox writer, report the `Store` via
    ``task_status.started``, then serve until cancelled."""
    async with open_store(url) as store, trio.open_nursery() as nursery:
        await nursery.start(store.inbox.run_writer)
        task_status.started(store)
        await trio.sleep_forever()


async def migrate(url: str) -> list[int]:
    """Apply pending migrations to the database at `url`; return the versions applied."""
    engine = await open_engine(url)
    try:
        return await apply_migrations(engine)
    finally:
        await engine.aclose()


async def status(url: str) -> SchemaStatus:
    """Read the schema version of the database at `url` without changing it (a missing
    SQLite file is reported as version 0, and not created)."""
    parsed = parse_url(url)
    if parsed.sqlite_path is not None and not parsed.sqlite_path.exists():
        return SchemaStatus(0, LATEST, tuple(f"{m.version:04d}_{m.name}" for m in MIGRATIONS))
    engine = await open_engine(parsed)
    try:
        return await schema_status(engine)
    finally:
        await engine.aclose()
