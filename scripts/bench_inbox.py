"""Benchmark the durable inbox: appends/s and append latency, SQLite vs PostgreSQL.

    .venv/bin/python scripts/bench_inbox.py                      # 1, 8, 64, 256 appenders
    .venv/bin/python scripts/bench_inbox.py --appenders 1 32 --seconds 5
    .venv/bin/python scripts/bench_inbox.py --postgres-url postgresql://...   # your server
    .venv/bin/python scripts/bench_inbox.py --no-group-commit    # one commit per append

Each run opens a fresh database, starts the group-commit writer and lets N tasks append
distinct updates (a ~600-byte JSON body each) for a fixed time. Latency is measured around
`Inbox.append`, i.e. until the row is committed. SQLite runs in WAL mode with
synchronous=FULL; PostgreSQL is a throwaway server with its durable defaults (fsync on,
synchronous_commit on) unless --postgres-url names another one. Results go to stdout as one
side-by-side table.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog
import trio

from trt_actors.storage import _inbox, open_store
from trt_actors.testing.postgres import create_database, drop_database, throwaway_postgres

APPEND_TIMEOUT = 30.0
PAYLOAD = (
    b'{"update_id":%d,"message":{"message_id":1,"from":{"id":123456789,"is_bot":false,'
    b'"first_name":"Bench","username":"bench_user","language_code":"ru"},"chat":{"id":123456789,'
    b'"first_name":"Bench","username":"bench_user","type":"private"},"date":1764140000,'
    b'"text":"/start a-fairly-typical-deep-link-payload-to-make-the-body-realistic",'
    b'"entities":[{"offset":0,"length":6,"type":"bot_command"}]},"padding":"%s"}'
)


@dataclass
class Result:
    appends: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.appends / self.seconds

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


async def run(url: str, appenders: int, seconds: float) -> Result:
    latencies: list[float] = []
    ids = itertools.count(1)
    async with open_store(url) as store, trio.open_nursery() as nursery:
        await nursery.start(store.inbox.run_writer)
        stop_at = time.perf_counter() + seconds

        async def appender() -> None:
            while time.perf_counter() < stop_at:
                update_id = next(ids)
                body = PAYLOAD % (update_id, b"x" * 200)
                started = time.perf_counter()
                with trio.fail_after(APPEND_TIMEOUT):
                    await store.inbox.append("bench", update_id, body)
                latencies.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        async with trio.open_nursery() as workers:
            for _ in range(appenders):
                workers.start_soon(appender)
        elapsed = time.perf_counter() - began
        nursery.cancel_scope.cancel()
    return Result(len(latencies), elapsed, latencies)


@contextlib.contextmanager
def sqlite_urls() -> Iterator[Iterator[str]]:
    with tempfile.TemporaryDirectory(prefix="trt-bench-") as tmp:
        yield (f"sqlite:///{Path(tmp) / f'bench-{i}.db'}" for i in itertools.count())


@contextlib.contextmanager
def postgres_urls(server: str | None) -> Iterator[Iterator[str]]:
    with contextlib.ExitStack() as stack:
        base = server or stack.enter_context(throwaway_postgres(durable=True))
        names: list[str] = []

        def fresh() -> Iterator[str]:
            while True:
                names.append(f"bench_{uuid.uuid4().hex[:12]}")
                yield create_database(base, names[-1])

        try:
            yield fresh()
        finally:
            for name in names:
                drop_database(base, name)


def cell(result: Result) -> str:
    return f"{result.rate:>10,.0f} {result.percentile(50):>8.2f} {result.percentile(99):>8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appenders", type=int, nargs="+", default=[1, 8, 64, 256])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--postgres-url", help="use this server instead of a throwaway one")
    parser.add_argument("--no-group-commit", action="store_true", help="batch size 1")
    args = parser.parse_args()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    if args.no_group_commit:
        _inbox.INBOX_MAX_BATCH = 1  # the baseline: one transaction (one fsync) per append

    rows: list[tuple[int, Result, Result]] = []
    with sqlite_urls() as sqlite, postgres_urls(args.postgres_url) as postgres:
        for n in args.appenders:
            lite = trio.run(run, next(sqlite), n, args.seconds)
            pg = trio.run(run, next(postgres), n, args.seconds)
            rows.append((n, lite, pg))
            print(f"... {n} appenders done", file=sys.stderr)

    head = f"{'appends/s':>10} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{'':>9} | {'SQLite (WAL, synchronous=FULL)':^28} | {'PostgreSQL 15 (fsync on)':^28}")
    print(f"{'appenders':>9} | {head} | {head}")
    for n, lite, pg in rows:
        print(f"{n:>9} | {cell(lite)} | {cell(pg)}")


if __name__ == "__main__":
    main()
