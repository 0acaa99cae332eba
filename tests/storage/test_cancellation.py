"""A cancelled or timed-out caller leaves no transaction behind, on both backends."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator

import pytest
import trio

from trt_actors.storage import StorageUnavailable, migrate
from trt_actors.storage._engine import Engine, open_engine
from trt_actors.storage._sql import SqlConn

from .support import query

INSERT = "INSERT INTO tenant_settings (tenant_id, key, value, updated_at) VALUES ('t', :k, '1', 0)"
ENDLESS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
    " SELECT max(x) FROM c",
    "postgresql": "SELECT pg_sleep(60)",
}
PROMPT = 3.0  # seconds within which a cancelled call must have returned


@pytest.fixture
async def engine(fresh_url: str) -> AsyncIterator[Engine]:
    await migrate(fresh_url)
    opened = await open_engine(fresh_url)
    try:
        yield opened
    finally:
        await opened.aclose()


def keys(url: str) -> list[str]:
    return [row[0] for row in query(url, "SELECT key FROM tenant_settings ORDER BY key")]


def assert_no_open_transaction(url: str) -> None:
    if url.startswith("sqlite:///"):
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds the write lock
            other.execute("ROLLBACK")
        finally:
            other.close()
        return
    busy = query(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state <> 'idle'",
    )
    assert busy == [(0,)]


async def test_cancel_during_a_long_statement_interrupts_and_rolls_back(
    engine: Engine, fresh_url: str
) -> None:
    def work(conn: SqlConn) -> None:
        conn.run(INSERT, {"k": "before"})
        conn.execute(ENDLESS[conn.dialect.name])

    started = time.monotonic()
    with trio.move_on_after(0.3) as scope:
        await engine.write(work, timeout=60)
    assert scope.cancelled_caught
    assert time.monotonic() - started < PROMPT
    assert keys(fresh_url) == []
    assert_no_open_transaction(fresh_url)
    await engine.write(lambda c: c.run(INSERT, {"k": "after"}), timeout=10)
    assert keys(fresh_url) == ["after"]


async def test_cancel_between_statements_commits_nothing(engine: Engine, fresh_url: str) -> None:
    def work(conn: SqlConn) -> None:
        conn.run(INSERT, {"k": "first"})
        time.sleep(0.6)  # not interruptible: the cancel flag stops the next statement
        conn.run(INSERT, {"k": "second"})

    started = time.monotonic()
    with trio.move_on_after(0.1) as scope:
        await engine.write(work, timeout=60)
    elapsed = time.monotonic() - started
    assert scope.cancelled_caught
    assert 0.5 < elapsed < PROMPT  # it waited for the thread instead of abandoning it
    assert keys(fresh_url) == []
    assert_no_open_transaction(fresh_url)


async def test_a_timeout_is_storage_unavailable_and_leaves_nothing(
    engine: Engine, fresh_url: str
) -> None:
    def work(conn: SqlConn) -> None:
        conn.run(INSERT, {"k": "late"})
        conn.execute(ENDLESS[conn.dialect.name])

    with pytest.raises(StorageUnavailable, match="timed out"):
        await engine.write(work, timeout=0.3)
    assert keys(fresh_url) == []
    assert_no_open_transaction(fresh_url)


async def test_a_cancelled_read_frees_its_connection(engine: Engine) -> None:
    for _ in range(6):  # more than the SQLite reader connections
        with trio.move_on_after(0.1):
            await engine.read(lambda c: c.execute(ENDLESS[c.dialect.name]), timeout=60)
    assert await engine.read(lambda c: c.scalar("SELECT 1"), timeout=5) == 1


async def test_a_call_cancelled_before_it_starts_never_runs(engine: Engine, fresh_url: str) -> None:
    with trio.CancelScope() as scope:
        scope.cancel()
        await engine.write(lambda c: c.run(INSERT, {"k": "never"}), timeout=10)
    assert keys(fresh_url) == []
