"""Shutdown: reverse order, graces, brutal kills, and nothing left running afterwards."""

from __future__ import annotations

import pytest
import trio
from trio.testing import MockClock

from trt_actors.observability.events import EventKind, current_bus
from trt_actors.supervisors import BRUTAL, ChildSpec, Supervisor

from .probes import Journal, Probe


async def test_children_stop_in_reverse_start_order(autojump_clock: MockClock) -> None:
    journal = Journal()
    probes = [Probe(name, journal) for name in ("store", "http", "tenant")]
    sup = Supervisor("root", [p.spec() for p in probes])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        sup.request_stop()
    assert journal.of("start") == ["store", "http", "tenant"]
    assert journal.of("stop") == ["tenant", "http", "store"]
    assert journal.alive == 0


async def test_a_child_that_ignores_its_stop_is_cancelled_when_its_grace_ends(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    stubborn = Probe("stubborn", journal, ignore_stop=True, shutdown=3.0)
    polite = Probe("polite", journal, stop_takes=1.0, shutdown=3.0)
    sup = Supervisor("root", [polite.spec(), stubborn.spec()])
    with current_bus.get().subscribe() as events:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            began = trio.current_time()
            sup.request_stop()
        took = trio.current_time() - began
    assert took == pytest.approx(3.0 + 1.0)  # stubborn: its whole grace; polite: its clean-up
    assert journal.of("cancelled") == ["stubborn"]
    assert journal.of("stop") == ["polite"]
    killed = [e.child for e in events.drain() if e.kind is EventKind.KILLED]
    assert killed == ["stubborn"]


async def test_brutal_shutdown_cancels_without_asking(autojump_clock: MockClock) -> None:
    journal = Journal()
    probe = Probe("w", journal, shutdown=BRUTAL, stop_takes=100.0)
    sup = Supervisor("root", [probe.spec()])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        began = trio.current_time()
        sup.request_stop()
    assert trio.current_time() == began
    assert journal.of("cancelled") == ["w"]


async def test_whole_tree_stops_within_the_bound(autojump_clock: MockClock) -> None:
    """A nested tree of stubborn children still ends when the root's bound cancels it."""
    journal = Journal()
    leaves = [Probe(f"leaf{i}", journal, ignore_stop=True, shutdown=30.0) for i in range(4)]
    inner = Supervisor("inner", [p.spec() for p in leaves])
    root = Supervisor("root", [ChildSpec("inner", inner.run, shutdown=60.0)])
    bound = 5.0
    async with trio.open_nursery() as nursery:
        await nursery.start(root.run)
        began = trio.current_time()
        with trio.move_on_after(bound) as scope:
            root.request_stop()
            await trio.sleep_forever()
        nursery.cancel_scope.cancel()
    assert scope.cancelled_caught
    assert trio.current_time() - began == pytest.approx(bound)
    assert journal.alive == 0  # nothing keeps running after the root returns
    assert sorted(journal.of("cancelled")) == [f"leaf{i}" for i in range(4)]


async def test_a_plain_child_without_a_stop_hook_is_cancelled_at_once(
    autojump_clock: MockClock,
) -> None:
    ended = []

    async def plain(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            ended.append(trio.current_time())

    sup = Supervisor("root", [ChildSpec("plain", plain, shutdown=10.0)])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        began = trio.current_time()
        sup.request_stop()
    assert ended == [began]


async def test_keyboard_interrupt_in_a_child_is_never_swallowed(autojump_clock: MockClock) -> None:
    async def interrupted(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        await trio.sleep(1)
        raise KeyboardInterrupt

    sup = Supervisor("root", [ChildSpec("k", interrupted)])
    with pytest.RaisesGroup(KeyboardInterrupt, flatten_subgroups=True, allow_unwrapped=True):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)


async def test_an_exception_group_from_a_child_is_a_crash(autojump_clock: MockClock) -> None:
    runs = []

    async def grouped(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        runs.append(1)
        if len(runs) == 1:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_fail, "one")
                nursery.start_soon(_fail, "two")
        await trio.sleep_forever()

    sup = Supervisor("root", [ChildSpec("g", grouped)])
    with current_bus.get().subscribe() as events:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            await trio.sleep(1)
            sup.request_stop()
    assert len(runs) == 2
    crashed = [e for e in events.drain() if e.kind is EventKind.CRASHED]
    assert len(crashed) == 1 and crashed[0].error_type == "ExceptionGroup"


async def _fail(what: str) -> None:
    raise ValueError(what)
