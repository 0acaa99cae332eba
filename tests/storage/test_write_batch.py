"""Group commit on SQLite: writes waiting together share one transaction, and each caller
still gets exactly what a transaction of its own would have given it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trio

from trt_actors.storage import StorageError, StorageUnavailable, open_store
from trt_actors.storage._dialect import SQLITE
from trt_actors.storage._sql import SqlConn
from trt_actors.storage._threads import run_in_thread
from trt_actors.storage._write_batch import WriteQueue

SCHEMA = """
CREATE TABLE notes (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE children (
    id INTEGER PRIMARY KEY,
    parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED
);
"""


class Writer:
    """A `WriteQueue` on a real SQLite file, counting the worker-thread calls it makes."""

    def __init__(self, path: Path, max_batch: int = 64) -> None:
        self.path = path
        self.raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.raw.execute("PRAGMA journal_mode = WAL")
        self.raw.execute("PRAGMA foreign_keys = ON")
        self.raw.executescript(SCHEMA)
        self.batches: list[int] = []
        self.queue = WriteQueue(self.raw, SQLITE, self._call, drain_timeout=5, max_batch=max_batch)
        self.limiter = trio.CapacityLimiter(1)

    async def _call(self, work: Callable[[], None], interrupt: Callable[[], None]) -> None:
        self.batches.append(len(self.queue._queue))  # writes still waiting when it starts
        await run_in_thread(
            lambda _cancel: work(), interrupt=interrupt, limiter=self.limiter,
            drain_timeout=5, on_stuck=lambda: pytest.fail("stuck"),
        )  # fmt: skip

    def keys(self) -> list[str]:
        other = sqlite3.connect(self.path)
        try:
            return [row[0] for row in other.execute("SELECT key FROM notes ORDER BY key")]
        finally:
            other.close()


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Writer]:
    opened = Writer(tmp_path / "batch.db")
    try:
        yield opened
    finally:
        opened.raw.close()


def insert(key: str, value: int = 1) -> Callable[[SqlConn], int]:
    def work(conn: SqlConn) -> int:
        return conn.run("INSERT INTO notes (key, value) VALUES (:k, :v)", {"k": key, "v": value})

    return work


def hold_the_connection(conn: SqlConn) -> None:
    time.sleep(0.1)


async def submit_all(writer: Writer, works: dict[str, Callable[[SqlConn], object]]) -> dict:
    """Submit every work (in order) while a first write holds the connection, so they wait
    together; each key's result or the exception it raised."""
    outcomes: dict[str, object] = {}

    async def one(key: str, work: Callable[[SqlConn], object]) -> None:
        try:
            outcomes[key] = await writer.queue.submit(work)
        except Exception as exc:  # the test looks at what each caller got
            outcomes[key] = exc

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.queue.submit, hold_the_connection)
        await trio.sleep(0.02)
        for key, work in works.items():
            nursery.start_soon(one, key, work)
            await trio.lowlevel.checkpoint()  # keep the arrival order
    return outcomes


async def test_writes_waiting_together_share_one_transaction(writer: Writer) -> None:
    outcomes = await submit_all(writer, {f"k{i:02}": insert(f"k{i:02}") for i in range(40)})
    assert outcomes == {f"k{i:02}": 1 for i in range(40)}
    assert writer.keys() == [f"k{i:02}" for i in range(40)]
    assert len(writer.batches) == 2  # the first write alone, then everyone who queued meanwhile


async def test_a_batch_takes_at_most_max_batch_writes(tmp_path: Path) -> None:
    small = Writer(tmp_path / "small.db", max_batch=5)
    try:
        await submit_all(small, {f"k{i:02}": insert(f"k{i:02}") for i in range(20)})
        assert len(small.keys()) == 20 and len(small.batches) == 5  # the holder, then 4 of 5
    finally:
        small.raw.close()


async def test_writes_run_in_arrival_order_and_see_the_earlier_ones(writer: Writer) -> None:
    def double(conn: SqlConn) -> int:
        conn.run("UPDATE notes SET value = value * 2 WHERE key = 'a'")
        return int(conn.scalar("SELECT value FROM notes WHERE key = 'a'"))

    outcomes = await submit_all(writer, {"a": insert("a", 3), "x2": double, "x4": double})
    assert outcomes == {"a": 1, "x2": 6, "x4": 12}


