"""Which instances may serve one database together (nodes/instance.py), as pure rules."""

from __future__ import annotations

import os

import pytest

from trt_actors.nodes.instance import (
    NO_REDIS,
    InstanceSuperseded,
    _check_not_superseded,
    ahead_of,
    conflicts,
)
from trt_actors.storage import InstanceRow

REDIS = "redis 127.0.0.1:6379/0"
DEAD_PID = 2**22 + 12345  # above Linux's pid_max default: never a live process


def row(
    name: str,
    *,
    host: str = "other-host",
    pid: int = 100,
    started: int = 1_000,
    coordination: str = NO_REDIS,
    serving: bool = True,
) -> InstanceRow:
    return InstanceRow(name, host, pid, started, started + 500, coordination, serving)


ME = row("me", host="here", pid=os.getpid(), started=2_000, serving=False)


def test_without_redis_another_live_instance_is_a_conflict() -> None:
    assert conflicts(ME, [row("a")]) == [row("a")]


def test_with_one_redis_on_both_sides_there_is_none() -> None:
    me = row("me", host="here", started=2_000, coordination=REDIS)
    assert conflicts(me, [row("a", coordination=REDIS)]) == []
    # but an instance with Redis does not serve beside one without it, nor the reverse
    assert conflicts(me, [row("a")]) == [row("a")]
    assert conflicts(ME, [row("a", coordination=REDIS)]) == [row("a", coordination=REDIS)]


def test_a_dead_process_of_this_machine_and_this_process_do_not_count() -> None:
    assert conflicts(ME, [row("crashed", host="here", pid=DEAD_PID)]) == []
    assert conflicts(ME, [row("earlier tree", host="here", pid=os.getpid())]) == []
    assert conflicts(ME, [row("alive", host="here", pid=1)]) == [row("alive", host="here", pid=1)]


def test_a_standby_waits_for_the_serving_one_and_for_standbys_that_came_first() -> None:
    serving = row("a", started=5_000, serving=True)
    earlier = row("b", started=1_500, serving=False)
    later = row("c", started=3_000, serving=False)
    assert ahead_of(ME, [serving, earlier, later]) == [serving, earlier]
    assert ahead_of(ME, [later]) == []


def test_a_serving_instance_stops_when_a_newer_one_serves_in_its_place() -> None:
    me = row("me", host="here", started=2_000, serving=True)
    _check_not_superseded(me, [row("standby", started=3_000, serving=False)])
    _check_not_superseded(me, [row("older", started=1_000, serving=True)])
    with pytest.raises(InstanceSuperseded, match="took over"):
        _check_not_superseded(me, [row("newer", started=3_000, serving=True)])
