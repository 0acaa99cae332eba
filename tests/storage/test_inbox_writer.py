"""The group-commit writer against a scripted engine (mock clock: no threads, no sockets).

The engine runs each transaction in the trio thread on an in-memory SQLite database after a
simulated commit delay, and can be told to fail; so batching, error fan-out and shutdown are
checked deterministically.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

import pytest
import trio
from trio.testing import MockClock

from trt_actors.storage import AppendResult, Inbox, StorageUnavailable
from trt_actors.storage._dialect import SQLITE, Dialect
from trt_actors.storage._sql import SqlConn, run_transaction
from trt_actors.storage._url import DatabaseUrl, parse_url
from trt_actors.storage.migrations import MIGRATIONS

T = TypeVar("T")


class ScriptedEngine:
    """Just enough of `Engine` for the inbox writer."""

    def __init__(self, commit_delay: float = 0.01) -> None:
        raw = sqlite3.connect(":memory:", isolation_level=None)
        self.conn = SqlConn(raw, SQLITE)
        for migration in MIGRATIONS:
            self.conn.script(migration.script(SQLITE))
        self.commit_delay = commit_delay
        self.fail = False
        self.batches: list[int] = []

    @property
    def dialect(self) -> Dialect:
        return SQLITE

    @property
    def url(self) -> DatabaseUrl:
        return parse_url("sqlite:///scripted.db")

    async def write(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        with trio.fail_after(timeout):
            await trio.sleep(self.commit_delay)
        if self.fail:
            raise StorageUnavailable("disk on fire")
        result = run_transaction(self.conn, fn, begin="BEGIN IMMEDIATE")
        if isinstance(result, set):
            self.batches.append(len(result))
        return result

    async def read(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        return run_transaction(self.conn, fn, begin="BEGIN")

    async def exclusive(self, fn: Callable[[SqlConn], T], *, timeout: float) -> T:
        return fn(self.conn)

    async def aclose(self) -> None:
        self.conn.raw.close()


def clock_ms() -> int:
    return int(trio.current_time() * 1000)


async def test_concurrent_appends_share_commits(autojump_clock: MockClock) -> None:
    engine = ScriptedEngine()
    inbox = Inbox(engine, clock_ms)
    results: list[AppendResult] = []

    async def append(update_id: int) -> None:
        results.append(await inbox.append("t", update_id, b"{}"))

    async with trio.open_nursery() as nursery:
        await nursery.start(inbox.run_writer)
        async with trio.open_nursery() as appenders:
            for update_id in range(500):
                appenders.start_soon(append, update_id)
        nursery.cancel_scope.cancel()
    assert results == [AppendResult.NEW] * 500
    assert sum(engine.batches) == 500
    assert len(engine.batches) <= 4  # the first alone, then the rest in batches of <= 256


async def test_a_failed_commit_fails_every_caller_of_the_batch(autojump_clock: MockClock) -> None:
    engine = ScriptedEngine()
    inbox = Inbox(engine, clock_ms)
    errors: list[Exception] = []

    async def append(update_id: int) -> None:
        try:
            await inbox.append("t", update_id, b"{}")
        except StorageUnavailable as exc:
            errors.append(exc)

    async with trio.open_nursery() as nursery:
        await nursery.start(inbox.run_writer)
        engine.fail = True
        with trio.fail_after(5):
            async with trio.open_nursery() as appenders:
                for update_id in range(50):
                    appenders.start_soon(append, update_id)
        assert len(errors) == 50
        engine.fail = False  # the writer goes on after a failed batch
        assert await inbox.append("t", 1, b"{}") is AppendResult.NEW
        nursery.cancel_scope.cancel()


async def test_stopping_the_writer_fails_queued_callers_instead_of_hanging(
    autojump_clock: MockClock,
) -> None:
    engine = ScriptedEngine(commit_delay=30)
    inbox = Inbox(engine, clock_ms)
    outcomes: list[str] = []

    async def append(update_id: int) -> None:
        try:
            await inbox.append("t", update_id, b"{}")
            outcomes.append("stored")
        except StorageUnavailable:
            outcomes.append("failed")

    with trio.fail_after(10):
        async with trio.open_nursery() as outer, trio.open_nursery() as writer:
            await writer.start(inbox.run_writer)
            for update_id in range(20):
                outer.start_soon(append, update_id)
            await trio.sleep(1)  # the first batch is committing, the rest are queued
            writer.cancel_scope.cancel()
    assert outcomes == ["failed"] * 20
    assert not inbox.writer_running
    with pytest.raises(StorageUnavailable):
        await inbox.append("t", 99, b"{}")


async def test_a_caller_deadline_applies_while_waiting(autojump_clock: MockClock) -> None:
    engine = ScriptedEngine(commit_delay=5)
    inbox = Inbox(engine, clock_ms)
    async with trio.open_nursery() as nursery:
        await nursery.start(inbox.run_writer)
        with trio.move_on_after(1) as waited:
            await inbox.append("t", 1, b"{}")
        assert waited.cancelled_caught
        nursery.cancel_scope.cancel()


async def test_only_one_writer_runs(autojump_clock: MockClock) -> None:
    inbox = Inbox(ScriptedEngine(), clock_ms)
    async with trio.open_nursery() as nursery:
        await nursery.start(inbox.run_writer)
        with pytest.raises(RuntimeError):
            await inbox.run_writer()
        nursery.cancel_scope.cancel()
