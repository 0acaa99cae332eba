"""The actor base: start after init, ordered handling, ask, stop with grace, identity in logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import structlog
import trio
from trio.testing import MockClock

from trt_actors.actors import Actor, ActorRef, Ask, Identity, actor_child, run_actor
from trt_actors.mailboxes import ActorFailed, ActorStopped, Mailbox, MailboxClosed
from trt_actors.supervisors import Supervisor


class Counter(Actor[Any]):
    """Adds numbers; 'crash' raises; 'slow' takes 100 s; 'total' replies with the sum."""

    instances: list[Counter] = []

    def __init__(self, init_takes: float = 0.0) -> None:
        self.total = 0
        self.seen: list[Any] = []
        self.stopped = False
        self.init_takes = init_takes
        Counter.instances.append(self)

    async def on_start(self) -> None:
        await trio.sleep(self.init_takes)

    async def handle(self, message: Any) -> Any:
        self.seen.append(message)
        if message == "crash":
            raise RuntimeError("asked to crash")
        if message == "slow":
            await trio.sleep(100)
        if message == "total":
            return self.total
        if isinstance(message, int):
            self.total += message
        return None

    async def on_stop(self) -> None:
        self.stopped = True


def new_ref(name: str = "counter", capacity: int = 10) -> ActorRef[Any]:
    return ActorRef(Identity(name, tenant="t1", key="42"), Mailbox(name, capacity))


@pytest.fixture(autouse=True)
def _fresh_journal() -> None:
    Counter.instances.clear()


async def test_started_is_reported_only_after_init(autojump_clock: MockClock) -> None:
    ref = new_ref()
    async with trio.open_nursery() as nursery:
        started = await nursery.start(run_actor, lambda: Counter(init_takes=2.0), ref)
        assert started is ref
        assert trio.current_time() == pytest.approx(2.0)
        for n in (1, 2, 3):
            await ref.send(n)
        assert await ref.ask("total", timeout=1) == 6
        await ref.stop()
    assert Counter.instances[0].seen == [1, 2, 3, "total"]
    assert Counter.instances[0].stopped


async def test_a_crash_fails_the_asker_and_the_restart_keeps_queued_messages(
    autojump_clock: MockClock,
) -> None:
    spec, ref = actor_child("counter", Counter)
    sup = Supervisor("root", [spec])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        await ref.send(5)
        with pytest.raises(ActorFailed) as info:
            await ref.ask("crash", timeout=1)
        assert isinstance(info.value.error, RuntimeError)
        assert await ref.ask("total", timeout=1) == 0  # a fresh incarnation, same ref
        assert len(Counter.instances) == 2
        sup.request_stop()
    with pytest.raises(MailboxClosed):  # gone for good: the mailbox is closed
        await ref.send(1)


async def test_messages_queued_behind_a_crash_reach_the_next_incarnation(
    autojump_clock: MockClock,
) -> None:
    spec, ref = actor_child("counter", Counter)
    sup = Supervisor("root", [spec])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        ref.send_nowait("crash")
        ref.send_nowait(7)
        ref.send_nowait(8)
        assert await ref.ask("total", timeout=1) == 15
        sup.request_stop()


async def test_stop_waits_the_grace_then_cancels(autojump_clock: MockClock) -> None:
    ref = new_ref()
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, Counter, ref)
        await ref.send("slow")
        await trio.sleep(1)
        await ref.stop(grace=3)
        assert trio.current_time() == pytest.approx(4)
    assert not Counter.instances[0].stopped  # cancelled: no graceful on_stop
    assert not ref.running


async def test_a_stop_during_a_short_message_lets_it_finish(autojump_clock: MockClock) -> None:
    class Short(Counter):
        async def handle(self, message: Any) -> Any:
            await trio.sleep(1)
            return await super().handle(message)

    ref = new_ref()
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, Short, ref)
        await ref.send(3)
        await ref.send(4)
        await trio.sleep(0.5)
        await ref.stop(grace=10)
    actor = Counter.instances[0]
    assert actor.seen == [3] and actor.total == 3 and actor.stopped


async def test_requests_left_in_the_mailbox_fail_when_the_actor_ends(
    autojump_clock: MockClock,
) -> None:
    ref = new_ref()
    outcome: list[BaseException] = []

    async def asker() -> None:
        try:
            await ref.ask("total", timeout=30)
        except ActorStopped as exc:
            outcome.append(exc)

    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, Counter, ref)
        await ref.send("slow")
        nursery.start_soon(asker)
        await trio.sleep(1)
        await ref.stop(grace=1)
    assert len(outcome) == 1


async def test_closing_the_mailbox_ends_the_actor_cleanly(autojump_clock: MockClock) -> None:
    ref = new_ref()
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, Counter, ref)
        await ref.send(1)
        ref.mailbox.close()
    assert Counter.instances[0].seen == [1] and Counter.instances[0].stopped


async def test_an_idle_actor_passivates_and_closes_its_mailbox(autojump_clock: MockClock) -> None:
    ref = new_ref()
    async with trio.open_nursery() as nursery:
        await nursery.start(
            lambda task_status: run_actor(Counter, ref, idle_after=30, task_status=task_status)
        )
        await trio.sleep(20)
        await ref.send(1)
        await trio.sleep(20)
        assert ref.running  # the message restarted the idle count
    assert trio.current_time() == pytest.approx(50)
    with pytest.raises(MailboxClosed):
        await ref.send(2)


class Resting(Counter):
    """A counter that notes whether it ended idle (`on_passivated`)."""

    def __init__(self) -> None:
        super().__init__()
        self.passivated = False

    def on_passivated(self) -> None:
        self.passivated = True


async def test_only_an_idle_end_is_a_passivation(autojump_clock: MockClock) -> None:
    idle, stopped = new_ref(), new_ref()
    async with trio.open_nursery() as nursery:
        for ref in (idle, stopped):
            await nursery.start(
                lambda task_status, ref=ref: run_actor(
                    Resting, ref, idle_after=30, task_status=task_status
                )
            )
        await trio.sleep(10)
        stopped.request_stop()  # asked to stop: no state is left for a next incarnation
    first, second = Counter.instances
    assert isinstance(first, Resting) and isinstance(second, Resting)
    assert first.passivated and first.stopped
    assert not second.passivated and second.stopped


class Taskless(Resting):
    """A counter that starts no work of its own: it runs without a nursery."""

    uses_tasks = False

    async def handle(self, message: Any) -> Any:
        if message == "nurseries":
            return len(trio.lowlevel.current_task().child_nurseries)
        return await super().handle(message)


async def test_an_actor_that_starts_no_tasks_runs_without_a_nursery(
    autojump_clock: MockClock,
) -> None:
    """Thousands of users' sessions run at once: one without a nursery is about 1 KB smaller,
    and it is asked, handles, passivates and stops as any actor does."""
    with_tasks, taskless, stopped = new_ref(), new_ref(), new_ref()
    async with trio.open_nursery() as nursery:
        for ref, kind in ((with_tasks, Resting), (taskless, Taskless), (stopped, Taskless)):
            await nursery.start(
                lambda task_status, ref=ref, kind=kind: run_actor(
                    kind, ref, idle_after=30, task_status=task_status
                )
            )
        assert await taskless.ask("nurseries", timeout=1) == 0
        await taskless.send(5)
        assert await taskless.ask("total", timeout=1) == 5
        await stopped.stop(grace=1)
        await trio.sleep(10)
        assert taskless.running
    resting, idle, asked = Counter.instances
    assert isinstance(idle, Taskless) and not hasattr(idle, "tasks")
    assert hasattr(resting, "tasks")  # the default: a nursery for the actor's own work
    assert idle.passivated and idle.stopped  # ended idle after 30 s, on_stop ran
    assert asked.stopped and not asked.passivated
    assert trio.current_time() == pytest.approx(30)  # 30 s without a message after the last


async def test_a_message_that_comes_just_before_idleness_is_handled_whole(
    autojump_clock: MockClock,
) -> None:
    ref = new_ref()
    async with trio.open_nursery() as nursery:
        await nursery.start(
            lambda task_status: run_actor(Counter, ref, idle_after=30, task_status=task_status)
        )
        await trio.sleep(29)
        await ref.send("slow")  # takes 100 s, far past the idle deadline of the wait before
        await ref.send(5)
        assert await ref.ask("total", timeout=200) == 5
    [counter] = Counter.instances
    assert counter.seen == ["slow", 5, "total"]
    assert trio.current_time() == pytest.approx(29 + 100 + 30)  # then idle for 30 s


async def test_identity_is_in_every_log_event_of_the_actor(autojump_clock: MockClock) -> None:
    captured = structlog.testing.LogCapture()
    old = structlog.get_config()
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, captured])
    try:

        class Chatty(Counter):
            async def handle(self, message: Any) -> Any:
                structlog.get_logger().info("counter.added", amount=message)
                return await super().handle(message)

        ref = new_ref()
        async with trio.open_nursery() as nursery:
            await nursery.start(run_actor, Chatty, ref)
            await ref.ask(2, timeout=1)
            await ref.stop()
    finally:
        structlog.configure(**old)
    [event] = [e for e in captured.entries if e["event"] == "counter.added"]
    assert (event["actor"], event["tenant"], event["key"]) == ("counter", "t1", "42")


@dataclass(frozen=True, slots=True)
class Double(Ask[int]):
    """A message whose reply is an int."""

    n: int


class Doubler(Actor[Double]):
    async def handle(self, message: Double) -> int:
        return 2 * message.n


async def test_a_message_that_derives_from_ask_is_answered_with_its_reply() -> None:
    ref: ActorRef[Double] = new_ref("doubler")
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, Doubler, ref)
        assert await ref.ask(Double(21), timeout=1) == 42
        await ref.stop()
    # `Ask` only carries the reply type: a slotted message stays slotted, with no new field
    assert not hasattr(Double(1), "__dict__")
    assert list(Double.__dataclass_fields__) == ["n"]