async def test_a_write_that_raises_is_undone_alone(writer: Writer) -> None:
    def half_then_fail(conn: SqlConn) -> None:
        conn.run("INSERT INTO notes (key, value) VALUES ('half', 1)")
        raise ValueError("the caller's own error")

    outcomes = await submit_all(
        writer, {"a": insert("a"), "bad": half_then_fail, "dup": insert("a"), "b": insert("b")}
    )
    assert outcomes["a"] == 1 and outcomes["b"] == 1
    assert (
        isinstance(outcomes["bad"], ValueError) and str(outcomes["bad"]) == "the caller's own error"
    )
    assert isinstance(outcomes["dup"], StorageError)  # the unique key, as a typed error
    assert writer.keys() == ["a", "b"]


async def test_a_failed_commit_fails_every_write_and_keeps_none(writer: Writer) -> None:
    def orphan(conn: SqlConn) -> None:  # a deferred foreign key: refused only at COMMIT
        conn.run("INSERT INTO children (id, parent) VALUES (1, 99)")

    outcomes = await submit_all(writer, {"a": insert("a"), "orphan": orphan, "b": insert("b")})
    assert all(isinstance(outcome, StorageError) for outcome in outcomes.values()), outcomes
    assert writer.keys() == []
    assert await writer.queue.submit(insert("after")) == 1  # the writer goes on
    assert writer.keys() == ["after"]


async def test_a_write_that_loses_the_transaction_fails_the_batch(writer: Writer) -> None:
    def rollback_everything(conn: SqlConn) -> None:
        conn.raw.execute("ROLLBACK")
        raise RuntimeError("rolled back under everyone")

    outcomes = await submit_all(
        writer, {"a": insert("a"), "rogue": rollback_everything, "b": insert("b")}
    )
    assert isinstance(outcomes["rogue"], RuntimeError)
    assert isinstance(outcomes["a"], StorageUnavailable) and "rolled back" in str(outcomes["a"])
    assert writer.keys() == []


async def test_a_write_cancelled_while_queued_never_runs(writer: Writer) -> None:
    def slow(conn: SqlConn) -> int:
        time.sleep(0.3)
        return conn.run("INSERT INTO notes (key, value) VALUES ('slow', 1)")

    cancelled = trio.CancelScope()

    async def queued() -> None:
        with cancelled:
            await writer.queue.submit(insert("never"))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.queue.submit, slow)
        await trio.sleep(0.05)  # the slow write holds the connection
        nursery.start_soon(queued)
        nursery.start_soon(writer.queue.submit, insert("later"))
        await trio.sleep(0.05)
        cancelled.cancel()
    assert cancelled.cancelled_caught
    assert writer.keys() == ["later", "slow"]


async def test_a_cancelled_write_in_a_running_batch_is_undone_and_waits(writer: Writer) -> None:
    def first_then_pause(conn: SqlConn) -> None:
        conn.run("INSERT INTO notes (key, value) VALUES ('mine', 1)")
        time.sleep(0.4)  # cancelled meanwhile: the next statement refuses
        conn.run("INSERT INTO notes (key, value) VALUES ('mine too', 1)")

    mine = trio.CancelScope()
    returned: list[float] = []

    async def cancelled_write() -> None:
        with mine:
            await writer.queue.submit(first_then_pause)
        returned.append(time.monotonic())

    began = time.monotonic()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.queue.submit, hold_the_connection)
        await trio.sleep(0.02)
        nursery.start_soon(cancelled_write)  # these two queue behind the blocker: one batch
        nursery.start_soon(writer.queue.submit, insert("other"))
        await trio.sleep(0.2)  # the batch runs; `first_then_pause` is pausing
        mine.cancel()
    assert mine.cancelled_caught
    assert returned[0] - began > 0.45  # it waited for its batch instead of leaving it behind
    assert writer.keys() == ["other"]


async def test_when_every_write_is_cancelled_the_statement_is_interrupted(
    writer: Writer,
) -> None:
    def endless(conn: SqlConn) -> None:
        conn.run("INSERT INTO notes (key, value) VALUES ('started', 1)")
        conn.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
        )

    began = time.monotonic()
    with trio.move_on_after(0.2) as scope:
        await writer.queue.submit(endless)
    assert scope.cancelled_caught and time.monotonic() - began < 3
    assert writer.keys() == []
    assert await writer.queue.submit(insert("after")) == 1


async def test_the_store_commits_concurrent_writes_of_many_callers(tmp_path: Path) -> None:
    async with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        results: list[int] = []

        async def write(n: int) -> None:
            results.append(
                await store.run("t", lambda tx: tx.settings.set(f"k{n}", n, updated_by=1) or n)
            )

        async with trio.open_nursery() as nursery:
            for n in range(30):
                nursery.start_soon(write, n)
        stored = await store.read("t", lambda tx: tx.settings.all())
    assert sorted(results) == list(range(30))
    assert stored == {f"k{n}": n for n in range(30)}
