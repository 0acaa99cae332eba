"""`trt … | head`: a command whose reader has gone ends quietly with 0, never a traceback.

Each command writes into a real pipe whose reading end is already closed, as it is once
`head` has read its lines: every write then fails with EPIPE, whatever the output's size.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
COMMANDS = [
    ["version"],
    ["catalog", "list"],
    ["catalog", "list", "--format", "json"],
    ["catalog", "check"],
    ["config", "check"],
    ["db", "migrate"],
    ["db", "status"],
    ["doctor"],
]


def into_closed_pipe(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",  # nothing listens: answered at once
        "DATABASE_URL": f"sqlite:///{tmp_path}/trt.db",
        "LOG_FORMAT": "json",
    }
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        return subprocess.run(
            [sys.executable, "-m", "trt_actors", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).parents[2],  # the repository: its catalog/
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_pipe_ends_the_command_quietly_with_0(args: list[str], tmp_path: Path) -> None:
    done = into_closed_pipe(args, tmp_path)
    assert done.returncode == 0, done.stderr
    for noise in ("Traceback", "BrokenPipeError", "Broken pipe", "Exception ignored"):
        assert noise not in done.stderr, done.stderr


def test_a_pipe_read_to_the_end_still_gets_everything(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "trt_actors", "catalog", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert listed.returncode == 0 and listed.stderr == ""
    assert listed.stdout.splitlines()[0].startswith("id ") and "z-image" in listed.stdout
