"""The side-by-side benchmark's harness (scripts/bench_peers.py) measures each target on a
tiny load: every figure of the table is there for every target and mode, nothing is lost.
A smoke test only — speed is never asserted (docs/benchmarks.md).

Our service is measured in every run of the suite, on SQLite and on a PostgreSQL server the
driver starts; python-telegram-bot and aiogram only where the `bench` extra is installed
(`pip install -e .[bench]`), since CI does not install them.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
DRIVER = CHECKOUT / "scripts" / "bench_peers.py"
TINY = ["--quick", "--users", "30", "--rates", "30", "--rate-seconds", "0.5"]

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        len(os.sched_getaffinity(0)) < 2 or shutil.which("taskset") is None,
        reason="the harness pins the bot to one core and the load to another (taskset)",
    ),
]


def bench(tmp_path: Path, *targets: str) -> tuple[dict[str, Any], str]:
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(DRIVER), *TINY, "--targets", *targets, "--json", str(figures)],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(figures.read_text()), done.stdout


def check_measured(figures: dict[str, Any], targets: tuple[str, ...]) -> None:
    runs = figures["runs"]
    assert {(r["target"], r["mode"]) for r in runs} == {
        (t, m) for t in targets for m in ("webhook", "polling")
    }
    for run in runs:
        where = f"{run['target']} {run['mode']}"
        assert run["error"] == "", where
        assert run["users"] == run["acked"] == run["answered"] == 30, where
        assert run["ready_s"] > 0 and run["acked_per_s"] > 0 and run["replies_per_s"] > 0, where
        assert run["cpu_ms_per_update"] > 0 and run["rss_mb"] > 10, where
        assert run["rss_samples"] and run["reply"]["buttons"] > 0, where
        assert run["calls"]["sendMessage"] >= 30, where
        db_cpu = run["db_cpu_ms_per_update"]
        if run["target"] == "trt-pg":  # the driver's own PostgreSQL server was measured:
            # a figure, not "not measured" (NaN). It may be 0 on 30 updates: the kernel counts
            # CPU in 10 ms ticks per process, and the server's work is split among backends
            assert math.isfinite(db_cpu) and db_cpu >= 0, where
        else:
            assert math.isnan(db_cpu), where
        [phase] = run["rates"]
        assert phase["offered"] == phase["acked"] == phase["answered"] == 15, where
        assert len(phase["ack_ms"]) == 15 and len(phase["reply_ms"]) == 15, where
        if run["mode"] == "webhook":
            assert len(run["ack_request_ms"]) == 30, where


def test_the_harness_measures_our_service_in_both_modes_on_both_databases(
    tmp_path: Path,
) -> None:
    figures, printed = bench(tmp_path, "trt", "trt-pg")
    check_measured(figures, ("trt", "trt-pg"))
    assert "SMOKE RUN" in printed and "| acknowledged updates/s (saturation) |" in printed
    assert "inbox row committed (PostgreSQL, fsync on, group commit)" in printed


@pytest.mark.timeout(300)
@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("telegram", "tornado", "aiogram")),
    reason="the peers are not installed: pip install -e .[bench]",
)
def test_the_harness_measures_all_three_on_one_tiny_load(tmp_path: Path) -> None:
    figures, printed = bench(tmp_path, "trt", "ptb", "aiogram")
    check_measured(figures, ("trt", "ptb", "aiogram"))
    for name in ("TRT actors", "python-telegram-bot", "aiogram"):
        assert f"{name} " in printed
