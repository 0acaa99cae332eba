"""Small pure pieces: URLs, redaction, placeholders, script splitting, the thread runner."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import trio

from trt_actors.storage import DEFAULT_URL, redact_url
from trt_actors.storage._dialect import SQLITE
from trt_actors.storage._postgres import POSTGRESQL
from trt_actors.storage._threads import CancelFlag, run_in_thread
from trt_actors.storage._url import parse_url


def test_sqlite_urls() -> None:
    assert parse_url(DEFAULT_URL).sqlite_path == Path("./data/trt.db")
    assert parse_url("sqlite:////var/lib/trt.db").sqlite_path == Path("/var/lib/trt.db")
    for bad in ("sqlite:///:memory:", "sqlite:///", "sqlite:///x.db?mode=ro", "mysql://h/db"):
        with pytest.raises(ValueError):
            parse_url(bad)


def test_postgres_urls_and_redaction() -> None:
    url = "postgresql://trt:s3cret@db.internal:5432/trt?sslmode=require&password=also"
    parsed = parse_url(url)
    assert parsed.backend == "postgresql" and parsed.sqlite_path is None
    assert "s3cret" not in parsed.redacted and "also" not in parsed.redacted
    assert parsed.redacted.startswith("postgresql://trt:***@db.internal:5432/trt?")
    assert parse_url("postgres://h/db").backend == "postgresql"
    assert redact_url("postgresql://h/db") == "postgresql://h/db"
    assert redact_url("sqlite:////abs/path.db") == "sqlite:////abs/path.db"


def test_placeholders_become_pyformat_only_for_postgres() -> None:
    query = "SELECT x::bigint, '10:30' FROM t WHERE a = :a AND b LIKE '%z' AND c = :c_1"
    assert SQLITE.sql(query) == query
    assert POSTGRESQL.sql(query) == (
        "SELECT x::bigint, '10:30' FROM t WHERE a = %(a)s AND b LIKE '%%z' AND c = %(c_1)s"
    )


def test_sqlite_scripts_split_into_whole_statements() -> None:
    script = """CREATE TABLE a (x INTEGER);
CREATE TRIGGER t BEFORE DELETE ON a
BEGIN
    SELECT RAISE(ABORT, 'no; really');
END;
INSERT INTO a VALUES (1);"""
    statements = SQLITE.split_script(script)
    assert len(statements) == 3 and statements[1].endswith("END;")
    with pytest.raises(ValueError):
        SQLITE.split_script("SELECT 1")


async def test_a_call_cancelled_while_running_waits_for_its_thread() -> None:
    finished = threading.Event()
    interrupted = threading.Event()

    def work(cancel: CancelFlag) -> None:
        give_up = time.monotonic() + 5
        while not cancel.is_set() and time.monotonic() < give_up:
            time.sleep(0.005)
        time.sleep(0.2)
        finished.set()

    started = time.monotonic()
    with trio.move_on_after(0.1):
        await run_in_thread(
            work, interrupt=interrupted.set, limiter=trio.CapacityLimiter(1),
            drain_timeout=5, on_stuck=lambda: pytest.fail("reported stuck"),
        )  # fmt: skip
    assert interrupted.is_set() and finished.is_set()
    assert 0.25 < time.monotonic() - started < 2


async def test_a_thread_that_ignores_interrupts_is_reported_stuck() -> None:
    release = threading.Event()
    stuck: list[bool] = []
    with trio.move_on_after(0.05):
        await run_in_thread(
            lambda cancel: release.wait(5), interrupt=lambda: None,
            limiter=trio.CapacityLimiter(1), drain_timeout=0.2, on_stuck=lambda: stuck.append(True),
        )  # fmt: skip
    release.set()
    assert stuck == [True]


async def test_work_waiting_for_the_limiter_is_dropped_on_cancel() -> None:
    limiter = trio.CapacityLimiter(1)
    ran: list[str] = []
    async with limiter:  # no thread can start
        with trio.move_on_after(0.05):
            await run_in_thread(
                lambda cancel: ran.append("ran"), interrupt=lambda: None, limiter=limiter,
                drain_timeout=1, on_stuck=lambda: None,
            )  # fmt: skip
    await trio.sleep(0.1)
    assert ran == []
