"""Migrations: forward-only, once each, safe to run concurrently."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg.errors
import pytest
import trio

from trt_actors.storage import LATEST, MigrationError, migrate, open_store, status
from trt_actors.storage._engine import open_engine
from trt_actors.storage._migrate import apply_migrations
from trt_actors.storage._postgres import MIGRATION_LOCK_KEY
from trt_actors.storage.migrations import MIGRATIONS, Migration

from .support import query

NEXT = LATEST + 1
EXTRA = Migration(NEXT, "extra", "CREATE TABLE extra (tenant_id TEXT NOT NULL, n $i64) $strict;")
BROKEN = Migration(
    NEXT, "broken", "CREATE TABLE half_done (tenant_id TEXT NOT NULL) $strict;\nNOT SQL AT ALL;"
)


def test_migrations_are_numbered_one_by_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))


async def test_applying_twice_is_a_no_op(fresh_url: str) -> None:
    before = await status(fresh_url)
    assert (before.current, before.latest, before.up_to_date) == (0, LATEST, False)
    assert await migrate(fresh_url) == list(range(1, LATEST + 1))
    assert await migrate(fresh_url) == []
    after = await status(fresh_url)
    assert (after.current, after.pending, after.up_to_date) == (LATEST, (), True)
    assert query(fresh_url, "SELECT count(*) FROM schema_version") == [(LATEST,)]


async def test_a_new_migration_applies_alone_and_a_broken_one_not_at_all(fresh_url: str) -> None:
    engine = await open_engine(fresh_url)
    try:
        assert await apply_migrations(engine) == list(range(1, LATEST + 1))
        with pytest.raises((sqlite3.OperationalError, psycopg.errors.SyntaxError)):
            await apply_migrations(engine, (*MIGRATIONS, BROKEN))
        assert query(fresh_url, "SELECT max(version) FROM schema_version") == [(LATEST,)]
        assert await apply_migrations(engine, (*MIGRATIONS, EXTRA)) == [NEXT]
    finally:
        await engine.aclose()
    assert query(fresh_url, "SELECT count(*) FROM extra") == [(0,)]
    with pytest.raises((sqlite3.OperationalError, psycopg.errors.UndefinedTable)):
        query(fresh_url, "SELECT count(*) FROM half_done")  # rolled back with its migration


async def test_concurrent_migrators_apply_each_step_once(fresh_url: str) -> None:
    applied: list[list[int]] = []

    async def migrator() -> None:
        applied.append(await migrate(fresh_url))

    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            for _ in range(4):
                nursery.start_soon(migrator)
    assert sorted(v for versions in applied for v in versions) == list(range(1, LATEST + 1))
    assert query(fresh_url, "SELECT count(*) FROM schema_version") == [(LATEST,)]


async def test_postgres_migrator_waits_for_the_advisory_lock(fresh_pg_url: str) -> None:
    with psycopg.connect(fresh_pg_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        done = trio.Event()

        async def migrator() -> None:
            await migrate(fresh_pg_url)
            done.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(migrator)
            await trio.sleep(0.5)
            assert not done.is_set()
            assert (await status(fresh_pg_url)).current == 0
            await trio.to_thread.run_sync(
                lambda: holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
            )
            with trio.fail_after(30):
                await done.wait()
    assert (await status(fresh_pg_url)).current == LATEST


async def test_a_database_newer_than_the_program_is_refused(fresh_url: str) -> None:
    await migrate(fresh_url)
    query(fresh_url, "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'x', 0)")
    assert (await status(fresh_url)).too_new
    with pytest.raises(MigrationError):
        async with open_store(fresh_url):
            pass


async def test_open_without_migrating_requires_an_up_to_date_schema(fresh_url: str) -> None:
    with pytest.raises(MigrationError, match="trt db migrate"):
        async with open_store(fresh_url, migrate=False):
            pass
    await migrate(fresh_url)
    async with open_store(fresh_url, migrate=False) as store:
        assert (await store.schema_status()).up_to_date
