"""A short chaos run in the suite: the same code as scripts/chaos.py (trt_actors/testing/
chaos.py), with a few kills — mixed load on the real service, SIGKILL and restart, then the
invariants read from the database and the emulators. The script runs it long."""

from __future__ import annotations

from pathlib import Path

import pytest

from trt_actors.testing.chaos import ChaosPlan, ChaosReport, run_chaos

pytestmark = pytest.mark.subprocess


def assert_held(report: ChaosReport, kills: int) -> None:
    assert report.violations == [], "\n".join(report.transcripts)
    assert report.kills == kills
    assert len(report.recovery_s) == kills  # a user writing after each kill was answered
    assert sum(report.journeys.values()) >= 3
    # a kill fails at most the submissions it cut short (KIE may hold their tasks: refunded);
    # a graceful hand-over fails none
    assert report.failed_results <= kills
    assert report.jobs >= 2 and report.updates_acknowledged >= 25  # it did real work


@pytest.mark.timeout(300)
async def test_one_process_on_sqlite_killed_again_and_again_loses_nothing(tmp_path: Path) -> None:
    plan = ChaosPlan(instances=1, cycles=3, kill_every=5.0, walkers=3, seed=11)
    report = await run_chaos(plan, tmp_path)
    assert_held(report, 3)


@pytest.mark.timeout(300)
async def test_two_instances_one_killed_at_a_time_lose_nothing(
    tmp_path: Path, postgres_server: str, redis_url: str
) -> None:
    plan = ChaosPlan(instances=2, cycles=2, kill_every=6.0, walkers=3, seed=12)
    report = await run_chaos(plan, tmp_path, postgres=postgres_server, redis=redis_url)
    assert_held(report, 2)
