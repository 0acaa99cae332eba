"""The cold-start benchmark (scripts/bench_cold_start.py) on one start: `trt run` spawned as
a real process becomes ready and answers a /start, and the script prints its figure. The
time itself is not asserted (docs/benchmarks.md keeps the measured ones)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

CHECKOUT = Path(__file__).resolve().parents[2]
SCRIPT = CHECKOUT / "scripts" / "bench_cold_start.py"


def test_one_start_is_timed_to_the_first_answered_update() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--checkouts", str(CHECKOUT), "--starts", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [row] = [line for line in done.stdout.splitlines() if line.startswith(f"| {CHECKOUT} ")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == "1"
    median = float(re.fullmatch(r"(\d+\.\d+) s", cells[3]).group(1))  # type: ignore[union-attr]
    assert 0 < median < 60


def test_a_folder_that_is_not_a_checkout_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--checkouts", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "is not a checkout of this project" in done.stderr
