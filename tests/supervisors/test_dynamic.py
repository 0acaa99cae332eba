"""DynamicSupervisor: one child per key, passivation, limits, isolated restarts, parallel stop."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
import trio
from trio.testing import MockClock

from trt_actors.actors import Actor, ActorRef, actor_child
from trt_actors.mailboxes import MailboxClosed
from trt_actors.observability.events import EventKind, current_bus
from trt_actors.supervisors import (
    ChildSpec,
    DynamicSupervisor,
    Intensity,
    Restart,
    SupervisorFull,
    SupervisorGaveUp,
)

from .probes import Journal, Probe


class Session(Actor[Any]):
    """A per-user actor that remembers what it was sent; slow to start, like a state load."""

    started: list[int] = []

    def __init__(self, user: int) -> None:
        self.user = user
        self.seen: list[Any] = []

    async def on_start(self) -> None:
        Session.started.append(self.user)
        await trio.sleep(0.5)

    async def handle(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"session {self.user} crashed")
        if message == "history":
            return list(self.seen)
        self.seen.append(message)
        return None


def sessions(**kw: Any) -> DynamicSupervisor[int]:
    def factory(user: int) -> ChildSpec:
        spec, _ = actor_child(
            f"user:{user}",
            lambda: Session(user),
            restart=Restart.TRANSIENT,
            idle_after=IDLE,
        )
        return spec

    return DynamicSupervisor("sessions", factory, **kw)


IDLE = 60.0


@pytest.fixture(autouse=True)
def _fresh_journal() -> None:
    Session.started.clear()


async def test_concurrent_get_or_start_starts_one_child_per_key(autojump_clock: MockClock) -> None:
    sup = sessions()
    refs: list[ActorRef[Any]] = []

    async def fetch(user: int) -> None:
        refs.append(await sup.get_or_start(user))

    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        async with trio.open_nursery() as callers:
            for _ in range(20):
                for user in (1, 2, 3):
                    callers.start_soon(fetch, user)
        assert sorted(Session.started) == [1, 2, 3]
        assert len({id(ref) for ref in refs}) == 3
        assert len(sup) == 3
        sup.request_stop()


async def test_an_idle_child_passivates_and_starts_again_on_demand(
    autojump_clock: MockClock,
) -> None:
    sup = sessions()
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        ref = await sup.get_or_start(7)
        await ref.send("hello")
        await trio.sleep(IDLE + 1)
        assert len(sup) == 0  # passivated: stopped normally and removed
        with pytest.raises(MailboxClosed):
            await ref.send("late")
        fresh = await sup.get_or_start(7)
        assert fresh is not ref
        assert await fresh.ask("history", timeout=1) == []
        assert Session.started == [7, 7]
        sup.request_stop()


async def test_max_children_is_enforced(autojump_clock: MockClock) -> None:
    sup = sessions(max_children=2)
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await sup.get_or_start(1)
        await sup.get_or_start(2)
        with pytest.raises(SupervisorFull):
            await sup.get_or_start(3)
        await sup.get_or_start(1)  # an existing key is still served
        sup.request_stop()


async def test_a_crashing_child_restarts_without_touching_its_siblings(
    autojump_clock: MockClock,
) -> None:
    sup = sessions()
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        one = await sup.get_or_start(1)
        two = await sup.get_or_start(2)
        await two.send("kept")
        await one.send("crash")
        await one.send("after")  # same ref: the mailbox outlives the crash
        assert await one.ask("history", timeout=5) == ["after"]
        assert await two.ask("history", timeout=5) == ["kept"]
        assert Session.started == [1, 2, 1]
        sup.request_stop()


async def test_a_key_that_keeps_crashing_is_given_up_alone(autojump_clock: MockClock) -> None:
    sup = sessions(child_intensity=Intensity(2, 10.0))
    with current_bus.get().subscribe() as events:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            bad = await sup.get_or_start(1)
            good = await sup.get_or_start(2)
            for _ in range(3):
                await bad.send("crash")
                await trio.sleep(1)
            assert sup.keys() == [2]
            assert await good.ask("history", timeout=1) == []
            sup.request_stop()
    gave_up = [e.child for e in events.drain() if e.kind is EventKind.GAVE_UP]
    assert gave_up == ["user:1"]


async def test_too_many_restarts_in_all_fail_the_supervisor(autojump_clock: MockClock) -> None:
    sup = sessions(intensity=Intensity(3, 10.0))
    with pytest.RaisesGroup(SupervisorGaveUp, allow_unwrapped=True):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            for user in range(5):
                ref = await sup.get_or_start(user)
                await ref.send("crash")
                await trio.sleep(1)
            await trio.sleep_forever()


async def test_shutdown_stops_children_in_parallel(autojump_clock: MockClock) -> None:
    journal = Journal()
    probes = {n: Probe(f"p{n}", journal, ignore_stop=True, shutdown=5.0) for n in range(10)}
    sup: DynamicSupervisor[int] = DynamicSupervisor("d", lambda n: probes[n].spec())
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        for n in range(10):
            await sup.get_or_start(n)
        began = trio.current_time()
        sup.request_stop()
    assert trio.current_time() - began == pytest.approx(5.0)  # not 10 x 5 s
    assert journal.alive == 0 and len(journal.of("cancelled")) == 10


async def test_a_failed_start_is_reported_to_every_waiting_caller(
    autojump_clock: MockClock,
) -> None:
    journal = Journal()
    probe = Probe("p", journal, fail_start=1, start_takes=1.0)
    sup: DynamicSupervisor[int] = DynamicSupervisor("d", lambda n: probe.spec())
    errors: list[str] = []

    async def caller() -> None:
        try:
            await sup.get_or_start(1)
        except Exception as exc:
            errors.append(type(exc).__name__)

    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        async with trio.open_nursery() as callers:
            for _ in range(3):
                callers.start_soon(caller)
        assert errors == ["ChildStartFailed"] * 3
        assert len(sup) == 0
        assert await sup.get_or_start(1) is not None  # the next try starts it
        sup.request_stop()


@pytest.mark.parametrize("frequent", [False, True])
async def test_frequent_children_live_at_debug_and_crash_at_error(
    autojump_clock: MockClock, frequent: bool
) -> None:
    """Users' sessions come and go by the thousand: their starts, rests and stops are not
    info lines (three per visit filled the log); a crash is logged at error all the same,
    and every event still reaches the bus's subscribers (`trt top`)."""
    sup = sessions(frequent_children=frequent)
    with structlog.testing.capture_logs() as logs, current_bus.get().subscribe() as feed:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            ref = await sup.get_or_start(7)
            await trio.sleep(IDLE + 1)  # rests: exits normally, removed
            ref = await sup.get_or_start(7)
            await ref.send("crash")
            await trio.sleep(1)
            sup.request_stop()
    levels = {
        (entry["event"], entry["log_level"]) for entry in logs if entry.get("child") == "user:7"
    }
    ordinary = "debug" if frequent else "info"
    assert levels == {
        ("supervisor.child_started", ordinary),
        ("supervisor.child_exited", ordinary),
        ("supervisor.child_stopped", ordinary),
        ("supervisor.child_crashed", "error"),
        ("supervisor.child_restarting", "warning"),
    }
    kinds = [event.kind for event in feed.drain()]
    assert kinds.count(EventKind.STARTED) == 3 and EventKind.CRASHED in kinds
