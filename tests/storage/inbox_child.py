"""Child process for the crash test: appends updates and prints each acknowledged id.

    python inbox_child.py <database-url>

Prints ``ready`` once the store is open, then one line per acknowledged append (the id is
printed only after `Inbox.append` returned, i.e. after the commit). Runs until killed.
"""

from __future__ import annotations

import itertools
import sys

import structlog
import trio

from trt_actors.storage import open_store

TENANT = "crash"
APPENDERS = 16
APPEND_TIMEOUT = 30.0


async def main(url: str) -> None:
    ids = itertools.count(1)
    async with open_store(url) as store, trio.open_nursery() as nursery:
        await nursery.start(store.inbox.run_writer)
        print("ready", flush=True)

        async def appender() -> None:
            while True:
                update_id = next(ids)
                with trio.fail_after(APPEND_TIMEOUT):
                    await store.inbox.append(TENANT, update_id, b'{"update_id": %d}' % update_id)
                sys.stdout.write(f"{update_id}\n")
                sys.stdout.flush()

        for _ in range(APPENDERS):
            nursery.start_soon(appender)


if __name__ == "__main__":
    # stdout carries the acknowledged ids only: logs go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    trio.run(main, sys.argv[1])
