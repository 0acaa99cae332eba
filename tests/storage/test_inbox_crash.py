"""A process killed with SIGKILL right after acknowledged appends loses none of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import trio

from trt_actors.storage import open_store

from .support import query

CHILD = Path(__file__).with_name("inbox_child.py")
ACKS_BEFORE_KILL = 400
WATCHDOG = 60.0  # seconds: the child is killed if the test is stuck reading it


async def pending_ids(url: str) -> set[int]:
    async with open_store(url) as store:
        entries = await store.inbox.pending("crash", limit=100_000)
    return {e.update_id for e in entries}


def test_sigkill_after_acknowledged_appends_loses_nothing(fresh_url: str, tmp_path: Path) -> None:
    with (tmp_path / "child.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), fresh_url], stdout=subprocess.PIPE, stderr=log, text=True
        )
    assert proc.stdout is not None
    watchdog = threading.Timer(WATCHDOG, proc.kill)
    watchdog.start()
    acked: list[int] = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        while len(acked) < ACKS_BEFORE_KILL:
            line = proc.stdout.readline()
            assert line.endswith("\n"), "the child stopped before being killed"
            acked.append(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        # Whatever the child printed before it died was acknowledged too.
        acked += [
            int(line)
            for line in proc.stdout.read().splitlines(keepends=True)
            if line.endswith("\n")
        ]
        proc.wait()
    finally:
        watchdog.cancel()
        proc.kill()
    assert proc.returncode == -signal.SIGKILL

    stored = trio.run(pending_ids, fresh_url)  # reopens the database after the crash
    assert set(acked) <= stored
    rows = query(fresh_url, "SELECT count(*) FROM inbox WHERE tenant_id = ?", ("crash",))
    assert rows[0][0] >= len(acked)
