"""Warmup never delays anything; correlation records never slow a handler (MockClock)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import trio
from trio.testing import MockClock

from trt_actors.actors import actor_child
from trt_actors.actors.correlation_flush import BATCH, CorrelationFlushActor, store_writer
from trt_actors.actors.warmup import WarmupActor
from trt_actors.observability.correlation import CorrelationLog, current_correlation
from trt_actors.storage import CorrelationStep, StorageUnavailable
from trt_actors.supervisors import ChildSpec, Restart, Supervisor
from trt_actors.testing.fake_bot_api import FakeBotApi
from trt_actors.testing.inline_store import open_inline_store


async def test_warmup_over_its_budget_blocks_nothing(autojump_clock: MockClock) -> None:
    warmed = []
    api = FakeBotApi(latency=1000.0)  # getMe hangs far past the budget
    spec, ref = actor_child(
        "warmup",
        lambda: WarmupActor(api, lambda: warmed.append(1), budget=5.0),
        restart=Restart.TEMPORARY,
    )
    after = ChildSpecProbe()
    sup = Supervisor("tenant", [spec, after.spec()])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        assert after.started_at == 0.0  # the next child started at once
        await trio.sleep(6)
        assert not ref.running  # gave up at its budget and ended
        sup.request_stop()
    assert warmed == [1]


class ChildSpecProbe:
    started_at: float | None = None

    def spec(self) -> ChildSpec:
        async def start(*, task_status: trio.TaskStatus[None]) -> None:
            self.started_at = trio.current_time()
            task_status.started()
            await trio.sleep_forever()

        return ChildSpec("next", start)


async def test_a_full_correlation_queue_drops_and_counts_without_waiting(
    autojump_clock: MockClock,
) -> None:
    queue = CorrelationLog(capacity=10)
    token = current_correlation.set("u1")
    try:
        for n in range(25):
            queue.record("t", "outbound", method="sendMessage", n=n)
    finally:
        current_correlation.reset(token)
    queue.record("t", "ignored")  # no correlation id in context: nothing recorded
    assert (queue.recorded, queue.dropped, queue.queued) == (10, 15, 10)
    assert trio.current_time() == 0


async def test_the_flush_actor_batches_survives_failures_and_flushes_at_stop(
    autojump_clock: MockClock,
) -> None:
    written: list[tuple[str, int]] = []
    failures = [True]

    async def write(tenant: str, steps: Sequence[CorrelationStep]) -> None:
        await trio.sleep(0.01)
        if failures and failures.pop():
            raise StorageUnavailable("database is locked")
        written.append((tenant, len(steps)))

    queue = CorrelationLog()
    actor = CorrelationFlushActor(queue, write)
    spec, _ = actor_child("correlation_flush", lambda: actor)
    sup = Supervisor("root", [spec])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        for n in range(3):
            queue.record("a", "intake", correlation_id=f"u{n}")
        await trio.sleep(2)  # the first batch fails: logged, counted, not fatal
        for n in range(BATCH + 10):
            queue.record("a" if n % 2 else "b", "session", correlation_id=f"u{n}")
        await trio.sleep(0.5)
        queue.record("a", "outbound", correlation_id="late")
        sup.request_stop()  # the final flush writes what is still queued
    assert actor.lost == 3
    assert sum(n for _, n in written) == BATCH + 10 + 1
    assert {tenant for tenant, _ in written} == {"a", "b"}


@pytest.mark.parametrize("capacity", [1, 100])
def test_correlation_ids_come_from_the_context(capacity: int) -> None:
    queue = CorrelationLog(capacity=capacity)
    token = current_correlation.set("u42")
    try:
        queue.record("t", "session", outcome="handled")
    finally:
        current_correlation.reset(token)
    [record] = queue.drain()
    assert (record.correlation_id, record.step, record.detail) == (
        "u42",
        "session",
        {"outcome": "handled"},
    )


async def test_records_storage_refuses_are_dropped_not_a_crash_loop(
    autojump_clock: MockClock,
) -> None:
    """A record storage cannot take (here: no tenant) is logged and counted as lost; the
    actor goes on and writes the good ones (it used to crash until the root gave up)."""
    async with open_inline_store() as store:
        queue = CorrelationLog()
        actor = CorrelationFlushActor(queue, store_writer(store))
        spec, _ = actor_child("correlation_flush", lambda: actor)
        sup = Supervisor("root", [spec])
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            queue.record("", "outbound", correlation_id="u1")
            queue.record("a", "outbound", correlation_id="u2")
            await trio.sleep(2)
            assert sup.describe()[0]["restarts"] == 0
            sup.request_stop()
        steps = await store.read("a", lambda tx: tx.correlations.trail("u2"))
    assert (actor.lost, actor.written, len(steps)) == (1, 1, 1)
