"""The session-memory census (scripts/bench_session_memory.py) on a small load: a user whose
session actor rests holds a small part of what a running one holds. Sizes are compared with
each other only, never with a fixed figure (docs/benchmarks.md keeps the measured ones)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import trio

from trt_actors.app import tree

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_session_memory.py"
USERS = 300


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_session_memory", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_a_resting_user_holds_a_small_part_of_a_running_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree, "SESSION_REST", tree.SESSION_REST)  # the census sets it
    script = _script()
    running = trio.run(script.census, USERS, script.LONG_REST, tmp_path / "running")
    resting = trio.run(script.census, USERS, script.SHORT_REST, tmp_path / "resting")
    assert running.running >= USERS and resting.running == 0
    assert running.counts["SessionActor"] >= USERS
    assert resting.counts["SessionActor"] == 0 and resting.counts["ResidentState"] >= USERS
    held_running, held_resting = sum(running.sizes.values()), sum(resting.sizes.values())
    assert held_resting * 4 < held_running
