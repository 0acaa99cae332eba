"""Strategies, restart types and restart intensity, driven by trio's MockClock."""

from __future__ import annotations

import pytest
import trio
from trio.testing import MockClock

from trt_actors.observability.events import EventBus, EventKind, current_bus
from trt_actors.supervisors import (
    Backoff,
    ChildSpec,
    ChildStartFailed,
    Intensity,
    Restart,
    Strategy,
    Supervisor,
    SupervisorGaveUp,
)

from .probes import Journal, Probe


def three(journal: Journal, **kw: object) -> list[Probe]:
    return [Probe(name, journal, **kw) for name in ("a", "b", "c")]  # type: ignore[arg-type]


async def settle() -> None:
    """Let the supervisor finish reacting (restarts take no time on the mock clock)."""
    await trio.sleep(0.01)


@pytest.mark.parametrize(
    ("strategy", "stopped", "restarted"),
    [
        (Strategy.ONE_FOR_ONE, [], ["b"]),
        (Strategy.ONE_FOR_ALL, ["c", "a"], ["a", "b", "c"]),
        (Strategy.REST_FOR_ONE, ["c"], ["b", "c"]),
    ],
)
async def test_strategy_decides_who_restarts_and_in_what_order(
    strategy: Strategy, stopped: list[str], restarted: list[str], autojump_clock: MockClock
) -> None:
    journal = Journal()
    sup = Supervisor("s", [p.spec() for p in three(journal)], strategy=strategy)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        assert journal.of("start") == ["a", "b", "c"]
        sup.child("b").crash()
        await settle()
        assert journal.of("stop") == stopped  # stopped in reverse start order
        assert journal.of("start")[3:] == restarted  # restarted in start order
        sup.request_stop()
    assert journal.alive == 0


@pytest.mark.parametrize(
    ("restart", "after_crash", "after_exit"),
    [
        (Restart.PERMANENT, True, True),
        (Restart.TRANSIENT, True, False),
        (Restart.TEMPORARY, False, False),
    ],
)
async def test_restart_type(
    restart: Restart, after_crash: bool, after_exit: bool, autojump_clock: MockClock
) -> None:
    for command, expected in (("crash", after_crash), ("exit", after_exit)):
        journal = Journal()
        probe = Probe("w", journal, restart=restart)
        sup = Supervisor("s", [probe.spec()])
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            getattr(sup.child("w"), command)()
            await settle()
            assert journal.starts("w") == (2 if expected else 1), (restart, command)
            assert (sup.child("w") is not None) == expected
            sup.request_stop()


