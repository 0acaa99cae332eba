"""The process-level shutdown logic, with signals fed in by the test and trio's MockClock."""

from __future__ import annotations

import gc
import signal
from collections.abc import AsyncIterator

import pytest
import trio
from trio.testing import MockClock

from trt_actors.service import GC_THRESHOLDS, freeze_boot_objects, serve, tune_gc
from trt_actors.supervisors import ChildSpec, Intensity, Supervisor

from ..supervisors.probes import Journal, Probe


async def signals_at(*schedule: tuple[float, int]) -> AsyncIterator[int]:
    """Deliver each signal at its time, then never again."""
    for at, signum in schedule:
        await trio.sleep_until(at)
        yield signum
    await trio.sleep_forever()


def tree(journal: Journal, stop_takes: float, ignore_stop: bool = False) -> Supervisor:
    worker = Probe("worker", journal, stop_takes=stop_takes, ignore_stop=ignore_stop, shutdown=60)
    return Supervisor("root", [Probe("store", journal).spec(), worker.spec()])


async def test_first_signal_stops_gracefully_with_exit_0(autojump_clock: MockClock) -> None:
    journal = Journal()
    code = await serve(tree(journal, stop_takes=2), 5.0, signals_at((10, signal.SIGTERM)))
    assert code == 0
    assert trio.current_time() == pytest.approx(12)
    assert journal.of("stop") == ["worker", "store"] and journal.alive == 0


async def test_second_signal_cancels_at_once(autojump_clock: MockClock) -> None:
    journal = Journal()
    schedule = ((10, signal.SIGINT), (11, signal.SIGINT))
    code = await serve(tree(journal, stop_takes=30), 20.0, signals_at(*schedule))
    assert code == 128 + signal.SIGINT
    assert trio.current_time() == pytest.approx(11)
    assert journal.alive == 0


async def test_a_shutdown_that_overruns_its_bound_is_cancelled_there(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    root = tree(journal, stop_takes=0, ignore_stop=True)
    code = await serve(root, 5.0, signals_at((10, signal.SIGTERM)))
    assert code == 1
    assert trio.current_time() == pytest.approx(15)
    assert journal.alive == 0


async def test_a_tree_that_gives_up_exits_1(autojump_clock: MockClock) -> None:
    async def crashing(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        await trio.sleep(1)
        raise RuntimeError("always")

    root = Supervisor("root", [ChildSpec("c", crashing)], intensity=Intensity(2, 60))
    assert await serve(root, 5.0, signals_at()) == 1


async def test_on_started_runs_once_the_whole_tree_has_started(autojump_clock: MockClock) -> None:
    journal = Journal()
    seen: list[int] = []
    code = await serve(
        tree(journal, stop_takes=0),
        5.0,
        signals_at((10, signal.SIGTERM)),
        on_started=lambda: seen.append(journal.alive),
    )
    assert code == 0
    assert seen == [2]  # called once, with both children up


def test_boot_objects_are_frozen_out_of_the_collectors_walk() -> None:
    booted = [[n] for n in range(1000)]  # objects made at boot (tracked: lists)
    gc.unfreeze()
    try:
        freeze_boot_objects()
        assert gc.get_freeze_count() >= len(booted)
        walked = {id(thing) for thing in gc.get_objects()}  # every generation the collector walks
        assert not any(id(thing) in walked for thing in booted)
    finally:
        gc.unfreeze()


def test_the_service_collects_young_objects_less_often_and_freezes_survivors() -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        tune_gc()
        assert gc.get_threshold()[0] == GC_THRESHOLDS[0] > before[0]
        survivors = [[n] for n in range(1000)]  # long-lived, as sessions are (tracked: lists)
        gc.collect(0)
        assert gc.get_freeze_count() >= len(survivors)  # out of every later walk
        walked = {id(thing) for thing in gc.get_objects()}
        assert not any(id(thing) in walked for thing in survivors)
        frozen = gc.get_freeze_count()
        survivors.clear()
        assert gc.get_freeze_count() <= frozen - 1000  # freed by reference counting all the same
    finally:
        gc.callbacks[:] = [
            c for c in gc.callbacks if getattr(c, "__module__", "") != "trt_actors.service"
        ]
        gc.set_threshold(*before)
        gc.unfreeze()
