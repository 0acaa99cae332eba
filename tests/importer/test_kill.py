"""An import killed with SIGKILL half-way finishes on the next run: every batch is all there
or not at all, and nothing committed before the kill is brought over twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import trio

from trt_actors.importer import run_import

from .old_bot import write_directory
from .support import command, plan, rows, sqlite_url

ROOT = Path(__file__).parents[2]
WATCHDOG = 60.0  # seconds: the child is killed if the test is stuck reading it
TENANT = "acme"
ARGV = ["import", "trt", "--partner", "partner-01", "--tenant", TENANT]


def content(url: str) -> dict[str, Any]:
    """What the import wrote, without the times taken at the import."""
    return {
        "remembered": rows(
            url, "SELECT source, kind, source_key, kopecks FROM imported_rows ORDER BY 1, 2, 3"
        ),
        "users": rows(
            url, "SELECT user_id, first_name, language, referrer_id FROM users ORDER BY 1"
        ),
        "accounts": rows(url, "SELECT user_id, currency, balance, held FROM accounts ORDER BY 1"),
        "ledger": rows(url, "SELECT user_id, kind, amount, idempotency_key FROM ledger ORDER BY 1"),
        "payments": rows(
            url, "SELECT user_id, method, status, amount, external_id FROM payments ORDER BY 5"
        ),
        "jobs": rows(url, "SELECT user_id, model_id, price, created_at FROM jobs ORDER BY 1, 4"),
        "referrals": rows(url, "SELECT referred_id, referrer_id FROM referrals ORDER BY 1"),
        "bonus": rows(url, "SELECT user_id, delta, idempotency_key FROM free_bonus ORDER BY 1"),
        "free": rows(url, "SELECT user_id, day, used FROM free_usage ORDER BY 1"),
        "settings": rows(url, "SELECT key, value FROM tenant_settings ORDER BY 1"),
    }


def args(source: Path) -> dict[str, Any]:
    return {"source_dir": source, "partner": "partner-01", "tenant": TENANT}


def test_killed_half_way_then_run_again_completes(tmp_path: Path) -> None:
    source = write_directory(tmp_path / "old")
    url = sqlite_url(tmp_path / "killed.db")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    with (tmp_path / "child.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.importer.import_child", str(source), url, TENANT, "2"],
            stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT, env=env,
        )  # fmt: skip
    assert proc.stdout is not None
    watchdog = threading.Timer(WATCHDOG, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout.readline().strip() == "committed 2", (tmp_path / "child.log").read_text()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        watchdog.cancel()
        proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    # Half-way: the first batch (two users, with everything that is theirs) and nothing else.
    assert len(rows(url, "SELECT user_id FROM users")) == 2
    assert rows(url, "SELECT count(*) FROM referrals") == [(0,)]

    resumed = trio.run(run_import, plan(url, **args(source)))
    clean = sqlite_url(tmp_path / "clean.db")
    trio.run(run_import, plan(clean, **args(source)))
    finished = content(url)
    assert finished == content(clean)
    assert len(finished["users"]) == 7 and len(finished["referrals"]) == 4
    users = resumed.partners[0].tallies["user"]
    assert (users.imported, users.already) == (5, 2)  # the first batch was not written twice

    assert command([*ARGV, "--from-dir", str(source)], url, TENANT) == 0  # as a command: as is
    assert content(url) == finished
