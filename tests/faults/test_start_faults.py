"""A database that cannot be reached when `trt run` starts: the process says why in one
event and exits 1 at once (systemd's `Restart=on-failure` or the platform starts it again),
instead of serving without storage or hanging. Exit 1 is not 2: it is not a setting to fix."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.subprocess

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once it is closed


def unreachable_postgres(tmp_path: Path) -> tuple[str, str]:
    return f"postgresql://trt:pg-secret-pw@127.0.0.1:{closed_port()}/trt", "cannot connect"


def unopenable_sqlite(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "data").write_text("a file where the data directory should be")
    return f"sqlite:///{tmp_path}/data/trt.db", "cannot open"


@pytest.mark.parametrize(
    "database", [unreachable_postgres, unopenable_sqlite], ids=["postgresql-down", "sqlite-path"]
)
def test_a_database_that_cannot_be_opened_at_start_exits_1_saying_why(
    tmp_path: Path, database: Any
) -> None:
    url, cause = database(tmp_path)
    env = {
        "PATH": os.environ["PATH"],
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",
        "DATABASE_URL": url,
        "LOG_FORMAT": "json",
        "PORT": "0",
        "OPS_PORT": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "trt_actors", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    [failed] = [e for e in events if e["event"] == "service.failed"] or [done.stderr]
    assert failed["level"] == "error" and "root/store failed to start" in failed["error"]
    assert cause in failed["error"]
    crashed = [e for e in events if e["event"] == "supervisor.child_crashed"]
    assert [e["child"] for e in crashed] == ["store"], done.stderr  # nothing else started
    assert "pg-secret-pw" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr, done.stderr