async def test_intensity_exceeded_stops_children_and_fails_upward(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    probes = three(journal)
    sup = Supervisor("s", [p.spec() for p in probes], intensity=Intensity(3, 5.0))
    bus = current_bus.get()
    with bus.subscribe() as events, pytest.RaisesGroup(SupervisorGaveUp):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            for _ in range(3):
                sup.child("b").crash()
                await settle()
            assert journal.starts("b") == 4  # three restarts allowed
            sup.child("b").crash()  # the fourth within 5 s is one too many
            await settle()
    assert journal.alive == 0
    assert journal.of("stop") == ["c", "a"]
    gave_up = [e for e in events.drain() if e.kind is EventKind.GAVE_UP]
    assert [(e.supervisor, e.child) for e in gave_up] == [("s", "b")]


async def test_restarts_spread_over_time_never_exhaust_intensity(autojump_clock: MockClock) -> None:
    journal = Journal()
    probe = Probe("w", journal)
    sup = Supervisor("s", [probe.spec()], intensity=Intensity(2, 10.0))
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        for _ in range(10):
            sup.child("w").crash()
            await trio.sleep(6)  # at most two restarts in any 10 s window
        assert journal.starts("w") == 11
        sup.request_stop()


async def test_nested_supervisor_that_gives_up_is_restarted_by_its_parent(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    inner = Supervisor("inner", [Probe("w", journal).spec()], intensity=Intensity(1, 5.0))
    outer = Supervisor(
        "outer", [Probe("x", journal).spec(), _sup_spec(inner)], intensity=Intensity(5, 60.0)
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(outer.run)
        nested = outer.child("inner")
        nested.child("w").crash()
        await settle()
        nested.child("w").crash()  # inner gives up, outer restarts the whole inner subtree
        await settle()
        assert outer.child("inner") is not None
        assert journal.starts("w") == 3
        assert journal.starts("x") == 1
        outer.request_stop()
    assert journal.alive == 0


def _sup_spec(sup: Supervisor) -> ChildSpec:
    return ChildSpec(sup.name, sup.run, shutdown=10.0)


async def test_backoff_delays_grow_and_stay_within_the_cap(autojump_clock: MockClock) -> None:
    journal = Journal()
    probe = Probe("w", journal)
    backoff = Backoff(initial=1.0, maximum=4.0, factor=2.0, jitter=0.0)
    sup = Supervisor("s", [probe.spec()], intensity=Intensity(10, 1000.0), backoff=backoff)
    bus = current_bus.get()
    with bus.subscribe() as events:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            gaps = []
            for _ in range(5):
                before = trio.current_time()
                sup.child("w").crash()
                while sup.child("w") is None or journal.starts("w") < len(gaps) + 2:
                    await trio.sleep(0.001)
                gaps.append(round(trio.current_time() - before, 2))
            sup.request_stop()
    assert gaps == [1.0, 2.0, 4.0, 4.0, 4.0]
    delays = [e.delay for e in events.drain() if e.kind is EventKind.RESTARTING]
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_jitter_stays_within_its_band() -> None:
    backoff = Backoff(initial=1.0, maximum=10.0, factor=2.0, jitter=0.2)
    for attempt, base in ((1, 1.0), (2, 2.0), (3, 4.0), (9, 10.0)):
        for _ in range(50):
            delay = backoff.delay(attempt)
            assert base * 0.8 <= delay <= min(10.0, base * 1.2)


async def test_failed_initial_start_stops_started_children_in_reverse(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    a, b, c = three(journal)
    c.fail_start = 1
    sup = Supervisor("s", [a.spec(), b.spec(), c.spec()])
    with pytest.RaisesGroup(ChildStartFailed, allow_unwrapped=True):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
    assert journal.of("stop") == ["b", "a"]
    assert journal.alive == 0


async def test_a_restart_that_fails_to_start_is_retried_within_intensity(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    probe = Probe("w", journal)
    sup = Supervisor("s", [probe.spec()], intensity=Intensity(5, 10.0))
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        probe.fail_start = 2
        sup.child("w").crash()
        await settle()
        assert journal.of("start_failed") == ["w", "w"]
        assert sup.child("w") is not None and journal.starts("w") == 2
        sup.request_stop()


async def test_every_lifecycle_event_is_published(autojump_clock: MockClock) -> None:
    bus = EventBus()
    token = current_bus.set(bus)
    try:
        journal = Journal()
        probe = Probe("w", journal, restart=Restart.TRANSIENT)
        sup = Supervisor("root", [probe.spec()])
        with bus.subscribe() as events:
            async with trio.open_nursery() as nursery:
                await nursery.start(sup.run)
                sup.child("w").crash()
                await settle()
                sup.child("w").exit()
                await settle()
                sup.request_stop()
            kinds = [(e.kind, e.child) for e in events.drain()]
    finally:
        current_bus.reset(token)
    assert kinds == [
        (EventKind.STARTED, "w"),
        (EventKind.CRASHED, "w"),
        (EventKind.RESTARTING, "w"),
        (EventKind.STARTED, "w"),
        (EventKind.EXITED, "w"),
        (EventKind.STOPPED, "w"),
    ]
    crashed = bus.recent()[1]
    assert crashed.error_type == "RuntimeError" and crashed.error == "w crashed"
